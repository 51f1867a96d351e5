"""Shared helpers of the approval tests: the test company's people (tests.factories.company), carts and open tasks."""

from decimal import Decimal

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from p2p.submit_to_order import approval_decide, requisition_submit
from procurement.models import Employee, LegalEntity
from procurement.money import Money
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text


def person(username: str) -> Employee:
    return Employee.objects.select_related("user").get(user__username=username)


def cart_of(username: str, amount: str, entity: str = "ACME-FR", currency: str = "EUR") -> Requisition:
    """A cart with one free-text line of `amount`."""
    requester = person(username)
    cart = requisition_create(by=requester, legal_entity=LegalEntity.objects.get(code=entity), title=f"{amount}")
    requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description="Services",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal(amount), currency),
    )
    cart.refresh_from_db()
    return cart


def submitted(amount: str, username: str = "alice") -> Requisition:
    return requisition_submit(requisition=cart_of(username, amount), by=person(username))


def open_tasks(requisition: Requisition) -> dict[str, int]:
    """username → task id of the approval tasks waiting for a decision."""
    tasks = Task.objects.filter(
        process__data__requisition=requisition.pk, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
    ).select_related("owner")
    return {task.owner.username: task.pk for task in tasks}


def decide(requisition: Requisition, username: str, decision: str = "approve", comment: str = "") -> object:
    return approval_decide(
        task_id=open_tasks(requisition)[username], by=person(username), decision=decision, comment=comment
    )
