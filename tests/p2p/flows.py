"""One requisition's life built as the product builds it, for the tests of the home page and the tracker:
alice's cart, submitted to her manager bob (the manager chain), returned, approved, ordered from a supplier
that takes orders by hand but answers in cXML (confirmation, ship notice), received, invoiced."""

from datetime import date
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from invoices.matching import invoice_match
from invoices.models import Invoice, InvoiceLine
from orders.models import PurchaseOrder, PurchaseOrderLine
from p2p.receipts import goods_receipt_post
from p2p.submit_to_order import requisition_submit
from procurement.models import CostCentre, Employee, LegalEntity, Supplier
from procurement.money import Money, line_total_minor, tax_amount_minor, to_minor
from receiving.services import ReceiptLineInput
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.approvals.helpers import decide
from tests.factories import SupplierFactory
from tests.orders.supplier_documents import confirmation, item, ship_notice

SUPPLIER_IDENTITY, SUPPLIER_SECRET = "supplier@supplier.com", "coyote"  # tests/orders/supplier_documents.py


def person(username: str) -> Employee:
    return Employee.objects.select_related("user").get(user__username=username)


def manager_chain() -> PurchasingRule:
    return purchasing_rule_save(
        rule=PurchasingRule(name="Manager approval", position=10, effect=PurchasingRule.Effect.MANAGER_CHAIN)
    )


def answering_supplier() -> Supplier:
    """Takes its orders by hand (nothing is sent) and answers with cXML confirmations and ship notices."""
    return SupplierFactory(
        code="SAMPLESUP",
        name="Sample Supplies",
        currency="EUR",
        order_to_identity=SUPPLIER_IDENTITY,
        order_shared_secret=SUPPLIER_SECRET,
    )


def cart(
    username: str = "alice",
    *lines: tuple[str, str, str],
    entity: str = "FR-ORG",
    supplier: Supplier | None = None,
    title: str = "Lab kit",
    currency: str = "EUR",
    cost_centre: CostCentre | None = None,
) -> Requisition:
    """A cart of (description, quantity, unit price) lines."""
    requester = person(username)
    made = requisition_create(by=requester, legal_entity=LegalEntity.objects.get(code=entity), title=title)
    for description, quantity, price in lines or (("Pipettes", "2", "40.00"),):
        requisition_line_add_free_text(
            requisition=made,
            by=requester,
            description=description,
            quantity=Decimal(quantity),
            unit="EA",
            unit_price=Money(Decimal(price), currency),
            supplier=supplier,
            cost_centre=cost_centre,
        )
    made.refresh_from_db()
    return made


def submit(requisition: Requisition) -> Requisition:
    requisition_submit(requisition=requisition, by=requisition.requester)
    requisition.refresh_from_db()
    return requisition


def approve(requisition: Requisition, username: str = "bob") -> Requisition:
    decide(requisition, username, "approve")
    requisition.refresh_from_db()
    return requisition


def send_back(requisition: Requisition, decision: str, comment: str, username: str = "bob") -> Requisition:
    decide(requisition, username, decision, comment)
    requisition.refresh_from_db()
    return requisition


def supplier_answers(body: str) -> None:
    response = Client().post("/cxml/inbound/", body, content_type="text/xml")
    assert response.status_code == 200, response.content


def confirm(order: PurchaseOrder) -> None:
    items = "".join(
        item(line.line_number, str(line.quantity.normalize()), ("accept", str(line.quantity.normalize()), ""))
        for line in order.lines.order_by("line_number")
    )
    supplier_answers(confirmation(order, items))


def ship(order: PurchaseOrder) -> None:
    supplier_answers(
        ship_notice(order, shipment_date="2026-12-02T09:00:00+01:00", delivery_date="2026-12-04T09:00:00+01:00")
    )


def receive(order: PurchaseOrder, by: str = "alice") -> None:
    goods_receipt_post(
        order=order,
        lines=[ReceiptLineInput(line=line.pk, quantity=line.quantity) for line in order.lines.order_by("line_number")],
        note="",
        by=person(by),
    )


def invoice(order: PurchaseOrder, *lines: PurchaseOrderLine, number: str) -> Invoice:
    """The supplier's invoice of these order lines, as ordered (20 % VAT), matched."""
    built = []
    for position, line in enumerate(lines, 1):
        net = line_total_minor(quantity=line.quantity, unit_price_minor=line.unit_price_minor)
        built.append(
            InvoiceLine(
                line_number=position,
                po_line=line,
                order_reference=order.number,
                order_line_number=line.line_number,
                quantity=line.quantity,
                unit="EA",
                unit_price_minor=line.unit_price_minor,
                net_minor=net,
                tax_category="S",
                tax_rate=Decimal(20),
                tax_minor=tax_amount_minor(net_minor=net, rate_percent=Decimal(20)),
            )
        )
    net, tax = sum(b.net_minor for b in built), sum(b.tax_minor for b in built)
    day: date = timezone.localdate()
    made = Invoice.objects.create(
        legal_entity=order.legal_entity,
        supplier=order.supplier,
        number=number,
        fiscal_year=day.year,
        invoice_date=day,
        currency="EUR",
        net_minor=net,
        tax_minor=tax,
        total_minor=net + tax,
        source=Invoice.Source.TYPED,
    )
    made.purchase_orders.add(order)
    for b in built:
        b.invoice = made
    InvoiceLine.objects.bulk_create(built)
    invoice_match(invoice=made)
    made.refresh_from_db()
    return made


def minor(amount: str) -> int:
    return to_minor(amount, "EUR")
