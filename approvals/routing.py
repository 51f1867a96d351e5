"""Who holds an approval task now: delegation while someone is away, escalation when a task waits too long."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procurement.models import Employee
from procurement.selectors import employee_manager_chain
from procurement.services import notification_send
from requisitions.models import RequisitionEvent
from requisitions.services.lifecycle import requisition_event_record

from .flows import ApprovalFlow
from .models import ApprovalStepApprover, Delegation
from .notifications import notify_task_created


def working_hours_between(start: datetime, end: datetime) -> float:
    """Hours between two moments, counting Monday to Friday only."""
    if end <= start:
        return 0.0
    hours = 0.0
    cursor = start
    while cursor < end:
        next_day = (cursor + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        stop = min(next_day, end)
        if cursor.weekday() < 5:
            hours += (stop - cursor).total_seconds() / 3600
        cursor = stop
    return hours


def _open_assignments() -> list[tuple[Any, ApprovalStepApprover]]:
    """Every open approval task with its assignment, in two queries however many there are."""
    tasks = list(Task.objects.filter(flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED).select_related("owner"))
    assignments = ApprovalStepApprover.objects.select_related(
        "approver__user", "step__chain__requisition__requester__user"
    ).in_bulk([task.data["assignment"] for task in tasks])
    return [(task, assignments[task.data["assignment"]]) for task in tasks if task.data["assignment"] in assignments]


def _hand_over(task: Task, assignment: ApprovalStepApprover, to: Employee, kind: str, note: str) -> None:
    with ApprovalFlow.lock(task.process_id):
        task.refresh_from_db()
        if task.status != STATUS.ASSIGNED:
            return
        previous = task.owner
        task.owner = to.user
        task.save(update_fields=["owner"])
        requisition_event_record(
            requisition=assignment.step.chain.requisition,
            kind=kind,
            comment=note,
            data={
                "step": assignment.step.name,
                "from": previous.get_username() if previous else "",
                "to": to.user.get_username(),
            },
        )
    notify_task_created(task=task)


@transaction.atomic
def delegations_apply(*, today: date | None = None) -> int:
    """Give open tasks of absent approvers to their delegates, and back when the absence is over."""
    day = today or timezone.localdate()
    # The delegations in force that day, one query: the newest one per absent approver wins.
    away: dict[int, Delegation] = {}
    for delegation in (
        Delegation.objects.filter(starts_on__lte=day, ends_on__gte=day)
        .select_related("delegate__user")
        .order_by("created_at")
    ):
        away[delegation.employee_id] = delegation
    moved = 0
    for task, assignment in _open_assignments():
        requisition = assignment.step.chain.requisition
        current = away.get(assignment.approver_id)
        delegate = current.delegate if current and current.delegate_id != requisition.requester_id else None
        holder = delegate or assignment.approver
        if assignment.escalated_from_id is not None or task.owner_id == holder.user_id:
            continue
        assignment.delegated_from = assignment.approver if delegate is not None else None
        note = (
            f"{assignment.approver.display_name} is away; {delegate.display_name} decides."
            if delegate is not None
            else f"{assignment.approver.display_name} is back."
        )
        assignment.save(update_fields=["delegated_from"])
        _hand_over(task, assignment, holder, RequisitionEvent.Kind.DELEGATED, note)
        moved += 1
    return moved


@transaction.atomic
def approvals_escalate(*, now: datetime | None = None) -> dict[str, int]:
    """Remind approvers at two thirds of the step's SLA; past it, the task goes to their manager."""
    moment = now or timezone.now()
    reminded = escalated = 0
    for task, assignment in _open_assignments():
        waited = working_hours_between(task.assigned or task.created, moment)
        sla = assignment.step.sla_hours
        requisition = assignment.step.chain.requisition
        if waited >= sla:
            holder = Employee.objects.select_related("user").get(user=task.owner)
            manager = next(
                (
                    m
                    for m in employee_manager_chain(employee=holder)
                    if m.pk not in (requisition.requester_id, requisition.on_behalf_of_id)
                ),
                None,
            )
            if manager is None:
                continue
            assignment.escalated_from = holder
            assignment.save(update_fields=["escalated_from"])
            _hand_over(
                task,
                assignment,
                manager,
                RequisitionEvent.Kind.ESCALATED,
                f"Waited {waited:.0f} working hours with {holder.display_name}; now with {manager.display_name}.",
            )
            Task.objects.filter(pk=task.pk).update(assigned=moment)
            escalated += 1
        elif waited >= sla * 2 / 3 and not task.data.get("reminded"):
            task.data = {**task.data, "reminded": True}
            task.save(update_fields=["data"])
            notification_send(
                user=task.owner,
                subject=f"Reminder: {requisition.number} waits for your approval",
                body=f"{requisition.number} “{requisition.title}” has waited {waited:.0f} working hours. "
                f"It goes to your manager after {sla}.",
            )
            requisition_event_record(
                requisition=requisition,
                kind=RequisitionEvent.Kind.REMINDED,
                data={"to": task.owner.get_username() if task.owner else ""},
            )
            reminded += 1
    return {"reminded": reminded, "escalated": escalated}
