"""What every move shares: who may decide, who stands in today, and the move itself (the task handed over, its
line in the requisition's history, its audit event, the new holder told)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from procurement.events import audit_event_record
from procurement.models import Employee
from procurement.selectors import employee_manager_chain
from requisitions.models import RequisitionEvent

from ..flows import ApprovalFlow
from ..models import ApprovalChain, ApprovalStep, ApprovalStepApprover, Delegation, StepStatus
from ..notifications import notify_task_created
from ..routing import _history_record

EVENT_REROUTED = "approvals.task.rerouted"
EVENT_DELEGATION_ENDED = "approvals.delegation.ended"
REASON_RULES = "rules"
REASON_LEAVER = "leaver"


@dataclass
class MoveContext:
    by: Any
    source: str
    leavers: set[int]
    today: date
    away: dict[int, Employee] | None = None

    def delegate_of(self, employee: Employee) -> Employee | None:
        """Who stands in for `employee` today (the newest delegation in force), read once for the batch."""
        if self.away is None:
            self.away = {}
            for delegation in (
                Delegation.objects.filter(starts_on__lte=self.today, ends_on__gte=self.today)
                .select_related("delegate__user")
                .order_by("created_at", "pk")
            ):
                self.away[delegation.employee_id] = delegation.delegate
        return self.away.get(employee.pk)


def may_decide(person: Employee, chain: ApprovalChain) -> bool:
    return person.user.is_active and not chain.barred(person)


def able(person: Employee, chain: ApprovalChain, context: MoveContext) -> bool:
    """May decide, and is not away without a delegate who may."""
    if not may_decide(person, chain):
        return False
    delegate = context.delegate_of(person)
    return delegate is None or may_decide(delegate, chain)


def stand_in(person: Employee, chain: ApprovalChain) -> Employee | None:
    """`person`, or when they may not decide on the chain (barred, left), the first of their managers who may."""
    if may_decide(person, chain):
        return person
    return next((m for m in employee_manager_chain(employee=person) if may_decide(m, chain)), None)


def holder_today(person: Employee, chain: ApprovalChain, context: MoveContext) -> Employee:
    """`person`, or their delegate today when they are away and the delegate may decide."""
    delegate = context.delegate_of(person)
    return delegate if delegate is not None and may_decide(delegate, chain) else person


def open_tasks_by_assignment(process_id: int) -> dict[int, Any]:
    """The open approve tasks of the process by assignment id."""
    return {
        task.data["assignment"]: task
        for task in Task.objects.filter(process_id=process_id, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
        .select_related("owner")
        .order_by("pk")
    }


# --- the moves, each in the history, the audit and the new holder's inbox ---------------------------------------------


def rerouted_audit(chain: ApprovalChain, context: MoveContext, data: dict[str, Any]) -> None:
    audit_event_record(
        event_type=EVENT_REROUTED,
        actor=context.by,
        legal_entity=chain.legal_entity,
        obj=chain.requisition if chain.requisition is not None else chain.invoice,
        data={**data, "chain": chain.pk, "source": context.source},
    )


def _note(reason: str, previous: str, holder: Employee) -> str:
    if reason == REASON_LEAVER:
        return f"{previous} has left; now with {holder.display_name}."
    return f"The organisation changed; now with {holder.display_name} by the purchasing rules."


def task_move(
    task: Any,
    assignment: ApprovalStepApprover,
    holder: Any,
    chain: ApprovalChain,
    context: MoveContext,
    reason: str,
    previous: str,
) -> None:
    """The open task handed to `holder` (a user, or an employee), its SLA starting again."""
    user = holder.user if isinstance(holder, Employee) else holder
    employee = holder if isinstance(holder, Employee) else user.employee
    task.owner = user
    task.assigned = timezone.now()
    task.data = {
        **{key: value for key, value in task.data.items() if key != "reminded"},
        "assignment": assignment.pk,
        "step": assignment.step_id,
    }
    task.save(update_fields=["owner", "assigned", "data"])
    data = {"step": assignment.step.name, "from": previous, "to": user.get_username(), "reason": reason}
    _history_record(assignment, RequisitionEvent.Kind.REROUTED, _note(reason, previous, employee), data)
    rerouted_audit(chain, context, {**data, "task": task.pk})
    notify_task_created(task=task)


def task_cancel(task: Any, assignment: ApprovalStepApprover, chain: ApprovalChain, context: MoveContext) -> None:
    previous = task.owner.get_username() if task.owner is not None else ""
    task.status = STATUS.CANCELED
    task.finished = timezone.now()
    task.save(update_fields=["status", "finished"])
    data = {"step": assignment.step.name, "from": previous, "to": "", "reason": REASON_RULES}
    _history_record(
        assignment,
        RequisitionEvent.Kind.REROUTED,
        f"The organisation changed; the purchasing rules no longer ask {previous}.",
        data,
    )
    rerouted_audit(chain, context, {**data, "task": task.pk})


def task_add(
    process_id: int,
    step: ApprovalStep,
    assignment: ApprovalStepApprover,
    owner: Any,
    chain: ApprovalChain,
    context: MoveContext,
) -> None:
    """A task for someone the rules now also ask in the step being decided, made as the gate makes them."""
    gate = Task.objects.filter(process_id=process_id, flow_task=ApprovalFlow.gate).order_by("-pk").first()
    task = Task.objects.create(
        process_id=process_id,
        flow_task=ApprovalFlow.approve,
        flow_task_type=ApprovalFlow.approve.task_type,
        status=STATUS.ASSIGNED,
        owner=owner,
        assigned=timezone.now(),
        token=Token(f"start/{step.pk}_{assignment.pk}"),
        data={"step": step.pk, "assignment": assignment.pk},
    )
    if gate is not None:
        task.previous.add(gate)
    data = {"step": step.name, "from": "", "to": owner.get_username(), "reason": REASON_RULES}
    _history_record(
        assignment,
        RequisitionEvent.Kind.REROUTED,
        f"The organisation changed; {assignment.approver.display_name} is asked too by the purchasing rules.",
        data,
    )
    rerouted_audit(chain, context, {**data, "task": task.pk})
    notify_task_created(task=task)


def assignment_for(step: ApprovalStep, person: Employee, earlier: ApprovalStepApprover | None) -> ApprovalStepApprover:
    """A pending assignment of `person` in `step`: their earlier one (cancelled by a move) asked again, or a new one."""
    if earlier is None:
        return ApprovalStepApprover.objects.create(step=step, approver=person)
    earlier.status = StepStatus.PENDING
    earlier.delegated_from = None
    earlier.escalated_from = None
    earlier.save(update_fields=["status", "delegated_from", "escalated_from"])
    return earlier
