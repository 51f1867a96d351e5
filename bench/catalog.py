"""Benchmark: catalog search on the demo catalog (the baseline, same run) and on BENCH_CATALOG_ITEMS (100,000) items:
an exact search, a typo ("balpoint", forgiven by pg_trgm on PostgreSQL or the vocabulary fallback elsewhere), and no
search at all; each a full page's reads (first page of results, every filter's counts, the total).

Runs on a throwaway SQLite file unless DATABASE_URL is set (e.g. under `scripts/testenv.py --`).
Prints one JSON object (bench/harness.py): per search, a warm-up, min/median/p95 of BENCH_CATALOG_RUNS (5) runs and
the queries of one page; the rows each catalog really had; the large catalog's median over the demo's.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import django_setup, emit, measure, ratio, rows_per_table

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from procurement.models import CatalogItem, Employee, LegalEntity, Supplier  # noqa: E402
from procurement.selectors import CatalogFilters, catalog_facets, catalog_search  # noqa: E402

ITEMS = int(os.environ.get("BENCH_CATALOG_ITEMS", "100000"))
RUNS = int(os.environ.get("BENCH_CATALOG_RUNS", "5"))
WORDS = ["stapler", "folder", "cable", "monitor", "glove", "beaker", "marker", "toner", "label", "binder"]
COLOURS = ["black", "blue", "red", "green", "grey", "white"]
SEARCHES = (("exact_ballpoint", "ballpoint"), ("typo_balpoint", "balpoint"), ("none", ""))


def page_reads(alice: Employee, entity: LegalEntity, text: str) -> tuple[int, str]:
    """One page's reads; returns the number of results and the corrected search text."""
    search = catalog_search(legal_entity=entity, user=alice.user, filters=CatalogFilters(search=text))
    first_page = list(search.items[:50])
    catalog_facets(search=search)
    count = search.items.count()
    assert first_page or not count
    return count, search.text.corrected


def measure_searches(alice: Employee, entity: LegalEntity) -> dict[str, object]:
    figures: dict[str, object] = {
        "rows": rows_per_table([CatalogItem, Supplier]),
    }
    for label, text in SEARCHES:
        timing = measure(lambda text=text: page_reads(alice, entity, text), runs=RUNS)  # type: ignore[misc]
        count, corrected = page_reads(alice, entity, text)
        figures[label] = timing.as_dict() | {"results": count} | ({"corrected": corrected} if corrected else {})
    return figures


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    alice = Employee.objects.select_related("user").get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    demo = measure_searches(alice, france)

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
    large = measure_searches(alice, france)
    emit(
        {
            "database": connection.vendor,
            "demo_items": CatalogItem.objects.count() - ITEMS,
            "large_items": CatalogItem.objects.count(),
            "demo": demo,
            "large": large,
            "large_over_demo_median": {
                label: ratio(large[label]["median_ms"], demo[label]["median_ms"])  # type: ignore[index]
                for label, _ in SEARCHES
            },
        }
    )


if __name__ == "__main__":
    main()
