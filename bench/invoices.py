"""Benchmark the invoice match: invoices matched per second for BENCH_INVOICES (1,000) invoices of 20 lines against
their orders and receipts, and the queries each invoice takes. The baseline, in the same run: the same number of
invoices of 2 lines; queries per invoice must be the same for both (constant in the number of lines).

Meant for PostgreSQL: .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/invoices.py
(without DATABASE_URL it runs on a scratch SQLite file). Prints one JSON object.
"""

import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
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
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

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


def match_all(invoices: list[Invoice]) -> tuple[float, list[int], dict[str, int]]:
    queries: list[int] = []
    start = time.perf_counter()
    for invoice in invoices:
        connection.queries_log.clear()  # the log keeps 9,000 queries: a full one would count 0 per invoice
        with CaptureQueriesContext(connection) as captured:
            invoice_match(invoice=Invoice.objects.get(pk=invoice.pk))
        queries.append(len(captured.captured_queries))
    seconds = time.perf_counter() - start
    statuses: dict[str, int] = {}
    for status in Invoice.objects.filter(pk__in=[i.pk for i in invoices]).values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    return seconds, queries, statuses


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    france = LegalEntity.objects.get(code="ACME-FR")
    MatchTolerance.objects.update_or_create(legal_entity=france, supplier=None, defaults={})

    figures: dict[str, object] = {"database": connection.vendor, "invoices": INVOICES}
    for lines in (2, 20):
        orders = orders_with_receipts(INVOICES, lines, f"L{lines}")
        invoices = invoices_for(orders, f"L{lines}")
        seconds, queries, statuses = match_all(invoices)
        prefix = "baseline_2_lines" if lines == 2 else "20_lines"
        figures[f"{prefix}_invoices_matched_per_second"] = round(len(invoices) / seconds, 1)
        figures[f"{prefix}_queries_per_invoice_median"] = statistics.median(queries)
        figures[f"{prefix}_queries_per_invoice_max"] = max(queries)
        figures[f"{prefix}_statuses"] = statuses
    figures["queries_constant_in_lines"] = (
        figures["20_lines_queries_per_invoice_max"] == figures["baseline_2_lines_queries_per_invoice_max"]
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
