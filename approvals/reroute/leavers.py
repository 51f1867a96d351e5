"""Leavers: the tasks they still hold or are assigned, and the delegations they gave or received."""

from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from procurement.events import audit_event_record
from procurement.models import Employee, Role
from procurement.selectors import employee_manager_chain

from ..models import ApprovalChain, ApprovalStepApprover, Delegation, StepStatus
from .moves import (
    EVENT_DELEGATION_ENDED,
    REASON_LEAVER,
    MoveContext,
    able,
    assignment_for,
    holder_today,
    may_decide,
    open_tasks_by_assignment,
    task_move,
)

# --- leavers' tasks -------------------------------------------------------------------------------------------------


def leavers_tasks_move(process_id: int, chain: ApprovalChain, context: MoveContext) -> int:
    """Open tasks still held by a leaver or assigned to one, given to who should hold them (module docstring)."""
    if not context.leavers:
        return 0
    tasks = open_tasks_by_assignment(process_id)
    if not tasks:
        return 0
    assignments = ApprovalStepApprover.objects.select_related("approver__user", "step").in_bulk(list(tasks))
    moved = 0
    for assignment_id, task in tasks.items():
        assignment = assignments.get(assignment_id)
        if assignment is None:
            continue
        owner = getattr(task.owner, "employee", None) if task.owner is not None else None
        owner_left = owner is not None and owner.pk in context.leavers
        if not owner_left and assignment.approver_id not in context.leavers:
            continue
        previous = task.owner.get_username() if task.owner is not None else ""
        approver = assignment.approver
        escalated_to_leaver = assignment.escalated_from_id is not None and owner_left
        if approver.pk not in context.leavers and may_decide(approver, chain) and not escalated_to_leaver:
            # Delegated to the leaver: back to the approver (or whoever stands in for them today).
            delegate = context.delegate_of(approver)
            holder = delegate if delegate is not None and may_decide(delegate, chain) else approver
            assignment.delegated_from = approver if holder is not approver else None
            assignment.escalated_from = None
            assignment.save(update_fields=["delegated_from", "escalated_from"])
            task_move(task, assignment, holder, chain, context, REASON_LEAVER, previous)
            moved += 1
            continue
        if escalated_to_leaver and owner is not None:
            # Escalated to the leaver: on up, past them (the assignment stays the late approver's).
            target = _leaver_successor(owner, chain, context)
            if target is None:
                continue
            task_move(task, assignment, holder_today(target, chain, context), chain, context, REASON_LEAVER, previous)
            moved += 1
            continue
        target = _leaver_successor(approver, chain, context)
        if target is None:
            continue  # nobody may take it: it stays where it is
        earlier = ApprovalStepApprover.objects.filter(step=assignment.step, approver=target).first()
        taken = earlier is not None and earlier.status != StepStatus.CANCELLED
        if taken:
            # The successor is asked in this step already: the leaver's assignment stays (escalated from the leaver)
            # and its task is the successor's too.
            assignment.escalated_from = approver
            assignment.save(update_fields=["escalated_from"])
        else:
            # The leaver's assignment is cancelled and the task goes on the successor's own (as a re-route does).
            assignment.status = StepStatus.CANCELLED
            assignment.save(update_fields=["status"])
            assignment = assignment_for(assignment.step, target, earlier)
        delegate = context.delegate_of(target)
        holder = delegate if delegate is not None and may_decide(delegate, chain) else target
        if holder is not target and not taken:
            assignment.delegated_from = target
            assignment.save(update_fields=["delegated_from"])
        task_move(task, assignment, holder, chain, context, REASON_LEAVER, previous)
        moved += 1
    return moved


def _leaver_successor(leaver: Employee, chain: ApprovalChain, context: MoveContext) -> Employee | None:
    """The leaver's manager, or the first one up the chain who may decide and is not away without a delegate who
    may; else the first administrator of the chain's legal entity (by username) who may."""
    for manager in employee_manager_chain(employee=leaver):
        if manager.pk not in context.leavers and able(manager, chain, context):
            return manager
    entity = chain.requisition.legal_entity_id if chain.requisition is not None else None
    if entity is None and chain.invoice is not None:
        entity = chain.invoice.legal_entity_id
    admins = (
        Employee.objects.filter(roles=Role.ADMIN, legal_entities=entity, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    return next((admin for admin in admins if able(admin, chain, context)), None)


# --- delegations of leavers -----------------------------------------------------------------------------------------


def approval_delegations_end(
    *, employee_ids: Collection[int], by: Any = None, source: str = "", today: date | None = None
) -> int:
    """The delegations these people (leavers) gave or received that are in force or ahead end: one in force since
    before today ends yesterday (no longer in force today), one starting today or later is deleted; each audited
    (`approvals.delegation.ended`). Their tasks are moved by `approval_work_reroute` after. Returns how many."""
    if not employee_ids:
        return 0
    day = today or timezone.localdate()
    ended = 0
    for delegation in (
        Delegation.objects.filter(Q(employee__in=employee_ids) | Q(delegate__in=employee_ids), ends_on__gte=day)
        .select_related("employee__user", "delegate__user")
        .order_by("pk")
    ):
        data: dict[str, Any] = {
            "employee": delegation.employee.user.get_username(),
            "delegate": delegation.delegate.user.get_username(),
            "starts_on": delegation.starts_on.isoformat(),
            "ends_on": {"from": delegation.ends_on.isoformat(), "to": None},
            "source": source,
        }
        if delegation.starts_on < day:
            delegation.ends_on = day - timedelta(days=1)
            delegation.save(update_fields=["ends_on"])
            data["ends_on"]["to"] = delegation.ends_on.isoformat()
        else:
            data["deleted"] = True
        audit_event_record(
            event_type=EVENT_DELEGATION_ENDED,
            actor=by if getattr(by, "pk", None) else None,
            legal_entity=delegation.employee.default_legal_entity,
            obj=delegation,
            data=data,
        )
        if data.get("deleted"):
            delegation.delete()
        ended += 1
    return ended
