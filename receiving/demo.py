"""Demo data of receiving (idempotent): wendy works at the loading dock (warehouse role, both entities), and
alice's order of lab trolleys, approved by bob and sent by hand by frank, is fully received by alice."""

from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from orders.transmission import transmission_mark_sent
from p2p.receipts import goods_receipt_post
from p2p.submit_to_order import approval_decide, requisition_submit
from procurement.demo import DEMO_PASSWORD
from procurement.models import Employee, LegalEntity, OrgUnit, Role, Supplier
from procurement.money import Money
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text

from .models import GoodsReceipt
from .services import ReceiptLineInput

RECEIVED_TITLE = "Lab trolleys"


@transaction.atomic
def seed(report: Callable[[str], None]) -> None:
    _warehouse_clerk()
    order_number, receipt_number = _received_order()
    report(f"warehouse: wendy (password '{DEMO_PASSWORD}'); received order: {order_number} ({receipt_number} by alice)")


def _warehouse_clerk() -> Employee:
    user, created = get_user_model().objects.get_or_create(
        username="wendy", defaults={"first_name": "Wendy", "last_name": "Garnier", "email": "wendy@acme.example"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    entities = list(LegalEntity.objects.filter(code__in=["ACME-FR", "ACME-SE"]))
    employee, _ = Employee.objects.update_or_create(
        user=user,
        defaults={
            "job_title": "Warehouse clerk",
            "default_legal_entity": next(entity for entity in entities if entity.code == "ACME-FR"),
            "org_unit": OrgUnit.objects.filter(code="FR-PUR").first(),
            "manager": Employee.objects.filter(user__username="frank").first(),
        },
    )
    employee.legal_entities.set(entities)
    employee.roles.set([Role.objects.get_or_create(code=Role.WAREHOUSE, defaults={"name": "Warehouse"})[0]])
    return employee


def _received_order() -> tuple[str, str]:
    """alice's requisition, approved by bob, becomes an order sent by hand, and alice receives all of it."""
    alice = Employee.objects.get(user__username="alice")
    requisition = Requisition.objects.filter(requester=alice, title=RECEIVED_TITLE).first()
    if requisition is None:
        france = LegalEntity.objects.get(code="ACME-FR")
        cart = requisition_create(by=alice, legal_entity=france, title=RECEIVED_TITLE, justification="Demo data")
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description="Stainless steel lab trolley, two shelves",
            quantity=Decimal(2),
            unit="EA",
            unit_price=Money(Decimal("145.00"), "EUR"),
            supplier=Supplier.objects.get(code="DEMO-PUNCHOUT"),
        )
        requisition = requisition_submit(requisition=cart, by=alice)
        for _stage in range(5):  # each approver of each stage approves, as from the inbox
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
    order = requisition.purchase_orders.order_by("pk").first()
    if order is None:
        return "none (the requisition was not approved)", "no receipt"
    receipt = GoodsReceipt.objects.filter(purchase_order=order, status=GoodsReceipt.Status.POSTED).first()
    if receipt is None:
        if order.status == "manual":
            transmission_mark_sent(
                order=order, by=Employee.objects.get(user__username="frank"), note="Ordered by phone (demo data)"
            )
        lines = [
            ReceiptLineInput(line=line.pk, quantity=line.outstanding_quantity)
            for line in order.lines.order_by("line_number")
            if line.outstanding_quantity
        ]
        receipt = goods_receipt_post(order=order, lines=lines, note="Both trolleys arrived in good order.", by=alice)
    return order.number, receipt.number
