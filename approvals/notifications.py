"""What approvals tell people: a new task to decide (or one escalated to them), a reminder, and the outcome for the
requester. Each goes through `notifications.services.notify` with the parts of its message, rendered in the
recipient's language (templates/notifications/messages/); e-mails leave after commit."""

from typing import Any

from django.db import connection
from django.urls import reverse

from notifications.models import Kind
from notifications.services import Notice, Recipient, notify, notify_each
from procurement.money import decimal_text
from procurement.sql import SqlModelRow, sql_column, sql_table
from requisitions.models import RequisitionLine

from .invoice_summary import InvoiceSummary
from .links import (
    decision_link_max_age_hours,
    decision_link_needs_login,
    decision_link_needs_login_for,
    decision_link_url,
)
from .models import ApprovalChain, ApprovalStepApprover
from .step_texts import step_text_lazy

LINES_SHOWN = 10
REASONS_SHOWN = 20


def notify_task_created(*, task: Any, escalated_from: Any = None) -> None:
    """The task's owner is asked to decide (by e-mail with a signed decision link, and in the app); an escalated
    task says from whom it came."""
    assignment = ApprovalStepApprover.objects.select_related(
        "approver__user",
        "step__chain__requisition__requester__user",
        "step__chain__requisition__legal_entity",
        "step__chain__invoice__legal_entity",
    ).get(pk=task.data["assignment"])
    _notify_tasks(chain=assignment.step.chain, tasks=[(task, assignment)], escalated_from=escalated_from)


def notify_stage_tasks(*, chain: ApprovalChain, tasks: list[Any], assignments: list[ApprovalStepApprover]) -> None:
    """The new tasks of a stage, each told to its owner, in one go: what is shown of the requisition is read once,
    and the messages are written together (notifications.services.notify_each). `chain` comes with its
    requisition (its legal entity and requester loaded) or its invoice."""
    by_pk = {assignment.pk: assignment for assignment in assignments}
    _notify_tasks(chain=chain, tasks=[(task, by_pk[task.data["assignment"]]) for task in tasks], escalated_from=None)


def _notify_tasks(*, chain: ApprovalChain, tasks: list[tuple[Any, ApprovalStepApprover]], escalated_from: Any) -> None:
    if not tasks:
        return
    if chain.is_invoice:
        _notify_invoice_tasks(chain=chain, tasks=tasks, escalated_from=escalated_from)
        return
    requisition = chain.requisition
    assert requisition is not None
    total = requisition.total
    lines = [
        {"quantity": decimal_text(line.quantity), "description": line.description, "total": line.total}
        for line in _lines_shown(requisition)
    ]
    context = {
        "requester": requisition.requester.display_name,
        "number": requisition.number,
        "title": requisition.title,
        "total": total,
        "lines": lines,
        "escalated": escalated_from is not None,
        "escalated_from": getattr(escalated_from, "display_name", ""),
        "hours": decision_link_max_age_hours(),
        "needs_login": decision_link_needs_login(requisition=requisition),
    }
    data = {
        "requisition": {"id": requisition.pk, "number": requisition.number, "title": requisition.title},
        "total": total.as_api() if total is not None else None,
        "requester": requisition.requester.display_name,
    }
    notices = [_task_notice(task, assignment, context, data, escalated_from) for task, assignment in tasks]
    notify_each(
        notices=notices,
        kind=Kind.ESCALATED if escalated_from is not None else Kind.TASK_ASSIGNED,
        legal_entity=requisition.legal_entity,
        message="task_assigned",
        link=reverse("approvals:inbox"),
        obj=requisition,
    )


def _task_notice(
    task: Any, assignment: ApprovalStepApprover, context: dict[str, Any], data: dict[str, Any], escalated_from: Any
) -> Notice:
    """The message of one new task to its owner, who decides: the approver, their delegate, or the manager it
    escalated to. `context` and `data` are what the stage's tasks share."""
    owner = task.owner or assignment.approver.user
    on_behalf = "" if owner.pk == assignment.approver.user_id else assignment.approver.display_name
    return Notice(
        recipients=[Recipient(owner, {"decision_link": decision_link_url(task_id=task.pk, user_id=owner.pk)})],
        context={
            **context,
            "step": step_text_lazy(assignment.step.name),  # in the recipient's language, when rendered
            "step_reason": step_text_lazy(assignment.step.reason),
            "on_behalf": on_behalf,
        },
        data={
            "task": task.pk,
            **data,
            "approver": owner.get_username(),
            "step": assignment.step.name,
            "escalated_from": getattr(escalated_from, "display_name", None),
        },
    )


def _lines_shown(requisition: Any) -> list[Any]:
    """The first lines of the requisition: from its lines read once already in this submission, else read."""
    read = getattr(requisition, "_prefetched_objects_cache", {}).get("lines")
    if read is not None:
        return sorted(read, key=lambda line: line.line_number)[:LINES_SHOWN]
    meta = RequisitionLine._meta
    sql = (  # identifiers from the model, values as parameters; the ORM's related manager costs more to build
        f"SELECT {_LINE.columns} FROM {sql_table(meta)} l WHERE l.{sql_column(meta, 'requisition')} = %s"  # noqa: S608
        f" ORDER BY l.{sql_column(meta, 'line_number')} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [requisition.pk, LINES_SHOWN])
        return [_LINE.build(row) for row in cursor.fetchall()]


_LINE = SqlModelRow(RequisitionLine, "l")


def _notify_invoice_tasks(
    *, chain: ApprovalChain, tasks: list[tuple[Any, ApprovalStepApprover]], escalated_from: Any
) -> None:
    """New tasks on an invoice on hold: what differs from the order, in the match's own words, and the link."""
    summary = InvoiceSummary.of(chain)
    context = {
        "number": summary.number,
        "supplier": summary.supplier_name,
        "total": summary.total,
        "variance": summary.variance,
        "orders": list(summary.purchase_orders),
        "reasons": list(summary.reasons[:REASONS_SHOWN]),
        "hours": decision_link_max_age_hours(),
        "needs_login": decision_link_needs_login_for(chain=chain),
    }
    data = {
        "invoice": {"id": summary.invoice_id, "number": summary.number, "supplier": summary.supplier},
        "total": summary.total.as_api(),
        "variance": summary.variance.as_api(),
    }
    notices = [_task_notice(task, assignment, context, data, escalated_from) for task, assignment in tasks]
    notify_each(
        notices=notices,
        kind=Kind.ESCALATED if escalated_from is not None else Kind.TASK_ASSIGNED,
        legal_entity=chain.legal_entity,
        message="invoice_task_assigned",
        link=reverse("approvals:inbox"),
        obj=chain.invoice,
    )


def notify_reminder(*, task: Any, assignment: ApprovalStepApprover, waited: float) -> None:
    """The holder of a task that waits is reminded once, from two thirds of the step's SLA."""
    chain = assignment.step.chain
    requisition = chain.requisition
    notify(
        recipients=[task.owner],
        kind=Kind.TASK_REMINDER,
        legal_entity=chain.legal_entity,
        message="reminder",
        context={
            "label": chain.subject_label,
            "is_invoice": chain.is_invoice,
            "what": f"{requisition.number} “{requisition.title}”" if requisition is not None else chain.subject_label,
            "waited": round(waited),
            "sla": assignment.step.sla_hours,
        },
        link=reverse("approvals:inbox"),
        obj=requisition if requisition is not None else chain.invoice,
        data={"task": task.pk, "subject": chain.subject_label, "waited_hours": round(waited)},
    )


def notify_outcome(*, requisition: Any, outcome: str, by: Any, comment: str) -> None:
    """The requester hears that their requisition is approved, rejected or returned (with the comment)."""
    kinds = {"approved": Kind.APPROVED, "rejected": Kind.REJECTED, "returned": Kind.RETURNED}
    notify(
        recipients=[requisition.requester.user],
        kind=kinds.get(outcome, Kind.REJECTED),
        legal_entity=requisition.legal_entity,
        message="requisition_outcome",
        context={
            "outcome": outcome,
            "by": by.display_name if by is not None else "",
            "number": requisition.number,
            "title": requisition.title,
            "comment": comment,
        },
        link=reverse("requisitions:detail", args=[requisition.pk]),
        obj=requisition,
        data={
            "requisition": {"id": requisition.pk, "number": requisition.number, "title": requisition.title},
            "outcome": outcome,
            "by": by.display_name if by is not None else None,
            "comment": comment,
        },
    )
