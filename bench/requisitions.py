"""Benchmark: quick order of 10,000 pasted lines, rendering a 1,000-line cart, queries per cart page.

The paste writes its lines with COPY on PostgreSQL (procurement/bulk.py), bulk_create on SQLite. Baseline in the
same run: adding lines one call at a time (the per-line path a naive importer takes). Each timing: a warm-up, then
≥ 5 timed runs (min/median/p95) and the queries of one run; every paste goes into a fresh cart.
Runs on a throwaway SQLite file unless DATABASE_URL is set (e.g. under `scripts/testenv.py --`).
Scale with BENCH_LINES (10000) and BENCH_RUNS (5). Prints one JSON object.
"""

import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import django_setup, emit, measure, measure_prepared, ratio, rows_per_table

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from procurement.models import CatalogItem, Employee, LegalEntity, Supplier  # noqa: E402
from requisitions.models import Requisition, RequisitionLine  # noqa: E402
from requisitions.quick_order import parse_text  # noqa: E402
from requisitions.services import (  # noqa: E402
    CatalogPick,
    requisition_create,
    requisition_lines_add_from_catalog,
    requisition_quick_add,
)

LINES = int(os.environ.get("BENCH_LINES", 10_000))
RUNS = int(os.environ.get("BENCH_RUNS", 5))
BASELINE_LINES = 50
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
        for n in range(max(LINES, CART_LINES))
    )
    parsed = parse_text("\n".join(f"BENCH-{n:05d},{1 + n % 7}" for n in range(LINES)))
    counter = iter(range(10**6))

    def fresh_cart() -> Requisition:
        return requisition_create(by=alice, legal_entity=france, title=f"bench paste {next(counter)}")

    def paste(cart: Requisition) -> None:
        result = requisition_quick_add(requisition=cart, by=alice, parsed=parsed)
        assert result.added == LINES and not result.errors

    pasted = measure_prepared(fresh_cart, paste, runs=RUNS)
    one_cart = fresh_cart()
    paste(one_cart)
    written = RequisitionLine.objects.filter(requisition=one_cart).count()

    items = list(CatalogItem.objects.filter(sku__startswith="BENCH-").order_by("sku")[:BASELINE_LINES])

    def one_by_one(cart: Requisition) -> None:
        for item in items:
            requisition_lines_add_from_catalog(
                requisition=cart, by=alice, picks=[CatalogPick(item=item, quantity=Decimal(1))]
            )

    baseline = measure_prepared(fresh_cart, one_by_one, runs=RUNS, warmup=1)

    client = Client()
    client.force_login(alice.user)
    render = {}
    for size in (10, CART_LINES):
        page_cart = fresh_cart()
        requisition_lines_add_from_catalog(
            requisition=page_cart,
            by=alice,
            picks=[
                CatalogPick(item=item, quantity=Decimal(1))
                for item in CatalogItem.objects.filter(sku__startswith="BENCH-").order_by("sku")[:size]
            ],
        )

        def page(cart_id: int = page_cart.pk) -> None:
            assert client.get(f"/requisitions/{cart_id}/").status_code == 200

        render[size] = measure(page, runs=RUNS).as_dict()

    paste_lines_per_second = LINES / (pasted.median_ms / 1000)
    baseline_lines_per_second = BASELINE_LINES / (baseline.median_ms / 1000)
    emit(
        {
            "benchmark": "quick order paste",
            "database": connection.vendor,
            "paste_lines": LINES,
            "paste": pasted.as_dict(),
            "paste_lines_per_second": round(paste_lines_per_second),
            "paste_lines_written_per_run": written,
            "baseline_one_line_per_call": {"lines": BASELINE_LINES, **baseline.as_dict()},
            "baseline_one_line_per_call_lines_per_second": round(baseline_lines_per_second),
            "speedup_over_baseline": ratio(paste_lines_per_second, baseline_lines_per_second),
            "cart_page_10_lines": render[10],
            "cart_page_1000_lines": render[CART_LINES],
            "queries_constant_in_lines": render[10]["queries"] == render[CART_LINES]["queries"],
            "rows": rows_per_table([Requisition, RequisitionLine, CatalogItem]),
        }
    )


if __name__ == "__main__":
    main()
