"""Benchmark the invoice match: BENCH_INVOICES (1,000) invoices of 20 lines matched one by one against their orders
and receipts, and the queries each invoice takes. The baseline, in the same run: as many invoices of 2 lines; the
queries per invoice must be the same for both (constant in the number of lines).

Meant for PostgreSQL: .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/invoices.py
(without DATABASE_URL it runs on a scratch SQLite file). Prints one JSON object (bench/harness.py): per size, the rows
built, one invoice warm-up, min/median/p95 of one match over the invoices left (less QUERY_SAMPLE counted apart), and
the queries of QUERY_SAMPLE (20) matches (median and max, untimed).
"""

import os
import statistics
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import count_queries, django_setup, emit, measure_prepared, ratio, rows_per_table

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from invoices.matching import invoice_match  # noqa: E402
from invoices.models import Invoice, InvoiceLine, MatchTolerance  # noqa: E402
from orders.models import PurchaseOrder, PurchaseOrderLine  # noqa: E402
from procurement.models import CostCentre, Employee, LegalEntity, Supplier  # noqa: E402
from procurement.money import line_total_minor, tax_amount_minor  # noqa: E402
from requisitions.models import Requisition, RequisitionStatus  # noqa: E402

INVOICES = int(os.environ.get("BENCH_INVOICES", 1000))
PRICE_MINOR = 800  # 8.00 a unit
QUANTITY = Decimal(5)


def orders_with_receipts(count: int, lines: int, tag: str) -> list[PurchaseOrder]:
    """`count` received orders of `lines` lines each, each of its own requisition (bulk-made: the bench is the
    match)."""
    france = LegalEntity.objects.get(code="ACME-FR")
    supplier = Supplier.objects.filter(is_active=True).order_by("pk").first()
    assert supplier is not None
    alice = Employee.objects.get(user__username="alice")
    lab = CostCentre.objects.get(code="FR-LAB")
    # One requisition per order, as approved requisitions make them (the requisition follows its order).
    requisitions = Requisition.objects.bulk_create(
        Requisition(
            legal_entity=france,
            number=f"BENCH-{tag}-{n:06d}",
            requester=alice,
            title=f"bench {tag} {n}",
            currency="EUR",
            status=RequisitionStatus.ORDERED,
        )
        for n in range(count)
    )
    total = line_total_minor(quantity=QUANTITY, unit_price_minor=PRICE_MINOR) * lines
    orders = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            legal_entity=france,
            number=f"B{tag}-{n:06d}",
            supplier=supplier,
            currency="EUR",
            requisition=requisitions[n],
            status=PurchaseOrder.Status.RECEIVED,
            total_minor=total,
            method=Supplier.OrderMethod.NONE,
        )
        for n in range(count)
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=order,
            line_number=number,
            supplier_part_id=f"SKU-{number}",
            description=f"Item {number}",
            quantity=QUANTITY,
            unit="EA",
            unit_price_minor=PRICE_MINOR,
            total_minor=line_total_minor(quantity=QUANTITY, unit_price_minor=PRICE_MINOR),
            cost_centre=lab,
            received_quantity=QUANTITY,
        )
        for order in orders
        for number in range(1, lines + 1)
    )
    return orders


def invoices_for(orders: list[PurchaseOrder], tag: str) -> list[Invoice]:
    """One invoice per order billing every line as ordered, 20 % VAT."""
    net_line = line_total_minor(quantity=QUANTITY, unit_price_minor=PRICE_MINOR)
    tax_line = tax_amount_minor(net_minor=net_line, rate_percent=Decimal(20))
    by_order: dict[int, list[PurchaseOrderLine]] = {}
    for line in PurchaseOrderLine.objects.filter(purchase_order__in=orders).order_by("purchase_order", "line_number"):
        by_order.setdefault(line.purchase_order_id, []).append(line)
    invoices = Invoice.objects.bulk_create(
        Invoice(
            legal_entity_id=order.legal_entity_id,
            supplier_id=order.supplier_id,
            number=f"INV-{tag}-{n:06d}",
            fiscal_year=2026,
            invoice_date=date(2026, 12, 1),
            currency="EUR",
            net_minor=net_line * len(by_order[order.pk]),
            tax_minor=tax_line * len(by_order[order.pk]),
            total_minor=(net_line + tax_line) * len(by_order[order.pk]),
            source=Invoice.Source.TYPED,
        )
        for n, order in enumerate(orders)
    )
    for invoice, order in zip(invoices, orders, strict=True):
        invoice.purchase_orders.add(order)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_number=line.line_number,
            po_line=line,
            order_reference=order.number,
            order_line_number=line.line_number,
            supplier_part_id=line.supplier_part_id,
            description=line.description,
            quantity=QUANTITY,
            unit="EA",
            unit_price_minor=PRICE_MINOR,
            net_minor=net_line,
            tax_category="S",
            tax_rate=Decimal(20),
            tax_minor=tax_line,
        )
        for invoice, order in zip(invoices, orders, strict=True)
        for line in by_order[order.pk]
    )
    return invoices


QUERY_SAMPLE = 20
WARMUP = 1


def match(pk: int) -> None:
    invoice_match(invoice=Invoice.objects.get(pk=pk))


def match_all(invoices: list[Invoice]) -> dict[str, object]:
    """Match every invoice once: a warm-up, one counted (the harness), the rest timed, the last QUERY_SAMPLE counted."""
    pks = [invoice.pk for invoice in invoices]
    timed = pks[: len(pks) - QUERY_SAMPLE]
    sampled = pks[len(pks) - QUERY_SAMPLE :]
    queue = iter(timed)
    timing = measure_prepared(lambda: next(queue), match, runs=len(timed) - WARMUP - 1, warmup=WARMUP)
    queries = [count_queries(lambda pk=pk: match(pk))[1] for pk in sampled]  # type: ignore[misc]
    statuses: dict[str, int] = {}
    for status in Invoice.objects.filter(pk__in=pks).values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "match_ms": timing,
        "invoices_per_second_at_median": ratio(1000, timing.median_ms),
        "queries_per_invoice_median": statistics.median(queries),
        "queries_per_invoice_max": max(queries),
        "statuses": statuses,
    }


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    france = LegalEntity.objects.get(code="ACME-FR")
    MatchTolerance.objects.update_or_create(legal_entity=france, supplier=None, defaults={})

    if INVOICES < QUERY_SAMPLE + WARMUP + 1 + 5:
        sys.exit(f"BENCH_INVOICES must be at least {QUERY_SAMPLE + WARMUP + 6}")
    figures: dict[str, object] = {"database": connection.vendor, "invoices": INVOICES}
    sizes: dict[int, dict[str, object]] = {}
    for lines in (2, 20):
        orders = orders_with_receipts(INVOICES, lines, f"L{lines}")
        invoices = invoices_for(orders, f"L{lines}")
        rows = rows_per_table([Requisition, PurchaseOrder, PurchaseOrderLine, Invoice, InvoiceLine])
        sizes[lines] = {"lines_per_invoice": lines, "rows": rows} | match_all(invoices)
    figures["baseline_2_lines"] = sizes[2]
    figures["20_lines"] = sizes[20]
    figures["queries_constant_in_lines"] = sizes[20]["queries_per_invoice_max"] == sizes[2]["queries_per_invoice_max"]
    figures["20_over_2_lines_median"] = ratio(
        sizes[20]["match_ms"].median_ms,  # type: ignore[attr-defined]
        sizes[2]["match_ms"].median_ms,  # type: ignore[attr-defined]
        2,
    )
    emit(figures)


if __name__ == "__main__":
    main()
