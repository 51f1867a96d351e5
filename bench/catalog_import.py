"""Benchmark: a supplier's catalog of BENCH_CATALOG_IMPORT_ITEMS (100,000) items imported as CSV and as BMEcat 2005:
staged, read as a stream, checked and diffed line by line (`catalog_upload_validate`), then published into the live
catalog (`catalog_upload_publish_run`), each run for a new supplier (every item new: the most rows written).

Runs on a throwaway SQLite file unless DATABASE_URL is set (the figures that matter are on PostgreSQL:
`scripts/testenv.py -- .venv/bin/python bench/catalog_import.py`). The Celery tasks run in the process (the test
settings' eager mode), so the time is the work, not the queue.
Prints one JSON object (bench/harness.py): per format, the file's size, the items, and per step (check, publish,
both) the min/median/p95 of BENCH_CATALOG_IMPORT_RUNS (3) runs and the items per second of the median.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import django_setup, emit, summarize

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from catalogs.formats.catalog_csv import COLUMNS  # noqa: E402
from catalogs.models import CatalogUpload  # noqa: E402
from catalogs.services import catalog_upload_create, catalog_upload_publish  # noqa: E402
from procurement.models import CatalogItem, Employee, LegalEntity, Supplier  # noqa: E402

ITEMS = int(os.environ.get("BENCH_CATALOG_IMPORT_ITEMS", "100000"))
RUNS = int(os.environ.get("BENCH_CATALOG_IMPORT_RUNS", "3"))


def _price(n: int) -> str:
    cents = 100 + n % 9900
    return f"{cents // 100}.{cents % 100:02d}"


def csv_catalog(count: int) -> bytes:
    lines = [";".join(COLUMNS)]
    for n in range(count):
        lines.append(
            f"SKU-{n:06d};Bench item {n};44121704;EA;{_price(n).replace('.', ',')};EUR;Generated item {n};3;Acme;"
            f"AC-{n};10;1;1;https://img.example/{n}.jpg;"
        )
    return ("\n".join(lines) + "\n").encode()


def bmecat_catalog(count: int) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">'
        "<HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>BENCH</CATALOG_ID><CATALOG_VERSION>1</CATALOG_VERSION>"
        "<CURRENCY>EUR</CURRENCY><MIME_ROOT>https://img.example/</MIME_ROOT></CATALOG></HEADER><T_NEW_CATALOG>\n"
    )
    products = "".join(
        f"<PRODUCT><SUPPLIER_PID>SKU-{n:06d}</SUPPLIER_PID><PRODUCT_DETAILS><DESCRIPTION_SHORT>Bench item {n}"
        f"</DESCRIPTION_SHORT><DESCRIPTION_LONG>Generated item {n}</DESCRIPTION_LONG><MANUFACTURER_PID>AC-{n}"
        f"</MANUFACTURER_PID><MANUFACTURER_NAME>Acme</MANUFACTURER_NAME><DELIVERY_TIME>3</DELIVERY_TIME>"
        f"</PRODUCT_DETAILS><PRODUCT_FEATURES><REFERENCE_FEATURE_SYSTEM_NAME>UNSPSC</REFERENCE_FEATURE_SYSTEM_NAME>"
        f"<REFERENCE_FEATURE_GROUP_ID>44121704</REFERENCE_FEATURE_GROUP_ID></PRODUCT_FEATURES><PRODUCT_ORDER_DETAILS>"
        f"<ORDER_UNIT>EA</ORDER_UNIT><NO_CU_PER_OU>10</NO_CU_PER_OU><QUANTITY_MIN>1</QUANTITY_MIN>"
        f"<QUANTITY_INTERVAL>1</QUANTITY_INTERVAL></PRODUCT_ORDER_DETAILS><PRODUCT_PRICE_DETAILS>"
        f'<PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>{_price(n)}</PRICE_AMOUNT><PRICE_CURRENCY>EUR'
        f"</PRICE_CURRENCY></PRODUCT_PRICE></PRODUCT_PRICE_DETAILS><MIME_INFO><MIME><MIME_TYPE>image/jpeg</MIME_TYPE>"
        f"<MIME_SOURCE>{n}.jpg</MIME_SOURCE><MIME_PURPOSE>normal</MIME_PURPOSE></MIME></MIME_INFO></PRODUCT>\n"
        for n in range(count)
    )
    return (head + products + "</T_NEW_CATALOG></BMECAT>\n").encode()


def one_run(file_format: str, content: bytes, run: int, frank: Employee, entity: LegalEntity) -> tuple[float, float]:
    """(seconds to stage and check, seconds to publish) of the catalog for a new supplier."""
    supplier = Supplier.objects.create(code=f"BENCH-{file_format.upper()}-{run}", name=f"Bench {run}", currency="EUR")
    started = time.perf_counter()
    upload = catalog_upload_create(
        supplier=supplier, by=frank, legal_entity=entity, file_format=file_format, filename="bench", content=content
    )
    upload.refresh_from_db()
    checked = time.perf_counter()
    assert (upload.status, upload.new_count, upload.error_lines) == (CatalogUpload.Status.VALIDATED, ITEMS, 0), (
        upload.status,
        upload.message,
        upload.error_lines,
    )
    catalog_upload_publish(upload=upload, by=frank)
    published = time.perf_counter()
    upload.refresh_from_db()
    assert upload.status == CatalogUpload.Status.PUBLISHED
    assert CatalogItem.objects.filter(supplier=supplier, is_active=True).count() == ITEMS
    return checked - started, published - checked


def per_second(median_ms: float) -> float:
    return round(ITEMS / (median_ms / 1000), 1) if median_ms else 0.0


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    frank = Employee.objects.select_related("user").get(user__username="frank")
    entity = LegalEntity.objects.get(code="ACME-FR")
    figures: dict[str, object] = {"database": connection.vendor, "items": ITEMS, "runs": RUNS}
    for file_format, build in (("csv", csv_catalog), ("bmecat", bmecat_catalog)):
        content = build(ITEMS)
        checks, publishes, totals = [], [], []
        for run in range(RUNS):
            check, publish = one_run(file_format, content, run, frank, entity)
            checks.append(check)
            publishes.append(publish)
            totals.append(check + publish)
        steps = {"check": summarize(checks), "publish": summarize(publishes), "total": summarize(totals)}
        figures[file_format] = {"bytes": len(content)} | {
            step: timing.as_dict() | {"items_per_second": per_second(timing.median_ms)}
            for step, timing in steps.items()
        }
    emit(figures)


if __name__ == "__main__":
    main()
