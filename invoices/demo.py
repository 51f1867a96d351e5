"""Demo invoices: an invoice with a price variance waiting in erin's inbox.

alice orders 4 precision balances at 180.00 EUR from Burotec (bob approves); Burotec invoices them at 189.00.
The invoice is on hold (+5 % over the 2 % price tolerance) and goes to its approval: frank (buyer) and alice
(requester) accept the variance; a rule sends invoice variances above 25.00 EUR to finance, so it waits for erin
(CFO, finance role) with the reasons and the three actions: accept the variance, ask for a credit note, reject.
"""

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from approvals.inbox import approval_open_task_id
from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from orders.models import PurchaseOrder
from p2p.submit_to_order import approval_decide, requisition_submit
from procurement.models import Employee, LegalEntity, Supplier
from procurement.money import Money, to_minor
from requisitions.services import requisition_create, requisition_line_add_free_text

from .exceptions import invoice_exception_route
from .models import Invoice, InvoiceLine

NUMBER = "BT-2026-0412"
TITLE = "Precision balances for the lab"
ITEM = "Precision balance 220 g / 0.1 mg"
QUANTITY = 4
ORDERED, INVOICED = "180.00", "189.00"
FINANCE_RULE = "Invoice variances above 25.00 EUR go to finance"


def seed(report: Callable[[str], None]) -> None:
    seed_invoice_exception(report)


@transaction.atomic
def seed_invoice_exception(report: Callable[[str], None]) -> None:
    """The invoice on hold in erin's inbox (made once)."""
    supplier = Supplier.objects.get(code="BUROTEC")
    rule = PurchasingRule.objects.filter(name=FINANCE_RULE).first() or PurchasingRule(name=FINANCE_RULE)
    france = LegalEntity.objects.get(code="ACME-FR")
    for key, value in {
        "position": 50,
        "applies_to": PurchasingRule.AppliesTo.INVOICE_EXCEPTIONS,
        "legal_entity": france,
        "effect": PurchasingRule.Effect.ROLE,
        "role": PurchasingRule.RoleChoice.FINANCE,
        "min_amount_minor": to_minor("25.00", "EUR"),
        "currency": "EUR",
    }.items():
        setattr(rule, key, value)
    purchasing_rule_save(rule=rule)
    if Invoice.objects.filter(supplier=supplier, number=NUMBER).exists():
        report(f"invoice {NUMBER} from {supplier.name}: in place")
        return
    order = _order(supplier, france)
    invoice = _invoice_on_hold(order)
    invoice_exception_route(invoice=invoice)
    # The buyer and the requester accept the variance; finance (erin) decides last.
    for username, comment in (
        ("frank", "Burotec's price list went up on 1 March; the order still had the old price."),
        ("alice", "Same balances as ordered; fine by me."),
    ):
        decider = Employee.objects.select_related("user").get(user__username=username)
        task_id = approval_open_task_id(employee=decider, invoice_id=invoice.pk)
        assert task_id is not None, f"{username} holds no task on {NUMBER}"
        approval_decide(task_id=task_id, by=decider, decision="approve", comment=comment)
    report(f"invoice {NUMBER} from {supplier.name} on hold with a price variance (erin's inbox)")


def _order(supplier: Supplier, france: LegalEntity) -> PurchaseOrder:
    alice = Employee.objects.get(user__username="alice")
    bob = Employee.objects.select_related("user").get(user__username="bob")
    cart = requisition_create(by=alice, legal_entity=france, title=TITLE, justification="Demo data")
    requisition_line_add_free_text(
        requisition=cart,
        by=alice,
        description=ITEM,
        quantity=Decimal(QUANTITY),
        unit="EA",
        unit_price=Money(Decimal(ORDERED), "EUR"),
        supplier=supplier,
    )
    requisition = requisition_submit(requisition=cart, by=alice)
    task_id = approval_open_task_id(employee=bob, requisition_id=requisition.pk)
    assert task_id is not None, f"bob holds no task on {requisition.number}"
    approval_decide(task_id=task_id, by=bob, decision="approve", comment="Demo data")
    return PurchaseOrder.objects.get(requisition=requisition)


def _invoice_on_hold(order: PurchaseOrder) -> Invoice:
    """Burotec's invoice at the new price, with the line's exception as the match explains it."""
    today = timezone.localdate()
    unit_minor = to_minor(INVOICED, "EUR")
    net_minor = unit_minor * QUANTITY
    tax_minor = net_minor * 20 // 100
    invoice = Invoice.objects.create(
        legal_entity=order.legal_entity,
        supplier=order.supplier,
        number=NUMBER,
        fiscal_year=today.year,
        invoice_date=today,
        currency="EUR",
        net_minor=net_minor,
        tax_minor=tax_minor,
        total_minor=net_minor + tax_minor,
        status=Invoice.Status.EXCEPTION,
        source=Invoice.Source.UBL,
    )
    invoice.purchase_orders.add(order)
    po_line = order.lines.get()
    InvoiceLine.objects.create(
        invoice=invoice,
        line_number=1,
        po_line=po_line,
        order_reference=order.number,
        order_line_number=po_line.line_number,
        description=ITEM,
        quantity=Decimal(QUANTITY),
        unit="EA",
        unit_price_minor=unit_minor,
        net_minor=net_minor,
        tax_category="S",
        tax_rate=Decimal(20),
        tax_minor=tax_minor,
        match=InvoiceLine.Match.EXCEPTION,
        reasons=[f"unit price {INVOICED} vs {ORDERED} ordered, +5 % over the 2 % tolerance"],
        variance_minor=(unit_minor - po_line.unit_price_minor) * QUANTITY,
    )
    return invoice
