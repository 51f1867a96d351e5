"""E-mails of approvals: a new task to decide, and the outcome for the requester. Sent after commit."""

from typing import Any

from procurement.money import decimal_text
from procurement.services import notification_send

from .invoice_summary import InvoiceSummary
from .links import (
    decision_link_max_age_hours,
    decision_link_needs_login,
    decision_link_needs_login_for,
    decision_link_url,
)
from .models import ApprovalStepApprover


def notify_task_created(*, task: Any) -> None:
    assignment = ApprovalStepApprover.objects.select_related(
        "approver__user", "step__chain__requisition__requester__user", "step__chain__invoice__legal_entity"
    ).get(pk=task.data["assignment"])
    if assignment.step.chain.is_invoice:
        _notify_invoice_task(task=task, assignment=assignment)
        return
    requisition = assignment.step.chain.requisition
    assert requisition is not None
    total = requisition.total
    lines = "\n".join(
        f"  {decimal_text(line.quantity)} × {line.description} — {line.total}"
        for line in requisition.lines.order_by("line_number")[:10]
    )
    # The task's owner decides: the approver, their delegate, or the manager it escalated to.
    owner = task.owner or assignment.approver.user
    on_behalf = "" if owner.pk == assignment.approver.user_id else f" (for {assignment.approver.display_name})"
    link = decision_link_url(task_id=task.pk, user_id=owner.pk)
    hours = decision_link_max_age_hours()
    how = (
        f"valid for {hours} hours; you will be asked to log in"
        if decision_link_needs_login(requisition=requisition)
        else f"valid for {hours} hours, no login needed"
    )
    notification_send(
        user=owner,
        subject=f"Approve {requisition.number} ({total}) for {requisition.requester.display_name}",
        body=(
            f"{requisition.requester.display_name} asks you to approve {requisition.number} "
            f"“{requisition.title}” for {total}.\n\n{lines}\n\n"
            f"Step: {assignment.step.name} ({assignment.step.reason}){on_behalf}\n\n"
            f"Approve, return or reject here ({how}):\n{link}\n"
        ),
    )


def _notify_invoice_task(*, task: Any, assignment: ApprovalStepApprover) -> None:
    """A new task on an invoice on hold: what differs from the order, in the match's own words, and the link."""
    chain = assignment.step.chain
    summary = InvoiceSummary.of(chain)
    owner = task.owner or assignment.approver.user
    on_behalf = "" if owner.pk == assignment.approver.user_id else f" (for {assignment.approver.display_name})"
    link = decision_link_url(task_id=task.pk, user_id=owner.pk)
    hours = decision_link_max_age_hours()
    how = (
        f"valid for {hours} hours; you will be asked to log in"
        if decision_link_needs_login_for(chain=chain)
        else f"valid for {hours} hours, no login needed"
    )
    reasons = "\n".join(f"  - {reason}" for reason in summary.reasons[:20])
    orders = ", ".join(summary.purchase_orders) or "no order"
    notification_send(
        user=owner,
        subject=f"Invoice {summary.number} from {summary.supplier_name} ({summary.total}) is on hold",
        body=(
            f"{summary.supplier_name} invoiced {summary.total} ({orders}); it differs from the order by "
            f"{summary.variance}:\n{reasons}\n\n"
            f"Step: {assignment.step.name} ({assignment.step.reason}){on_behalf}\n\n"
            f"Accept the variance, ask for a credit note or reject the invoice here ({how}):\n{link}\n"
        ),
    )


def notify_outcome(*, requisition: Any, outcome: str, by: Any, comment: str) -> None:
    who = by.display_name if by is not None else "The approval rules"
    notification_send(
        user=requisition.requester.user,
        subject=f"{requisition.number} is {outcome}",
        body=f"{who}: {requisition.number} “{requisition.title}” is {outcome}."
        + (f"\n\nComment: {comment}" if comment else ""),
    )
