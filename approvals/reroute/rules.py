"""Re-route by the rules: a pending requisition chain resolved again, its pending steps made what the rules name
now (the package's docstring says how)."""

from typing import Any

from procurement.models import Employee

from ..chain import Stage, approval_chain_resolve
from ..flows import stage_owners
from ..models import ApprovalChain, ApprovalMode, ApprovalStep, ApprovalStepApprover, PurchasingRule, StepStatus
from .moves import (
    REASON_LEAVER,
    REASON_RULES,
    MoveContext,
    assignment_for,
    open_tasks_by_assignment,
    stand_in,
    task_add,
    task_cancel,
    task_move,
)
from .work import ReroutedWork

# --- re-route by the rules ------------------------------------------------------------------------------------------


def chain_tail_reroute(process_id: int, chain: ApprovalChain, context: MoveContext, work: ReroutedWork) -> None:
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
            person = stand_in(named, chain)
            if person is not None and person.pk not in asked:
                asked.add(person.pk)
                people.append(person)
        if people:
            tail.append((stage, people))
    if not tail:
        return  # nothing left to ask by the rules: the pending steps stay as they are (never approved for anyone)
    tasks = open_tasks_by_assignment(process_id)
    next_position = steps[-1].position + 1
    for index, (stage, people) in enumerate(tail):
        if index < len(pending):
            _step_reshape(process_id, pending[index], stage, people, chain, tasks if index == 0 else {}, context, work)
        else:
            _step_add(chain, stage, people, next_position)
            next_position += 1
    for step in pending[len(tail) :]:
        work.rerouted += _step_drop(step, chain, tasks if step is pending[0] else {}, context)


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
    context: MoveContext,
    work: ReroutedWork,
) -> None:
    """The step asks `people` now, counted in `work`. The assignment of someone no longer named is cancelled and its
    open task goes to someone newly named, on an assignment of their own (a decision that was waiting for the process
    lock then finds the assignment it read cancelled, and is told so: never decided after it moved); extra
    assignments are cancelled with their tasks (but never the step's last pending one); people named in addition get
    assignments, and tasks when the step is the one being decided."""
    approvers = list(step.approvers.all())
    current = [a for a in approvers if a.status == StepStatus.PENDING]
    by_person = {a.approver_id: a for a in approvers}
    wanted = {person.pk for person in people}
    removed = [a for a in current if a.approver_id not in wanted]
    added = [
        person for person in people if person.pk not in by_person or by_person[person.pk].status == StepStatus.CANCELLED
    ]
    if len(removed) > len(added) and len(removed) == len(current):
        removed = removed[: max(len(added), 1)]  # a step keeps someone to decide it
        if not added:
            return
    if not removed and not added:
        return
    approved = [a.approver for a in approvers if a.status == StepStatus.APPROVED]
    fields = {
        "name": stage.name[:200],
        "reason": stage.reason[:300],
        "mode": stage.mode,
        "required_count": _required(stage, people + approved),
        "rule_id": stage.rule.pk if stage.rule is not None and stage.rule.pk else None,
        "rule_version": stage.rule.version if stage.rule is not None and stage.rule.pk else None,
        "sla_hours": stage.sla_hours,
    }
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=[name.removesuffix("_id") if name == "rule_id" else name for name in fields])
    handed: list[tuple[Any, ApprovalStepApprover, str, bool]] = []
    fresh: list[ApprovalStepApprover] = []
    for assignment in removed:
        assignment.status = StepStatus.CANCELLED
        assignment.save(update_fields=["status"])
    for assignment, person in zip(removed, added, strict=False):
        task = tasks.get(assignment.pk)
        successor = assignment_for(step, person, by_person.get(person.pk))
        if task is not None:
            holder = getattr(task.owner, "employee", None)
            left = assignment.approver_id in context.leavers or (holder is not None and holder.pk in context.leavers)
            handed.append((task, successor, task.owner.get_username() if task.owner else "", left))
        else:
            fresh.append(successor)
    for assignment in removed[len(added) :]:
        task = tasks.get(assignment.pk)
        if task is not None:
            task_cancel(task, assignment, chain, context)
            work.rerouted += 1
    for person in added[len(removed) :]:
        fresh.append(assignment_for(step, person, by_person.get(person.pk)))
    if tasks:
        owners = stage_owners(chain, [assignment for _task, assignment, _from, _left in handed] + fresh)
        for task, assignment, previous_name, left in handed:
            reason = REASON_LEAVER if left else REASON_RULES
            task_move(task, assignment, owners[assignment.pk], chain, context, reason, previous_name)
            if left:
                work.reassigned += 1
            else:
                work.rerouted += 1
        for assignment in fresh:
            task_add(process_id, step, assignment, owners[assignment.pk], chain, context)
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


def _step_drop(step: ApprovalStep, chain: ApprovalChain, tasks: dict[int, Any], context: MoveContext) -> int:
    """A pending step the rules no longer ask for: cancelled, with its open tasks."""
    cancelled = 0
    for assignment in step.approvers.all():
        task = tasks.get(assignment.pk)
        if task is not None:
            task_cancel(task, assignment, chain, context)
            cancelled += 1
    ApprovalStepApprover.objects.filter(step=step, status=StepStatus.PENDING).update(status=StepStatus.CANCELLED)
    step.status = StepStatus.CANCELLED
    step.save(update_fields=["status"])
    return cancelled
