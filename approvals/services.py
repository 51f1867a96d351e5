"""Writes of approvals: rules (versioned) and the chain stored when a requisition is submitted."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import BooleanField, Model
from django.db.models.expressions import RawSQL
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from procurement.events import audit_changes, audit_event_record, audit_event_row
from procurement.models import Employee
from procurement.sql import (
    sql_column,
    sql_field,
    sql_in_ids,
    sql_insert,
    sql_insert_statement,
    sql_inserted,
    sql_table,
    sql_update_and_insert,
)
from requisitions.lock_objects import requisition_select_for_update_with_parties
from requisitions.models import Requisition, RequisitionEvent, RequisitionStatus
from requisitions.services.lifecycle import requisition_event_for_statement

from . import decisions
from .chain import ResolvedChain
from .error_codes import ApprovalErrorCode
from .errors import (
    ApprovalError,
    BudgetExceptionRefused,
    CommentRequired,
    NoEligibleApprover,
    RequisitionBlocked,
    TaskAlreadyDecided,
    TaskNotYours,
)
from .flows import ApprovalFlow, StageRoute
from .lock_objects import (
    approval_assignment_select_for_update_with_requisition,
    approval_step_approvers_qs_select_for_update,
    approval_task_select_for_update_with_process,
    purchasing_rules_qs_select_for_update,
)
from .models import (
    ApprovalChain,
    ApprovalMode,
    ApprovalStep,
    ApprovalStepApprover,
    Delegation,
    PurchasingRule,
    PurchasingRuleVersion,
    StepStatus,
)
from .routing import delegations_apply
from .transitions import approval_chain_status_move, approval_chains_status_move


def _snapshot(rule: PurchasingRule) -> dict[str, Any]:
    return {
        key: (str(value) if value is not None and not isinstance(value, bool | int | str) else value)
        for key, value in model_to_dict(rule).items()
    }


def _related_named(changes: dict[str, Any]) -> None:
    """A changed approver, unit, cost centre or supplier by its name, not its id."""
    for name, change in changes.items():
        field = PurchasingRule._meta.get_field(name)
        if field.many_to_one and field.related_model is not None:
            related = field.related_model._default_manager
            for end in ("from", "to"):
                if change[end] not in (None, ""):
                    found = related.filter(pk=change[end]).first()
                    change[end] = str(found) if found is not None else change[end]


@transaction.atomic
def purchasing_rule_save(*, rule: PurchasingRule, by: Any = None) -> PurchasingRule:
    """Save a rule; every change makes a new version, and the old one stays readable."""
    before: dict[str, Any] = {}
    if rule.pk:
        previous = purchasing_rules_qs_select_for_update().get(pk=rule.pk)
        before = _snapshot(previous)
        if before == _snapshot(rule) and previous.version == rule.version:
            return rule
        rule.version = previous.version + 1
    else:
        rule.version = 1
    rule.save()
    after = _snapshot(rule)
    PurchasingRuleVersion.objects.create(
        rule=rule, version=rule.version, snapshot=after, created_by=by if getattr(by, "pk", None) else None
    )
    changes = audit_changes(before, after)
    changes.pop("version", None)
    _related_named(changes)
    if rule.version == 1:
        changes = {name: change for name, change in changes.items() if change["to"] not in (None, "", [])}
    audit_event_record(
        event_type="purchasing_rule.created" if rule.version == 1 else "purchasing_rule.changed",
        actor=by,
        legal_entity=rule.legal_entity,
        obj=rule,
        data={"name": rule.name, "version": rule.version, "changes": changes},
    )
    return rule


def check_resolvable(resolved: ResolvedChain) -> None:
    """Refuse a submission whose chain cannot be walked: over a hard-stop budget with no exception stage,
    blocked by a rule, or with no one who may approve."""
    if resolved.budget_refused:
        raise BudgetExceptionRefused(resolved.budget_refused)
    if resolved.blocked:
        raise RequisitionBlocked(resolved.blocked)
    if resolved.problems and not resolved.auto_approved:
        raise NoEligibleApprover(" ".join(resolved.problems))


@transaction.atomic(savepoint=False)
def approval_chain_create(
    *, requisition: Requisition, resolved: ResolvedChain, by: Employee | None, submitted_before: bool = True
) -> ApprovalChain:
    """Store the chain resolved for this submission (approval_chain_resolve, checked with check_resolvable) and
    start its process, or record it approved outright (auto-approved, or no stage): then the chain's status is
    `approved` and the caller goes on with what follows a final approval.

    Runs in the submission's transaction, with `requisition` read under its row lock and already moved on
    (requisitions.services.requisition_mark_submitted with `then`): the chain's steps and assignments are written
    in one insert each, and the first stage's tasks from them without reading anything back. A pending chain of an
    earlier submission is superseded first; `submitted_before=False` (the requisition had never been submitted, so
    no chain of it exists: chains are made only here) skips looking for one."""
    if submitted_before:
        approval_chains_status_move(
            requisition=requisition,
            from_status=ApprovalChain.Status.PENDING,
            to_status=ApprovalChain.Status.SUPERSEDED,
            by=by,
            comment="Submitted again",
        )
    chain = ApprovalChain.objects.create(
        requisition=requisition,
        total_minor=resolved.total.minor,
        currency=resolved.total.currency,
        auto_approved=resolved.auto_approved,
        rule_versions=_rule_versions(resolved),
    )
    chain.requisition = requisition
    if resolved.auto_approved or not resolved.stages:
        approval_chain_status_move(
            chain=chain,
            to_status=ApprovalChain.Status.APPROVED,
            by=None,
            comment="Approved automatically by a purchasing rule.",
        )
        return chain
    first_stage = _steps_store(chain, resolved)
    ApprovalFlow.start.run(chain=chain, route=StageRoute(chain=chain, next_stage=first_stage, requisition_locked=True))
    return chain


def approval_chain_submitted_status(resolved: ResolvedChain) -> str:
    """Where a requisition goes once submitted with this chain: approved outright, or into approval."""
    if resolved.auto_approved or not resolved.stages:
        return RequisitionStatus.APPROVED
    return RequisitionStatus.IN_APPROVAL


AUTO_APPROVED_COMMENT = "Approved automatically by a purchasing rule."


def _rule_versions(resolved: ResolvedChain) -> list[dict[str, Any]]:
    return [{"rule": rule.pk, "version": rule.version, "name": rule.name} for rule in resolved.rules if rule.pk]


def _steps_store(chain: ApprovalChain, resolved: ResolvedChain) -> list[ApprovalStepApprover]:
    """The chain's steps in one insert and their assignments in another, whatever the number of stages and
    people; returns the first stage's assignments (with their step and people) to start the process from."""
    steps = ApprovalStep.objects.bulk_create(
        ApprovalStep(
            chain=chain,
            position=position,
            name=stage.name[:200],
            reason=stage.reason[:300],
            mode=stage.mode,
            required_count=stage.required_count,
            rule=stage.rule if stage.rule and stage.rule.pk else None,
            rule_version=stage.rule.version if stage.rule and stage.rule.pk else None,
            sla_hours=stage.sla_hours,
        )
        for position, stage in enumerate(resolved.stages, 1)
    )
    assignments = ApprovalStepApprover.objects.bulk_create(
        ApprovalStepApprover(step=step, approver=person)
        for step, stage in zip(steps, resolved.stages, strict=True)
        for person in stage.approvers
    )
    first = [assignment for assignment in assignments if assignment.step is steps[0]]
    # The approvers read by the chain's resolution (approvals.chain._managers_and_role_holders) say who stands in
    # for them today: handed on with their assignments, the start assigns the tasks without reading it again
    # (approvals.flows.stage_owners). Anyone else named (a rule's named approver, a group member): it reads them all.
    if all(hasattr(assignment.approver, "away_delegate_id") for assignment in first):
        for assignment in first:
            assignment.away_delegate_id = assignment.approver.away_delegate_id  # type: ignore[attr-defined]
    return first


@transaction.atomic
def invoice_approval_chain_start(
    *, invoice_id: int, resolved: ResolvedChain, summary: dict[str, Any], by: Employee | None = None
) -> ApprovalChain:
    """Store the chain resolved for an invoice exception (approvals.invoice_chain) and start its process; a
    pending chain of the same invoice is superseded first (its tasks end). The caller checked that the resolved
    chain has stages. `summary` is what the approvers are asked to accept, shown in their inbox and e-mail."""
    approval_invoice_chains_end(
        invoice_id=invoice_id, status=ApprovalChain.Status.SUPERSEDED, comment="The exception changed", by=by
    )
    chain = ApprovalChain.objects.create(
        invoice_id=invoice_id,
        subject_summary=summary,
        total_minor=resolved.total.minor,
        currency=resolved.total.currency,
        rule_versions=_rule_versions(resolved),
    )
    chain.invoice_id = invoice_id
    first_stage = _steps_store(chain, resolved)
    ApprovalFlow.start.run(chain=chain, route=StageRoute(chain=chain, next_stage=first_stage))
    return chain


@transaction.atomic
def approval_invoice_chains_end(*, invoice_id: int, status: str, comment: str, by: Employee | None = None) -> list[int]:
    """The pending chains of an invoice end (withdrawn: it matched after all; superseded: a new exception was
    routed): their open steps and assignments are cancelled, their processes end with their tasks."""
    pending = approval_chains_status_move(
        invoice_id=invoice_id, from_status=ApprovalChain.Status.PENDING, to_status=status, by=by, comment=comment
    )
    if pending:
        _chains_cancel(pending)
    return pending


def _chains_cancel(chain_ids: list[int]) -> None:
    """Open steps, assignments, tasks and processes of these chains end (the chains moved already)."""
    ApprovalStep.objects.filter(chain__in=chain_ids, status=StepStatus.PENDING).update(status=StepStatus.CANCELLED)
    ApprovalStepApprover.objects.filter(step__chain__in=chain_ids, status=StepStatus.PENDING).update(
        status=StepStatus.CANCELLED
    )
    processes = Process.objects.filter(data__chain__in=chain_ids, status=PROCESS.NEW)
    Task.objects.filter(process__in=processes, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]).update(
        status=STATUS.CANCELED, finished=timezone.now()
    )
    processes.update(status=PROCESS.CANCELED, finished=timezone.now())


# The largest id a database key holds (BigAutoField), and the longest comment on a decision.
MAX_ID = 2**63 - 1
COMMENT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class DecisionOrigin:
    """Where a decision was made: `via` (inbox, e-mail link, e-mail link after login, api) and the client.

    `ip` is the connecting address (REMOTE_ADDR); `forwarded_for` what an X-Forwarded-For header claimed.
    """

    via: str
    ip: str | None = None
    forwarded_for: str = ""
    user_agent: str = ""

    def audit(self) -> dict[str, str]:
        data = {"via": self.via, "ip": self.ip or "", "forwarded_for": self.forwarded_for[:200]}
        data["user_agent"] = self.user_agent[:300]
        return {key: value for key, value in data.items() if value}


class Decision:
    """The decisions (approvals.decisions says what each is called for a requisition and for an invoice)."""

    APPROVE = decisions.APPROVE
    REJECT = decisions.REJECT
    RETURN = decisions.RETURN
    STATUS = decisions.STATUS


@contextmanager
def approval_decision_lock(*, task_id: int) -> Iterator[None]:
    """The transaction of a decision and what follows from it (p2p.submit_to_order.approval_decide): the process
    lock approval_decide takes first thing is held until it ends."""
    with transaction.atomic():
        yield


# Whether the assignment's chain has a pending stage besides the assignment's own, as SQL on the assignment's row (an
# Exists of the ORM costs more to build than the query it spares).
_LATER_STAGES = RawSQL(  # noqa: S611 - no value in the text: the status is a parameter
    f"EXISTS (SELECT 1 FROM {ApprovalStep._meta.db_table} later INNER JOIN {ApprovalStep._meta.db_table} own"  # noqa: S608 - table names, no values
    f" ON later.chain_id = own.chain_id WHERE own.id = {ApprovalStepApprover._meta.db_table}.step_id"
    " AND later.status = %s AND later.id <> own.id)",
    (StepStatus.PENDING,),
    output_field=BooleanField(),
)


def approval_decide(
    *, task_id: int, by: Employee, decision: str, comment: str = "", origin: DecisionOrigin | None = None
) -> ApprovalStepApprover:
    """Record an approver's decision on their task and move the process on; `origin` joins the audit.

    Under the process row lock: of two approvers of an any-of stage deciding at the same moment, the
    first decides the stage and the second is told it is already decided. The chain's status after the decision
    is on `assignment.step.chain.status` (pending, or the outcome the decision ended it with).

    A constant number of queries whatever the number of lines, approvers and stages: the task, the assignment with
    its step and chain, and the requisition are each read once under their locks; the step settles from what is
    read there; the gate (approvals.flows) is handed all of it and writes the next stage in one go.

    Runs in the caller's transaction when there is one, without a savepoint of its own: a refusal raised here ends
    that transaction (p2p.submit_to_order.approval_decide opens one per decision).
    """
    if decision not in Decision.STATUS:
        raise ApprovalError(
            _("Unknown decision %(decision)s: approve, reject or return.") % {"decision": repr(decision)},
            code=ApprovalErrorCode.INVALID,
        )
    if not 0 < task_id <= MAX_ID:
        raise TaskNotYours(_("There is no approval task %(task_id)s of yours.") % {"task_id": task_id})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ApprovalError(
            _("A comment has at most %(comment_max_length)s characters.") % {"comment_max_length": COMMENT_MAX_LENGTH},
            code=ApprovalErrorCode.INVALID,
        )
    with transaction.atomic(savepoint=False):
        task = approval_task_select_for_update_with_process(task_id)
        if task is None or task.flow_task != ApprovalFlow.approve or task.owner_id != by.user_id:
            raise TaskNotYours(_("There is no approval task %(task_id)s of yours.") % {"task_id": task_id})
        if task.status != STATUS.ASSIGNED:
            raise TaskAlreadyDecided(_("This approval has already been decided."))
        assignment = _assignment_locked(task.data["assignment"], (task.process.data or {}).get("requisition"))
        step = assignment.step
        chain = step.chain
        if chain.barred(by):
            raise TaskNotYours(
                _("Nobody decides on an invoice they entered.")
                if chain.is_invoice
                else _("Nobody approves their own requisition.")
            )
        if step.status == StepStatus.PENDING and assignment.status == StepStatus.CANCELLED:
            # Moved to someone else while this decision waited for the process (approvals.reroute).
            raise TaskNotYours(_("This approval has moved to someone else."))
        if step.status != StepStatus.PENDING or assignment.status != StepStatus.PENDING:
            raise TaskAlreadyDecided(_("This approval has already been decided."))
        if decision in (Decision.REJECT, Decision.RETURN) and not comment:
            raise CommentRequired(
                _("Say why: a comment is required to reject the invoice or ask for a credit note.")
                if chain.is_invoice
                else _("Say why: a comment is required to reject or return.")
            )
        assignment.status = Decision.STATUS[decision]
        assignment.comment = comment
        assignment.decided_at = timezone.now()
        assignment.decided_by = by
        fields = ["status", "comment", "decided_at", "decided_by"]
        if origin is not None:
            assignment.decided_via = origin.via[:20]
            assignment.decided_from_ip = origin.ip
            assignment.decided_user_agent = origin.user_agent[:300]
            fields += ["decided_via", "decided_from_ip", "decided_user_agent"]
        audit = {
            "decision": decision,
            "step": step.name,
            **({"for": assignment.approver.display_name} if assignment.approver_id != by.pk else {}),
            **(origin.audit() if origin is not None else {}),
        }
        # The decision's row in the requisition's change log, or (an invoice has no change log of its own here) its
        # audit event on the invoice: written with the decision's own statement.
        event: Model | None = (
            requisition_event_for_statement(
                requisition=chain.requisition, by=by, kind=RequisitionEvent.Kind.DECISION, comment=comment, data=audit
            )
            if chain.requisition is not None
            else audit_event_row(
                event_type="approvals.invoice.decision",
                actor=by.user,
                legal_entity=chain.legal_entity,
                obj=chain.invoice,
                data={**audit, "chain": chain.pk, "comment": comment},
            )
        )
        _decision_write(step, assignment, fields, event)
        activation = ApprovalFlow.approve.activation_class(task)
        activation.route = StageRoute(
            chain=chain,
            step=step,
            decided=step.status != StepStatus.PENDING,
            last=assignment,
            next_stage=None if getattr(assignment, "later_stages", True) else [],
            requisition_locked=True,
        )
        activation.start(None)
        activation.execute()
        return assignment


def _assignment_locked(pk: int, requisition_id: int | None) -> ApprovalStepApprover:
    """The assignment with its step and chain, locked, and whether another stage is still pending after this one (at
    the last stage the gate reads nothing). A requisition's chain (the process's data names the requisition) comes
    with the requisition locked and its legal entity and requester read, in the same query; an invoice's with its
    invoice (not locked: an invoice's row is its own app's to lock)."""
    if requisition_id is not None:
        found = approval_assignment_select_for_update_with_requisition(pk, requisition_id)
        if found is not None:
            return found
    assignment = approval_step_approvers_qs_select_for_update().annotate(later_stages=_LATER_STAGES).get(pk=pk)
    chain = assignment.step.chain
    if chain.requisition_id is not None:
        chain.requisition = requisition_select_for_update_with_parties(chain.requisition_id)
    return assignment


def _decision_write(step: ApprovalStep, decided: ApprovalStepApprover, fields: list[str], event: Model | None) -> None:
    """The decision written and the step settled, with its change-log row or audit event `event` (when given). A step
    is decided by its first rejection or return, or by enough approvals for its mode: an any-of stage by any
    decision without reading its other assignments, all-of and N-of-M by counting the approvals in one query first.
    When the decision settles the step, the decision and the cancellation of what is still pending of the step are
    one update, and the step's status another; otherwise the decision alone is saved. On PostgreSQL the event goes
    in the same statement (a data-modifying WITH); elsewhere it is inserted after."""
    if decided.status in (StepStatus.REJECTED, StepStatus.RETURNED):
        step.status = decided.status
    elif step.mode == ApprovalMode.ANY:
        step.status = StepStatus.APPROVED
    else:
        # The others' statuses, this one counted as decided.
        # An assignment cancelled while the step was open (its task moved to someone else: approvals.reroute) counts
        # for nothing.
        others = (
            step.approvers.exclude(pk=decided.pk)
            .exclude(status=StepStatus.CANCELLED)
            .order_by()
            .values_list("status", flat=True)
        )
        statuses = [*others, decided.status]
        approved = statuses.count(StepStatus.APPROVED)
        if (step.mode == ApprovalMode.ALL and approved == len(statuses)) or (
            step.mode == ApprovalMode.N_OF_M and approved >= step.required_count
        ):
            step.status = StepStatus.APPROVED
    if step.status == StepStatus.PENDING:
        sql_update_and_insert(decided, fields, [event] if event is not None else [])
        return
    _decision_and_cancellations_write(step, decided, fields, event)


def _decision_and_cancellations_write(
    step: ApprovalStep, decided: ApprovalStepApprover, fields: list[str], event: Model | None
) -> None:
    """One UPDATE of the step's assignments: the decided one takes its decision (`fields`), the others still pending
    are cancelled; then the step's status; then the event row `event`. Written as SQL: the ORM's CASE
    expressions cost more to build than the statement they save. On PostgreSQL all are one statement (the updates in
    data-modifying WITHs of the event's INSERT, or of the step's UPDATE without one)."""
    meta = ApprovalStepApprover._meta
    qn = connection.ops.quote_name
    pk, status = sql_column(meta, "pk"), sql_column(meta, "status")
    sets = [f"{status} = CASE WHEN {pk} = %s THEN %s ELSE %s END"]
    params: list[Any] = [decided.pk, decided.status, StepStatus.CANCELLED]
    for name in fields:
        if name == "status":
            continue
        field = sql_field(meta, name)
        column = sql_column(meta, name)
        sets.append(f"{column} = CASE WHEN {pk} = %s THEN %s ELSE {column} END")
        params += [decided.pk, field.get_db_prep_save(getattr(decided, field.attname), connection)]
    params += [step.pk, decided.pk, StepStatus.PENDING]
    assignments = (
        f"UPDATE {qn(meta.db_table)} SET {', '.join(sets)} "  # noqa: S608 - identifiers from the model, values as parameters
        f"WHERE {sql_column(meta, 'step')} = %s AND ({pk} = %s OR {status} = %s)"
    )
    step_meta = ApprovalStep._meta
    step_update = (
        f"UPDATE {sql_table(step_meta)} SET {sql_column(step_meta, 'status')} = %s"  # noqa: S608
        f" WHERE {sql_column(step_meta, 'pk')} = %s"
    )
    if connection.vendor == "postgresql" and event is not None:
        insert_sql, insert_params = sql_insert_statement([event])
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH assignments AS ({assignments}), steps AS ({step_update}) {insert_sql}",
                [*params, step.status, step.pk, *insert_params],
            )
            [(pk,)] = cursor.fetchall()
        sql_inserted(event, pk)
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH assignments AS ({assignments}) {step_update}", [*params, step.status, step.pk])
            return
        cursor.execute(assignments, params)
        cursor.execute(step_update, [step.status, step.pk])
    if event is not None:
        sql_insert([event])


@transaction.atomic(savepoint=False)
def approval_chains_end(*, requisition: Requisition, status: str) -> None:
    """Withdrawn or cancelled: pending chains take `status` (withdrawn), their open steps and assignments are
    cancelled and the approval processes end with their tasks. In the caller's transaction without a savepoint of
    its own (one is opened when there is none): the chains' move is refused before anything is written.

    Every lookup goes by an indexed column, whatever the number of tasks: the chains by requisition, steps by
    chain, the processes by their artifact (the requisition, viewflow's own index), tasks by process."""
    pending = approval_chains_status_move(
        requisition=requisition,
        from_status=ApprovalChain.Status.PENDING,
        to_status=status,
        by=None,
        comment=f"Requisition {requisition.number} ended",
    )
    _chains_open_rows_end(pending, ContentType.objects.get_for_model(Requisition).pk, requisition.pk, timezone.now())


def _chains_open_rows_end(chain_ids: list[int], artifact_type_id: int, artifact_id: int, now: Any) -> None:
    """The open steps and assignments of these chains cancelled; the open approval processes of the artifact, with
    their open tasks, canceled and finished `now`. As SQL text (identifiers from the models, values as parameters):
    the ORM's five statements cost several times what the database takes to run them. On PostgreSQL they are one
    statement (data-modifying WITHs); on SQLite the processes are read first, then each table written."""
    step, assignment, task, process = ApprovalStep._meta, ApprovalStepApprover._meta, Task._meta, Process._meta
    chain_steps, chain_params = sql_in_ids(f"s.{sql_column(step, 'chain')}", chain_ids)
    of_chains, _same = sql_in_ids(sql_column(step, "chain"), chain_ids)
    # The steps first, then every pending assignment of the chains' steps (whatever its step's status).
    steps_sql = (
        f"UPDATE {sql_table(step)} SET {sql_column(step, 'status')} = %s"  # noqa: S608
        f" WHERE {of_chains} AND {sql_column(step, 'status')} = %s"
    )
    steps_params = [StepStatus.CANCELLED, *chain_params, StepStatus.PENDING]
    assignments_sql = (
        f"UPDATE {sql_table(assignment)} SET {sql_column(assignment, 'status')} = %s"  # noqa: S608
        f" WHERE {sql_column(assignment, 'status')} = %s AND {sql_column(assignment, 'step')} IN"
        f" (SELECT s.{sql_column(step, 'pk')} FROM {sql_table(step)} s WHERE {chain_steps})"
    )
    assignments_params = [StepStatus.CANCELLED, StepStatus.PENDING, *chain_params]
    processes_sql = (
        f"SELECT {sql_column(process, 'pk')} AS process_id FROM {sql_table(process)}"  # noqa: S608
        f" WHERE {sql_column(process, 'artifact_content_type')} = %s"
        f" AND {sql_column(process, 'artifact_object_id')} = %s AND {sql_column(process, 'status')} = %s"
    )
    processes_params = [artifact_type_id, artifact_id, PROCESS.NEW.value]
    finished = sql_field(task, "finished").get_db_prep_save(now, connection)
    open_statuses = [status.value for status in OPEN_TASK_STATUSES]
    tasks_sql = (
        f"UPDATE {sql_table(task)} SET {sql_column(task, 'status')} = %s, {sql_column(task, 'finished')} = %s"  # noqa: S608
        f" WHERE {sql_column(task, 'process')} IN ({{processes}}) AND {sql_column(task, 'status')} IN (%s, %s, %s)"
    )
    process_sql = (
        f"UPDATE {sql_table(process)} SET {sql_column(process, 'status')} = %s,"  # noqa: S608
        f" {sql_column(process, 'finished')} = %s WHERE {sql_column(process, 'pk')} IN ({{processes}})"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            parts: list[str] = []
            params: list[Any] = []
            if chain_ids:
                parts += [f"steps AS ({steps_sql})", f"assignments AS ({assignments_sql})"]
                params += [*steps_params, *assignments_params]
            found = "SELECT process_id FROM processes"
            parts += [f"processes AS ({processes_sql})", f"tasks AS ({tasks_sql.format(processes=found)})"]
            params += [*processes_params, STATUS.CANCELED.value, finished, *open_statuses]
            cursor.execute(
                f"WITH {', '.join(parts)} {process_sql.format(processes=found)}",
                [*params, PROCESS.CANCELED.value, finished],
            )
            return
        if chain_ids:
            cursor.execute(steps_sql, steps_params)
            cursor.execute(assignments_sql, assignments_params)
        cursor.execute(processes_sql, processes_params)
        process_ids = [pk for (pk,) in cursor.fetchall()]
        if not process_ids:
            return
        listed = ", ".join(["%s"] * len(process_ids))
        cursor.execute(
            tasks_sql.format(processes=listed), [STATUS.CANCELED.value, finished, *process_ids, *open_statuses]
        )
        cursor.execute(process_sql.format(processes=listed), [PROCESS.CANCELED.value, finished, *process_ids])


OPEN_TASK_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


@transaction.atomic
def delegation_create(
    *, employee: Employee, delegate: Employee, starts_on: Any, ends_on: Any, comment: str = ""
) -> Any:
    """Hand one's approvals to a colleague for a date range; open tasks move at once if it has begun."""
    if delegate.pk == employee.pk:
        raise ApprovalError(
            _("Pick someone else to decide while you are away."), code=ApprovalErrorCode.INVALID_DELEGATE
        )
    if ends_on < starts_on:
        raise ApprovalError(_("The absence ends before it starts."), code=ApprovalErrorCode.INVALID_DATES)
    if not delegate.legal_entities.filter(pk__in=employee.legal_entities.values("pk")).exists():
        raise ApprovalError(
            _("%(display_name)s works for none of your legal entities.") % {"display_name": delegate.display_name},
            code=ApprovalErrorCode.INVALID_DELEGATE,
        )
    if Delegation.objects.filter(employee=employee, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ApprovalError(
            _("You already have a delegation in those days."), code=ApprovalErrorCode.OVERLAPPING_DELEGATION
        )
    delegation = Delegation.objects.create(
        employee=employee, delegate=delegate, starts_on=starts_on, ends_on=ends_on, comment=comment[:200]
    )
    delegations_apply(skip_locked=False)
    return delegation


@transaction.atomic
def delegation_delete(*, delegation: Any, by: Employee) -> None:
    if delegation.employee_id != by.pk:
        raise TaskNotYours(_("Only the absent approver may end their delegation."))
    delegation.delete()
    delegations_apply(skip_locked=False)
