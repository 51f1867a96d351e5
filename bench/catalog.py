"""Benchmark: catalog search on the demo catalog and on 100,000 items: an exact search, a typo ("balpoint",
forgiven by pg_trgm on PostgreSQL or the vocabulary fallback elsewhere), and the filters' counts.

Runs on a throwaway SQLite file unless DATABASE_URL is set (e.g. under `scripts/testenv.py --`).
Prints one JSON object: milliseconds, the median of REPEAT runs, each a full page's reads (first page of
results and every filter's counts).
"""

import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
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
from django.test.utils import setup_test_environment  # noqa: E402

from procurement.models import CatalogItem, Employee, LegalEntity, Supplier  # noqa: E402
from procurement.selectors import CatalogFilters, catalog_facets, catalog_search  # noqa: E402

ITEMS = int(os.environ.get("BENCH_CATALOG_ITEMS", "100000"))
REPEAT = 5
WORDS = ["stapler", "folder", "cable", "monitor", "glove", "beaker", "marker", "toner", "label", "binder"]
COLOURS = ["black", "blue", "red", "green", "grey", "white"]


def page_reads(alice, entity, text: str) -> tuple[float, int, str]:
    timings, count, corrected = [], 0, ""
    for _ in range(REPEAT):
        start = time.perf_counter()
        search = catalog_search(legal_entity=entity, user=alice.user, filters=CatalogFilters(search=text))
        first_page = list(search.items[:50])
        catalog_facets(search=search)
        count = search.items.count()
        timings.append((time.perf_counter() - start) * 1000)
        corrected = search.text.corrected
        assert first_page or not count
    return round(statistics.median(timings), 1), count, corrected


def measure(alice, entity) -> dict[str, object]:
    figures: dict[str, object] = {}
    for label, text in (("exact_ballpoint", "ballpoint"), ("typo_balpoint", "balpoint"), ("none", "")):
        ms, count, corrected = page_reads(alice, entity, text)
        figures[label] = {"ms": ms, "results": count, **({"corrected": corrected} if corrected else {})}
    return figures


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    alice = Employee.objects.select_related("user").get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    demo = measure(alice, france)

    supplier = Supplier.objects.get(code="BUROTEC")
    CatalogItem.objects.bulk_create(
        (
            CatalogItem(
                supplier=supplier,
                sku=f"BENCH-{n:06d}",
                name=f"{WORDS[n % len(WORDS)].capitalize()} {COLOURS[n % len(COLOURS)]} model {n}",
                manufacturer=f"Maker {n % 97}",
                unspsc="44121704",
                unit="EA",
                base_price_minor=100 + n % 900,
                currency="EUR",
            )
            for n in range(ITEMS)
        ),
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    large = measure(alice, france)
    print(
        json.dumps(
            {"database": connection.vendor, "demo_items": CatalogItem.objects.count() - ITEMS, "demo": demo}
            | {"large_items": CatalogItem.objects.count(), "large": large}
        )
    )


if __name__ == "__main__":
    main()
