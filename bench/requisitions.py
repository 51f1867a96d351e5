"""Benchmark: quick order of 10,000 pasted lines, rendering a 1,000-line cart, queries per cart page.

Baseline in the same run: adding lines one request at a time (the per-line path a naive importer takes).
Runs on a throwaway SQLite file unless DATABASE_URL is set (e.g. under `scripts/testenv.py --`).
Prints one JSON object.
"""

import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
workdir = tempfile.mkdtemp(prefix="bench-")
atexit.register(shutil.rmtree, workdir, ignore_errors=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from procurement.models import CatalogItem, Employee, LegalEntity, Supplier  # noqa: E402
from requisitions.quick_order import parse_text  # noqa: E402
from requisitions.services import (  # noqa: E402
    CatalogPick,
    requisition_create,
    requisition_lines_add_from_catalog,
    requisition_quick_add,
)

LINES = 10_000
BASELINE_LINES = 300
CART_LINES = 1_000


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    alice = Employee.objects.select_related("user").get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    supplier = Supplier.objects.get(code="BUROTEC")
    CatalogItem.objects.bulk_create(
        CatalogItem(
            supplier=supplier,
            sku=f"BENCH-{n:05d}",
            name=f"Bench item {n}",
            unspsc="44121704",
            unit="EA",
            base_price_minor=100 + n % 900,
            currency="EUR",
        )
        for n in range(LINES)
    )
    text = "\n".join(f"BENCH-{n:05d},{1 + n % 7}" for n in range(LINES))

    cart = requisition_create(by=alice, legal_entity=france, title="bench paste")
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as paste_queries:
        result = requisition_quick_add(requisition=cart, by=alice, parsed=parse_text(text))
    paste_seconds = time.perf_counter() - start
    assert result.added == LINES and not result.errors

    baseline_cart = requisition_create(by=alice, legal_entity=france, title="bench baseline")
    items = list(CatalogItem.objects.filter(sku__startswith="BENCH-").order_by("sku")[:BASELINE_LINES])
    start = time.perf_counter()
    for item in items:
        requisition_lines_add_from_catalog(
            requisition=baseline_cart, by=alice, picks=[CatalogPick(item=item, quantity=Decimal(1))]
        )
    baseline_seconds = time.perf_counter() - start

    client = Client()
    client.force_login(alice.user)
    render = {}
    for size in (10, CART_LINES):
        page_cart = requisition_create(by=alice, legal_entity=france, title=f"bench render {size}")
        requisition_lines_add_from_catalog(
            requisition=page_cart,
            by=alice,
            picks=[
                CatalogPick(item=item, quantity=Decimal(1))
                for item in CatalogItem.objects.filter(sku__startswith="BENCH-").order_by("sku")[:size]
            ],
        )
        client.get(f"/requisitions/{page_cart.pk}/")  # warm templates
        timings = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as page_queries:
                start = time.perf_counter()
                response = client.get(f"/requisitions/{page_cart.pk}/")
                timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        render[size] = {"seconds": round(min(timings), 3), "queries": len(page_queries)}

    print(
        json.dumps(
            {
                "database": connection.vendor,
                "paste_lines": LINES,
                "paste_seconds": round(paste_seconds, 2),
                "paste_queries": len(paste_queries),
                "paste_lines_per_second": round(LINES / paste_seconds),
                "baseline_one_line_per_call_lines_per_second": round(BASELINE_LINES / baseline_seconds),
                "speedup_over_baseline": round((LINES / paste_seconds) / (BASELINE_LINES / baseline_seconds), 1),
                "cart_page_10_lines": render[10],
                "cart_page_1000_lines": render[CART_LINES],
                "queries_constant_in_lines": render[10]["queries"] == render[CART_LINES]["queries"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
