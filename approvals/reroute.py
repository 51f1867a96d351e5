"""Open approval work moved after a people change: a new manager, signing limit or org unit, a leaver, a rejoiner
(called by the orchestration p2p.people_changes, in its transaction).

What moves, process by process, each under its row lock (taken in primary-key order, as the decision and the
delegation and escalation jobs take it, and waited for: a decision under way finishes first, then is seen here):

- re-route: a pending requisition chain the change may touch is resolved again by the purchasing rules
  (approvals.chain.approval_chain_resolve). Decided steps stay as they are, and whoever decided them is not asked
  again; the still-pending steps become the stages the rules name now, in order: the first pending step keeps its
  place (its open tasks move to the newly named people), later steps follow, steps no longer needed are dropped.
  Someone who may not decide (the requester or the one it is bought for, a leaver) is replaced by the first of their
  managers who may. A chain the rules cannot route now (blocked, no approver, approved outright) is left as it is.
- leavers: a task still held by a leaver, or assigned to one, goes back to the approver it was delegated from, or
  else to the leaver's manager (up the chain past anyone who is barred, has left, or is away without a delegate who
  may decide), or else to the first administrator (role "admin", by username) of the legal entity; the new holder's
  delegate takes it while they are away.

Each move is a line in the requisition's history (REROUTED; an invoice's in its audit events), an audit event
`approvals.task.rerouted`, and a notification to the new holder (approvals.notifications.notify_task_created).
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.token import Token

from procurement.events import audit_event_record
from procurement.models import Employee, Role
from procurement.people import employee_ids_with_reports
from procurement.selectors import employee_manager_chain
from requisitions.models import RequisitionEvent

from .chain import Stage, approval_chain_resolve
from .flows import ApprovalFlow, stage_owners
from .lock_objects import approval_processes_qs_select_for_update
from .models import (
    ApprovalChain,
    ApprovalMode,
    ApprovalStep,
    ApprovalStepApprover,
    Delegation,
    PurchasingRule,
    StepStatus,
)
from .notifications import notify_task_created
from .routing import _history_record

EVENT_REROUTED = "approvals.task.rerouted"
EVENT_DELEGATION_ENDED = "approvals.delegation.ended"
REASON_RULES = "rules"
REASON_LEAVER = "leaver"


@dataclass
class ReroutedWork:
    """What moved: tasks re-routed by the rules, tasks of leavers given to someone else."""

    rerouted: int = 0
    reassigned: int = 0
    processes: list[int] = field(default_factory=list)


def approval_processes_affected(*, employee_ids: Collection[int], leaver_ids: Collection[int] = ()) -> list[int]:
    """The open approval processes a change of these people may touch, in primary-key order: the pending chains of
    requisitions raised by them or by anyone below them, the chains where one of them is a pending approver, and
    the processes where one of them holds an open task. Three queries, whatever the number of people."""
    if not employee_ids:
        return []
    people = sorted(set(employee_ids))
    below = employee_ids_with_reports(employee_ids=people)
    chains = set(
        ApprovalChain.objects.filter(status=ApprovalChain.Status.PENDING)
        .filter(
            Q(requisition__requester__in=below)
            | Q(steps__approvers__approver__in=people, steps__approvers__status=StepStatus.PENDING)
        )
        .order_by()
        .values_list("pk", flat=True)
        .distinct()
    )
    processes = set(
        Task.objects.filter(
            flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED, owner__employee__in=people
        ).values_list("process_id", flat=True)
    )
    if chains:
        processes |= set(
            Process.objects.filter(status=PROCESS.NEW, data__chain__in=sorted(chains)).values_list("pk", flat=True)
        )
    return sorted(processes)


def approval_work_reroute(
    *,
    employee_ids: Collection[int],
    leaver_ids: Collection[int] = (),
    by: Any = None,
    source: str = "",
    today: date | None = None,
) -> ReroutedWork:
    """Move the open approval work a change of `employee_ids` touches (module docstring); `leaver_ids` are those who
    left (their user no longer active). `by` (a user, or None) and `source` join the audit. In the caller's
    transaction: each process's lock is held until it ends."""
    work = ReroutedWork()
    processes = approval_processes_affected(employee_ids=employee_ids, leaver_ids=leaver_ids)
    if not processes:
        return work
    context = _Context(
        by=by if getattr(by, "pk", None) else None,
        source=source,
        leavers=set(leaver_ids),
        today=today or timezone.localdate(),
    )
    for process_id in processes:
        _process_reroute(process_id, context, work)
    return work


@dataclass
class _Context:
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


def _may_decide(person: Employee, chain: ApprovalChain) -> bool:
    return person.user.is_active and not chain.barred(person)


def _able(person: Employee, chain: ApprovalChain, context: _Context) -> bool:
    """May decide, and is not away without a delegate who may."""
    if not _may_decide(person, chain):
        return False
    delegate = context.delegate_of(person)
    return delegate is None or _may_decide(delegate, chain)


def _stand_in(person: Employee, chain: ApprovalChain) -> Employee | None:
    """`person`, or when they may not decide on the chain (barred, left), the first of their managers who may."""
    if _may_decide(person, chain):
        return person
    return next((m for m in employee_manager_chain(employee=person) if _may_decide(m, chain)), None)


def _process_reroute(process_id: int, context: _Context, work: ReroutedWork) -> None:
    held = (
        approval_processes_qs_select_for_update(skip_locked=False)
        .filter(pk=process_id, status=PROCESS.NEW)
        .values_list("pk", "data")
        .first()
    )
    if held is None:
        return  # ended meanwhile
    _pk, data = held
    chain_id = (data or {}).get("chain")
    if chain_id is None:
        return
    chain = (
        ApprovalChain.objects.select_related(
            "requisition__requester__user", "requisition__legal_entity", "invoice__legal_entity"
        )
        .filter(pk=chain_id, status=ApprovalChain.Status.PENDING)
        .first()
    )
    if chain is None:
        return
    work.processes.append(process_id)
    if chain.requisition is not None:
        _chain_tail_reroute(process_id, chain, context, work)
    work.reassigned += _leavers_tasks_move(process_id, chain, context)


# --- re-route by the rules ------------------------------------------------------------------------------------------


def _chain_tail_reroute(process_id: int, chain: ApprovalChain, context: _Context, work: ReroutedWork) -> None:
    """The pending steps made what the rules name now (module docstring), counted in `work`: a task taken from a
    leaver is reassigned, any other moved, added or cancelled re-routed."""
    steps = list(
        ApprovalStep.objects.filter(chain=chain)
        .select_related("rule")
        .prefetch_related("approvers__approver__user")
        .order_by("position")
    )
    pending = [step for step in steps if step.status == StepStatus.PENDING]
    if not pending:
        return
    requisition = chain.requisition
    assert requisition is not None
    resolved = approval_chain_resolve(requisition=requisition)
    if resolved.blocked or resolved.budget_refused or resolved.problems or resolved.auto_approved:
        return
    decided = [step for step in steps if step.status != StepStatus.PENDING]
    decided_rules = {
        step.rule_id
        for step in decided
        if step.rule is not None and step.rule.effect != PurchasingRule.Effect.MANAGER_CHAIN
    }
    # Whoever decided already is not asked again (a person appears once in a chain), nor in the pending steps.
    asked = {a.approver_id for step in steps for a in step.approvers.all() if a.status == StepStatus.APPROVED}
    tail: list[tuple[Stage, list[Employee]]] = []
    for stage in resolved.stages:
        if stage.rule is not None and stage.rule.pk in decided_rules:
            continue
        people: list[Employee] = []
        for named in stage.approvers:
            person = _stand_in(named, chain)
            if person is not None and person.pk not in asked:
                asked.add(person.pk)
                people.append(person)
        if people:
            tail.append((stage, people))
    if not tail:
        return  # nothing left to ask by the rules: the pending steps stay as they are (never approved for anyone)
    tasks = _open_tasks(process_id)
    next_position = steps[-1].position + 1
    for index, (stage, people) in enumerate(tail):
        if index < len(pending):
            _step_reshape(process_id, pending[index], stage, people, chain, tasks if index == 0 else {}, context, work)
        else:
            _step_add(chain, stage, people, next_position)
            next_position += 1
    for step in pending[len(tail) :]:
        work.rerouted += _step_drop(step, chain, tasks if step is pending[0] else {}, context)


def _open_tasks(process_id: int) -> dict[int, Any]:
    """The open approve tasks of the process by assignment id."""
    return {
        task.data["assignment"]: task
        for task in Task.objects.filter(process_id=process_id, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
        .select_related("owner")
        .order_by("pk")
    }


def _required(stage: Stage, people: list[Employee]) -> int:
    if stage.mode == ApprovalMode.ALL:
        return len(people)
    if stage.mode == ApprovalMode.N_OF_M:
        return min(stage.required_count, len(people))
    return 1


def _step_reshape(
    process_id: int,
    step: ApprovalStep,
    stage: Stage,
    people: list[Employee],
    chain: ApprovalChain,
    tasks: dict[int, Any],
    context: _Context,
    work: ReroutedWork,
) -> None:
    """The step asks `people` now: an assignment of someone no longer named goes to someone newly named (its open task
    with it), extra ones are removed (their tasks cancelled), extra people get assignments (and tasks, when the step
    is the one being decided); counted in `work`."""
    approvers = list(step.approvers.all())
    current = [a for a in approvers if a.status == StepStatus.PENDING]
    already = {a.approver_id for a in approvers}
    wanted = {person.pk for person in people}
    removed = [a for a in current if a.approver_id not in wanted]
    added = [person for person in people if person.pk not in already]
    fields = {
        "name": stage.name[:200],
        "reason": stage.reason[:300],
        "mode": stage.mode,
        "required_count": _required(stage, people + [a.approver for a in approvers if a.status != StepStatus.PENDING]),
        "rule_id": stage.rule.pk if stage.rule is not None and stage.rule.pk else None,
        "rule_version": stage.rule.version if stage.rule is not None and stage.rule.pk else None,
        "sla_hours": stage.sla_hours,
    }
    if not removed and not added:
        return
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=[name.removesuffix("_id") if name == "rule_id" else name for name in fields])
    handed: list[tuple[Any, ApprovalStepApprover, str, bool]] = []
    fresh: list[ApprovalStepApprover] = []
    for assignment, person in zip(removed, added, strict=False):
        previous = assignment.approver
        assignment.approver = person
        assignment.delegated_from = None
        assignment.escalated_from = None
        assignment.save(update_fields=["approver", "delegated_from", "escalated_from"])
        task = tasks.get(assignment.pk)
        if task is not None:
            holder = getattr(task.owner, "employee", None)
            left = previous.pk in context.leavers or (holder is not None and holder.pk in context.leavers)
            handed.append((task, assignment, task.owner.get_username() if task.owner else "", left))
    for assignment in removed[len(added) :]:
        task = tasks.get(assignment.pk)
        if task is not None:
            _task_cancel(task, assignment, chain, context)
            work.rerouted += 1
        assignment.delete()
    for person in added[len(removed) :]:
        fresh.append(ApprovalStepApprover.objects.create(step=step, approver=person))
    if tasks:
        owners = stage_owners(chain, [assignment for _task, assignment, _from, _left in handed] + fresh)
        for task, assignment, previous_name, left in handed:
            reason = REASON_LEAVER if left else REASON_RULES
            _task_move(task, assignment, owners[assignment.pk], chain, context, reason, previous_name)
            if left:
                work.reassigned += 1
            else:
                work.rerouted += 1
        for assignment in fresh:
            _task_add(process_id, step, assignment, owners[assignment.pk], chain, context)
            work.rerouted += 1


def _step_add(chain: ApprovalChain, stage: Stage, people: list[Employee], position: int) -> None:
    step = ApprovalStep.objects.create(
        chain=chain,
        position=position,
        name=stage.name[:200],
        reason=stage.reason[:300],
        mode=stage.mode,
        required_count=_required(stage, people),
        rule=stage.rule if stage.rule is not None and stage.rule.pk else None,
        rule_version=stage.rule.version if stage.rule is not None and stage.rule.pk else None,
        sla_hours=stage.sla_hours,
    )
    ApprovalStepApprover.objects.bulk_create(ApprovalStepApprover(step=step, approver=person) for person in people)


def _step_drop(step: ApprovalStep, chain: ApprovalChain, tasks: dict[int, Any], context: _Context) -> int:
    """A pending step the rules no longer ask for: cancelled, with its open tasks."""
    cancelled = 0
    for assignment in step.approvers.all():
        task = tasks.get(assignment.pk)
        if task is not None:
            _task_cancel(task, assignment, chain, context)
            cancelled += 1
    ApprovalStepApprover.objects.filter(step=step, status=StepStatus.PENDING).update(status=StepStatus.CANCELLED)
    step.status = StepStatus.CANCELLED
    step.save(update_fields=["status"])
    return cancelled


# --- leavers' tasks -------------------------------------------------------------------------------------------------


def _leavers_tasks_move(process_id: int, chain: ApprovalChain, context: _Context) -> int:
    """Open tasks still held by a leaver or assigned to one, given to who should hold them (module docstring)."""
    if not context.leavers:
        return 0
    tasks = _open_tasks(process_id)
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
        if approver.pk not in context.leavers and _may_decide(approver, chain):
            # Delegated or escalated to the leaver: back to the approver (or whoever stands in for them today).
            delegate = context.delegate_of(approver)
            holder = delegate if delegate is not None and _may_decide(delegate, chain) else approver
            assignment.delegated_from = approver if holder is not approver else None
            assignment.escalated_from = None
            assignment.save(update_fields=["delegated_from", "escalated_from"])
            _task_move(task, assignment, holder, chain, context, REASON_LEAVER, previous)
            moved += 1
            continue
        target = _leaver_successor(approver, chain, context)
        if target is None:
            continue  # nobody may take it: it stays, and the inbox of the entity's administrators is empty too
        taken = ApprovalStepApprover.objects.filter(step=assignment.step, approver=target).exists()
        if taken:
            # The successor is asked in this step already: the leaver's assignment stays, held by them.
            assignment.escalated_from = approver
            assignment.save(update_fields=["escalated_from"])
        else:
            assignment.approver = target
            assignment.delegated_from = None
            assignment.escalated_from = None
            assignment.save(update_fields=["approver", "delegated_from", "escalated_from"])
        delegate = context.delegate_of(target)
        holder = delegate if delegate is not None and _may_decide(delegate, chain) else target
        if holder is not target and not taken:
            assignment.delegated_from = target
            assignment.save(update_fields=["delegated_from"])
        _task_move(task, assignment, holder, chain, context, REASON_LEAVER, previous)
        moved += 1
    return moved


def _leaver_successor(leaver: Employee, chain: ApprovalChain, context: _Context) -> Employee | None:
    """The leaver's manager, or the first one up the chain who may decide and is not away without a delegate who
    may; else the first administrator of the chain's legal entity (by username) who may."""
    for manager in employee_manager_chain(employee=leaver):
        if manager.pk not in context.leavers and _able(manager, chain, context):
            return manager
    entity = chain.requisition.legal_entity_id if chain.requisition is not None else None
    if entity is None and chain.invoice is not None:
        entity = chain.invoice.legal_entity_id
    admins = (
        Employee.objects.filter(roles=Role.ADMIN, legal_entities=entity, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    return next((admin for admin in admins if _able(admin, chain, context)), None)


# --- the moves, each in the history, the audit and the new holder's inbox ---------------------------------------------


def _audit(chain: ApprovalChain, context: _Context, data: dict[str, Any]) -> None:
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


def _task_move(
    task: Any,
    assignment: ApprovalStepApprover,
    holder: Any,
    chain: ApprovalChain,
    context: _Context,
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
    _audit(chain, context, {**data, "task": task.pk})
    notify_task_created(task=task)


def _task_cancel(task: Any, assignment: ApprovalStepApprover, chain: ApprovalChain, context: _Context) -> None:
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
    _audit(chain, context, {**data, "task": task.pk})


def _task_add(
    process_id: int,
    step: ApprovalStep,
    assignment: ApprovalStepApprover,
    owner: Any,
    chain: ApprovalChain,
    context: _Context,
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
    _audit(chain, context, {**data, "task": task.pk})
    notify_task_created(task=task)


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
