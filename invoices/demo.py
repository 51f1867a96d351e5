"""Demo invoices (idempotent), taken in and matched as a supplier's would be.

- Tolerances: ACME-FR and ACME-SE match three-way, prices within 2 %, quantities exactly.
- A matched invoice: the demo punchout shop invoices one of alice's two received lab trolleys (Factur-X PDF); it
  matches and is ready to pay. The other trolley is billed by `docs/examples/invoice-factur-x.pdf`: upload it and
  the order closes.
- An invoice on hold: alice orders 4 precision balances at 180.00 EUR from Burotec (bob approves) and receives
  them; Burotec invoices them at 189.00 (Peppol UBL). It is on hold (+5 % over the 2 % price tolerance) and goes to
  its approval: frank (buyer) and alice (requester) accept the variance; a rule sends invoice variances above
  25.00 EUR to finance, so it waits for erin (CFO, finance role) with the reasons and the three actions.
- A Swedish order to invoice: alice's order of docking stations from Nordic IT for ACME-SE, received;
  `docs/examples/invoice-peppol-ubl.xml` is Nordic IT's Peppol BIS 3.0 invoice for it.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from approvals.inbox import approval_open_task_id
from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from orders.models import PurchaseOrder
from p2p.receipts import goods_receipt_post
from p2p.submit_to_order import approval_decide, requisition_submit
from procurement.models import Employee, LegalEntity, Supplier
from procurement.money import Money, to_minor
from receiving.demo import RECEIVED_TITLE
from receiving.services import ReceiptLineInput
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text

from .example_documents import example_facturx_pdf, example_ubl_invoice
from .formats import read_invoice_file
from .ingestion import invoice_receive
from .models import Invoice, MatchTolerance

NUMBER = "BT-2026-0412"
TITLE = "Precision balances for the lab"
ITEM = "Precision balance 220 g / 0.1 mg"
QUANTITY = 4
ORDERED, INVOICED = "180.00", "189.00"
FINANCE_RULE = "Invoice variances above 25.00 EUR go to finance"
MATCHED_NUMBER = "DP-2026-0001"
# What docs/examples/ bill (made from the demo orders by `example_files`; a test checks they still match).
EXAMPLE_FACTURX_NUMBER = "DP-2026-0002"
EXAMPLE_UBL_NUMBER = "NIT-2026-1187"
SWEDISH_TITLE = "Docking stations for the Stockholm office"
EXAMPLE_DATE = date(2026, 12, 1)


def seed(report: Callable[[str], None]) -> None:
    with transaction.atomic():
        _tolerances()
        _finance_rule()
    report(f"invoices: {seed_matched_invoice()}")
    seed_invoice_exception(report)
    report(f"order to invoice with docs/examples/invoice-peppol-ubl.xml: {_swedish_order().number}")


def _tolerances() -> None:
    for entity in LegalEntity.objects.filter(code__in=["ACME-FR", "ACME-SE"]):
        MatchTolerance.objects.get_or_create(
            legal_entity=entity,
            supplier=None,
            defaults={"price_percent": Decimal(2), "match_mode": Invoice.MatchMode.THREE_WAY},
        )


def _finance_rule() -> None:
    rule = PurchasingRule.objects.filter(name=FINANCE_RULE).first() or PurchasingRule(name=FINANCE_RULE)
    for key, value in {
        "position": 50,
        "applies_to": PurchasingRule.AppliesTo.INVOICE_EXCEPTIONS,
        "legal_entity": LegalEntity.objects.get(code="ACME-FR"),
        "effect": PurchasingRule.Effect.ROLE,
        "role": PurchasingRule.RoleChoice.FINANCE,
        "min_amount_minor": to_minor("25.00", "EUR"),
        "currency": "EUR",
    }.items():
        setattr(rule, key, value)
    purchasing_rule_save(rule=rule)


def _take_in(data: bytes, supplier: Supplier) -> Invoice:
    read = read_invoice_file(data)
    return invoice_receive(document=read.document, supplier=supplier, source_xml=read.xml, pdf=read.pdf).invoice


def trolleys_order() -> PurchaseOrder | None:
    """alice's received lab trolleys (receiving's demo)."""
    requisition = Requisition.objects.filter(requester__user__username="alice", title=RECEIVED_TITLE).first()
    return None if requisition is None else requisition.purchase_orders.order_by("pk").first()


def seed_matched_invoice() -> str:
    order = trolleys_order()
    if order is None:
        return "no trolleys order"
    invoice = Invoice.objects.filter(supplier=order.supplier, number=MATCHED_NUMBER).first()
    if invoice is None:
        line = order.lines.get(line_number=1)
        pdf = example_facturx_pdf(
            order, number=MATCHED_NUMBER, issue_date=timezone.localdate(), quantities={line.line_number: Decimal(1)}
        )
        invoice = _take_in(pdf, order.supplier)
    return f"{invoice.number} on {order.number}: {invoice.get_status_display().lower()}"


def seed_invoice_exception(report: Callable[[str], None]) -> None:
    """The invoice on hold in erin's inbox (made once)."""
    supplier = Supplier.objects.get(code="BUROTEC")
    if Invoice.objects.filter(supplier=supplier, number=NUMBER).exists():
        report(f"invoice {NUMBER} from {supplier.name}: in place")
        return
    with transaction.atomic():
        france = LegalEntity.objects.get(code="ACME-FR")
        alice = Employee.objects.get(user__username="alice")
        order = _order(supplier, france, alice, TITLE, ITEM, QUANTITY, ORDERED)
        _receive_all(order, alice, "All four balances arrived, calibration certificates included.")
        line = order.lines.get(line_number=1)
        invoice = _take_in(
            example_ubl_invoice(
                order, number=NUMBER, issue_date=timezone.localdate(), prices={line.line_number: Decimal(INVOICED)}
            ),
            supplier,
        )
        # The buyer and the requester accept the variance; finance (erin) decides last.
        for username, comment in (
            ("frank", "Burotec's price list went up on 1 March; the order still had the old price."),
            ("alice", "Same balances as ordered; fine by me."),
        ):
            decider = Employee.objects.select_related("user").get(user__username=username)
            task_id = approval_open_task_id(employee=decider, invoice_id=invoice.pk)
            assert task_id is not None, f"{username} holds no task on {NUMBER} ({invoice.status}: {invoice.reasons})"
            approval_decide(task_id=task_id, by=decider, decision="approve", comment=comment)
    report(f"invoice {NUMBER} from {supplier.name} on hold with a price variance (erin's inbox)")


def _order(
    supplier: Supplier, entity: LegalEntity, requester: Employee, title: str, item: str, quantity: int, price: str
) -> PurchaseOrder:
    """A requisition of one line, approved by every approver of its chain, as from the inbox: its order."""
    cart = requisition_create(by=requester, legal_entity=entity, title=title, justification="Demo data")
    cost_centre = requester.default_cost_centre
    if cost_centre is None or cost_centre.legal_entity_id != entity.pk:
        cost_centre = requester.cost_centres.filter(legal_entity=entity).order_by("code").first()
    requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description=item,
        quantity=Decimal(quantity),
        unit="EA",
        unit_price=Money(Decimal(price), supplier.currency),
        supplier=supplier,
        cost_centre=cost_centre,
    )
    requisition = requisition_submit(requisition=cart, by=requester)
    for _stage in range(5):
        tasks = list(
            Task.objects.filter(
                process__data__requisition=requisition.pk, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
            ).select_related("owner")
        )
        if not tasks:
            break
        for task in tasks:
            approver = Employee.objects.get(user=task.owner)
            approval_decide(task_id=task.pk, by=approver, decision="approve", comment="Demo data")
    return PurchaseOrder.objects.get(requisition=requisition)


def _receive_all(order: PurchaseOrder, by: Employee, note: str) -> None:
    lines = [
        ReceiptLineInput(line=line.pk, quantity=line.outstanding_quantity)
        for line in order.lines.order_by("line_number")
        if line.outstanding_quantity
    ]
    goods_receipt_post(order=order, lines=lines, note=note, by=by)


def _swedish_order() -> PurchaseOrder:
    requisition = Requisition.objects.filter(title=SWEDISH_TITLE).first()
    if requisition is not None:
        return requisition.purchase_orders.order_by("pk").get()
    with transaction.atomic():
        alice = Employee.objects.get(user__username="alice")
        order = _order(
            Supplier.objects.get(code="NORDIC-IT"),
            LegalEntity.objects.get(code="ACME-SE"),
            alice,
            SWEDISH_TITLE,
            "USB-C docking station, dual display",
            6,
            "1450.00",
        )
        _receive_all(order, alice, "Six docks delivered to reception.")
        return order


def example_files() -> dict[str, bytes]:
    """What docs/examples/ hold, made from the seeded demo orders: the Factur-X PDF billing the second trolley and
    Nordic IT's Peppol UBL invoice of the docking stations."""
    trolleys = trolleys_order()
    assert trolleys is not None
    docks = _swedish_order()
    return {
        "invoice-factur-x.pdf": example_facturx_pdf(
            trolleys, number=EXAMPLE_FACTURX_NUMBER, issue_date=EXAMPLE_DATE, quantities={1: Decimal(1)}
        ),
        "invoice-peppol-ubl.xml": example_ubl_invoice(
            docks, number=EXAMPLE_UBL_NUMBER, issue_date=EXAMPLE_DATE, tax_rate=Decimal(25)
        ),
    }
