"""An issued order with its budget committed, built as the product builds it (a requester's cart, the final
approval's p2p step), and invoices made directly with the ORM (reading supplier documents is ingestion's)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.models import Budget, BudgetEntry
from invoices.models import Invoice, InvoiceLine, MatchTolerance
from orders.models import PurchaseOrder, PurchaseOrderLine
from orders.order_progress import LineProgress, purchase_order_progress_record
from p2p.submit_to_order import final_approval
from procurement.models import Role
from procurement.money import Money, line_total_minor, tax_amount_minor, to_minor
from requisitions.models import Requisition, RequisitionStatus
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import BudgetFactory, CostCentreFactory, EmployeeFactory, SupplierFactory


@dataclass
class World:
    france: object
    requester: object
    buyer: object
    supplier: object
    centre: object
    budget: Budget


@pytest.fixture
def world(france) -> World:
    centre = CostCentreFactory(legal_entity=france, code="FR-OPS")
    requester = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER], default_cost_centre=centre)
    buyer = EmployeeFactory(legal_entities=[france], roles=[Role.BUYER])
    supplier = SupplierFactory(code="BOLTS", contact_email="billing@bolts.example")
    budget = BudgetFactory(cost_centre=centre, amount_minor=100_000_00)
    return World(france, requester, buyer, supplier, centre, budget)


def ordered(world: World, *lines: tuple[str, str], unspsc: str = "", by_amount: bool = False) -> PurchaseOrder:
    """An issued order of (quantity, unit price in EUR) lines, its amounts committed on the budget."""
    requisition = requisition_create(by=world.requester, legal_entity=world.france, title="Bolts")
    for quantity, price in lines:
        requisition_line_add_free_text(
            requisition=requisition,
            by=world.requester,
            description="Bolt M8",
            quantity=Decimal(quantity),
            unit="EA",
            unit_price=Money(Decimal(price), "EUR"),
            supplier=world.supplier,
            cost_centre=world.centre,
            unspsc=unspsc,
        )
    Requisition.objects.filter(pk=requisition.pk).update(status=RequisitionStatus.APPROVED)
    requisition.refresh_from_db()
    final_approval(requisition=requisition, by=None)
    order = PurchaseOrder.objects.get(requisition=requisition)
    if by_amount:
        order.lines.update(receipt_by_amount=True)
    return order


def po_lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    return list(order.lines.order_by("line_number"))


def receive(order: PurchaseOrder, line: PurchaseOrderLine, quantity: str = "0", amount: str = "0") -> None:
    """Goods arrive (what the receiving app records through orders.order_progress)."""
    purchase_order_progress_record(
        order=order,
        changes={
            line.pk: LineProgress(received_quantity=Decimal(quantity), received_amount_minor=to_minor(amount, "EUR"))
        },
        by=None,
        comment="received",
    )


_numbers = iter(range(1, 10**6))


def invoice_for(
    order: PurchaseOrder,
    *lines: tuple[PurchaseOrderLine | None, str, str],
    number: str | None = None,
    kind: str = Invoice.Kind.INVOICE,
    rate: str | None = "20",
    invoice_date: date | None = None,
    currency: str = "EUR",
    corrects: Invoice | None = None,
) -> Invoice:
    """A received invoice (or credit note) of (order line, quantity, unit price) lines, its totals adding up."""
    built = []
    for position, (po_line, quantity, price) in enumerate(lines, 1):
        net = line_total_minor(quantity=Decimal(quantity), unit_price_minor=to_minor(price, currency))
        built.append(
            InvoiceLine(
                line_number=position,
                po_line=po_line,
                order_reference=order.number,
                order_line_number=po_line.line_number if po_line else 7,
                quantity=Decimal(quantity),
                unit="EA",
                unit_price_minor=to_minor(price, currency),
                net_minor=net,
                tax_category="S" if rate is not None else "",
                tax_rate=None if rate is None else Decimal(rate),
                tax_minor=0 if rate is None else tax_amount_minor(net_minor=net, rate_percent=Decimal(rate)),
            )
        )
    net = sum(line.net_minor for line in built)
    tax = sum(line.tax_minor for line in built)
    day = invoice_date or timezone.localdate()
    invoice = Invoice.objects.create(
        legal_entity=order.legal_entity,
        supplier=order.supplier,
        kind=kind,
        number=number or f"INV-{next(_numbers)}",
        fiscal_year=day.year,
        invoice_date=day,
        currency=currency,
        corrects=corrects,
        net_minor=net,
        tax_minor=tax,
        total_minor=net + tax,
        source=Invoice.Source.TYPED,
    )
    invoice.purchase_orders.add(order)
    for line in built:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(built)
    return invoice


def tolerance(world: World, **fields) -> MatchTolerance:
    return MatchTolerance.objects.create(legal_entity=world.france, **fields)


def ledger(order: PurchaseOrder) -> dict[str, int]:
    """The order's budget entries added up per kind, in budget minor units."""
    totals: dict[str, int] = {}
    for kind, amount in BudgetEntry.objects.filter(purchase_order=order).values_list("kind", "amount_minor"):
        totals[kind] = totals.get(kind, 0) + amount
    return totals


def reasons(invoice: Invoice) -> list[str]:
    return [reason for line in invoice.lines.order_by("line_number") for reason in line.reasons]
