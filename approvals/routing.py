"""Who holds an approval task now: delegation while someone is away, escalation when a task waits too long.

Beat runs these jobs; two beats, or a slow run overlapping the next, may run one twice at once. Each task is
handled in its own transaction under its process's row lock and decided again on what is read under it, so a
task is escalated, reminded or delegated once (tests/approvals/test_periodic_jobs_concurrent.py)."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procurement.events import audit_event_record
from procurement.models import Employee
from procurement.selectors import employee_manager_chain
from requisitions.models import RequisitionEvent
from requisitions.services.lifecycle import requisition_event_record

from .flows import ApprovalFlow
from .lock_objects import approval_processes_qs_select_for_update
from .models import ApprovalStepApprover, Delegation
from .notifications import notify_reminder, notify_task_created


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
    """Every open approval task with its assignment, in two queries however many there are.

    A first look, without locks: a job acts only on what `_locked` reads again under the process lock."""
    tasks = list(
        Task.objects.filter(flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
        .select_related("owner")
        .order_by("process_id", "pk")  # processes are locked one at a time, in primary-key order
    )
    assignments = ApprovalStepApprover.objects.select_related(
        "approver__user", "step__chain__requisition__requester__user", "step__chain__invoice"
    ).in_bulk([task.data["assignment"] for task in tasks])
    return [(task, assignments[task.data["assignment"]]) for task in tasks if task.data["assignment"] in assignments]


def _locked(task: Any, *, skip_locked: bool) -> tuple[Any, ApprovalStepApprover] | None:
    """The task and its assignment read again under the row lock of its process, held until the caller's
    transaction ends; None when the task is no longer open or, with `skip_locked`, when someone holds that lock
    now: a decision under way, or another run of the same job (two beats, a slow run overlapping the next), which
    handles the task itself. The caller decides again on what it reads here, never on its first look."""
    held = (
        approval_processes_qs_select_for_update(skip_locked=skip_locked)
        .filter(pk=task.process_id)
        .values_list("pk", flat=True)
        .first()
    )
    if held is None:
        return None
    fresh = Task.objects.select_related("owner").filter(pk=task.pk, status=STATUS.ASSIGNED).first()
    if fresh is None:
        return None
    assignment = ApprovalStepApprover.objects.select_related(
        "approver__user", "step__chain__requisition__requester__user", "step__chain__invoice__legal_entity"
    ).get(pk=fresh.data["assignment"])
    return fresh, assignment


def _history_record(assignment: ApprovalStepApprover, kind: str, comment: str, data: dict[str, Any]) -> None:
    """A hand-over or a reminder, in the requisition's history; for an invoice, an audit event on the invoice."""
    chain = assignment.step.chain
    if chain.requisition is not None:
        requisition_event_record(requisition=chain.requisition, kind=kind, comment=comment, data=data)
    else:
        audit_event_record(
            event_type=f"approvals.invoice.{kind}",
            legal_entity=chain.legal_entity,
            obj=chain.invoice,
            data={**data, "chain": chain.pk, "comment": comment},
        )


def _hand_over(
    task: Any, assignment: ApprovalStepApprover, to: Employee, kind: str, note: str, escalated_from: Any = None
) -> None:
    """Give the task to `to` and say so in the requisition's history; the caller holds the process lock."""
    previous = task.owner
    task.owner = to.user
    task.save(update_fields=["owner"])
    _history_record(
        assignment,
        kind,
        note,
        {
            "step": assignment.step.name,
            "from": previous.get_username() if previous else "",
            "to": to.user.get_username(),
        },
    )
    notify_task_created(task=task, escalated_from=escalated_from)


def _delegation_holder(
    task: Any, assignment: ApprovalStepApprover, away: dict[int, Delegation]
) -> tuple[Employee, Employee | None] | None:
    """Who should hold the task today (and the delegate, if it is one), or None when it is where it belongs."""
    current = away.get(assignment.approver_id)
    delegate = current.delegate if current and not assignment.step.chain.barred(current.delegate) else None
    holder = delegate or assignment.approver
    if assignment.escalated_from_id is not None or task.owner_id == holder.user_id:
        return None
    return holder, delegate


def delegations_apply(*, today: date | None = None, skip_locked: bool = True) -> int:
    """Give open tasks of absent approvers to their delegates, and back when the absence is over.

    Each task moves in its own short transaction under its process lock, decided on what is read there, so two
    runs at once (two beats, a slow run and the next) move it once. Beat's runs skip a process someone holds
    (the holder moves it, or the next run does); a user's own delegation (`skip_locked=False`) waits for it."""
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
    for seen, seen_assignment in _open_assignments():
        if _delegation_holder(seen, seen_assignment, away) is None:
            continue
        with transaction.atomic():
            current = _locked(seen, skip_locked=skip_locked)
            move = current and _delegation_holder(*current, away)
            if current is None or move is None:
                continue  # decided, or moved by another run meanwhile
            task, assignment = current
            holder, delegate = move
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


def _escalation_due(task: Any, assignment: ApprovalStepApprover, moment: datetime) -> tuple[str, float] | None:
    """("escalate", hours waited) past the step's SLA, ("remind", hours) from two thirds of it, else None."""
    waited = working_hours_between(task.assigned or task.created, moment)
    sla = assignment.step.sla_hours
    if waited >= sla:
        return "escalate", waited
    if waited >= sla * 2 / 3 and not task.data.get("reminded"):
        return "remind", waited
    return None


def approvals_escalate(*, now: datetime | None = None) -> dict[str, int]:
    """Remind approvers at two thirds of the step's SLA; past it, the task goes to their manager.

    Each task is handled in its own short transaction under its process lock and decided on what is read there
    (when it was assigned, to whom, whether it was reminded): two runs at once (two beats, a slow run and the
    next) escalate or remind it once. A process someone holds is skipped; the holder or the next run sees to it.
    """
    moment = now or timezone.now()
    reminded = escalated = 0
    for seen, seen_assignment in _open_assignments():
        if _escalation_due(seen, seen_assignment, moment) is None:
            continue
        with transaction.atomic():
            current = _locked(seen, skip_locked=True)
            due = current and _escalation_due(*current, moment)
            if current is None or due is None:
                continue  # decided, escalated or reminded by another run meanwhile
            task, assignment = current
            action, waited = due
            if action == "escalate":
                escalated += _escalate(task, assignment, waited, moment)
            else:
                _remind(task, assignment, waited)
                reminded += 1
    return {"reminded": reminded, "escalated": escalated}


def _escalate(task: Any, assignment: ApprovalStepApprover, waited: float, moment: datetime) -> int:
    """To the first manager up the holder's chain who may decide (not the requester, not whoever entered the
    invoice); 0 when there is none."""
    chain = assignment.step.chain
    holder = Employee.objects.select_related("user").get(user=task.owner)
    manager = next((m for m in employee_manager_chain(employee=holder) if not chain.barred(m)), None)
    if manager is None:
        return 0
    assignment.escalated_from = holder
    assignment.save(update_fields=["escalated_from"])
    _hand_over(
        task,
        assignment,
        manager,
        RequisitionEvent.Kind.ESCALATED,
        f"Waited {waited:.0f} working hours with {holder.display_name}; now with {manager.display_name}.",
        escalated_from=holder,
    )
    # The manager's own SLA starts now, and they are reminded at two thirds of it like anyone.
    task.assigned = moment
    task.data = {key: value for key, value in task.data.items() if key != "reminded"}
    task.save(update_fields=["assigned", "data"])
    return 1


def _remind(task: Any, assignment: ApprovalStepApprover, waited: float) -> None:
    task.data = {**task.data, "reminded": True}
    task.save(update_fields=["data"])
    notify_reminder(task=task, assignment=assignment, waited=waited)
    _history_record(
        assignment, RequisitionEvent.Kind.REMINDED, "", {"to": task.owner.get_username() if task.owner else ""}
    )
