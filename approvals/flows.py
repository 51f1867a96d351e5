"""The approval process on django-viewflow (unmodified): a fixed shape that loops over the stored stages.

start → gate ─next stage→ approve (one task per approver of the stage) → gate
            └approved, rejected or returned→ end

The chain itself is data (ApprovalStep rows resolved at submission); the flow only walks it. Decisions come from
our inbox, API and e-mail links through `approvals.services.approval_decide`, which records the decision on the
step and then completes the viewflow task under the process lock, handing the gate what it already read (a
`StageRoute`): the gate reads nothing again. When the stage is decided the gate, in one pass, cancels what is
still open of it, writes its own row, the next stage's approve tasks and their links in one insert each, and
tells the approvers once; or, at the end of the chain, finishes the process and hands the outcome to
`approvals.outcomes`. An approval that does not decide its stage (all-of, N-of-M) only completes its task.

Processes started on the earlier graph (start → check_stage → split_stage → approve → join_stage → route …)
go on: their open tasks are `approve` tasks, which now lead to the gate, and at most a waiting `join_stage`
task, which viewflow resolves as an Obsolete node and the gate cancels with the rest of the stage.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import DateField, F, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Edge
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes.start import StartHandleActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import task_finished
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.token import Token

from procurement.models import Employee
from procurement.sql import (
    SqlModelRow,
    sql_column,
    sql_field,
    sql_insert,
    sql_insert_statement,
    sql_inserted,
    sql_table,
)

from .models import ApprovalChain, ApprovalProcess, ApprovalStep, ApprovalStepApprover, Delegation, StepStatus
from .notifications import notify_stage_tasks
from .outcomes import approval_chain_finish

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
OUTCOME_OF_STEP: dict[str, str] = {
    StepStatus.REJECTED: ApprovalChain.Status.REJECTED,
    StepStatus.RETURNED: ApprovalChain.Status.RETURNED,
}


@dataclass
class StageRoute:
    """What the one who completes a task already knows, handed to the gate so it reads none of it again.

    `step` is the stage just decided on (its status settled) or None at the start; `decided` whether that stage
    is over; `last` the decision that ended it (the outcome's author and comment); `next_stage` the assignments
    of the next pending stage when the caller has them in hand (at submission), else the gate reads them;
    `requisition_locked` that the chain's requisition was read under its row lock."""

    chain: ApprovalChain
    step: ApprovalStep | None = None
    decided: bool = True
    last: ApprovalStepApprover | None = None
    next_stage: list[ApprovalStepApprover] | None = field(default=None)
    requisition_locked: bool = False

    @classmethod
    def read(cls, process: Any, task: Any = None) -> "StageRoute":
        """For a task completed by anyone else than approval_decide (none today): everything read back."""
        chain = ApprovalChain.objects.select_related("requisition__legal_entity", "requisition__requester__user").get(
            pk=process.data["chain"]
        )
        step = None
        if task is not None and task.data.get("step"):
            step = ApprovalStep.objects.get(pk=task.data["step"])
        return cls(chain=chain, step=step, decided=step is None or step.status != StepStatus.PENDING)


def approve_task_view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Approvers decide in our inbox, not in viewflow's generic views."""
    return redirect("approvals:inbox")


class ChainStartActivation(StartHandleActivation):
    """The process row is new: nobody else can see it before this transaction commits, so it is saved once and no
    lock is taken on it. It is written by `sql_insert` (the row `save` writes; no model has save signals here)."""

    route: StageRoute | None = None

    @Activation.status.super()
    def execute(self) -> None:
        sql_insert([self.process])
        self.complete()
        self.activate_next()

    @Activation.status.super()
    def complete(self) -> None:
        """Done; its row is written by the gate, in the one insert of the first stage's tasks."""
        self.task.finished = timezone.now()

    @Activation.status.super()
    def create_next(self) -> Iterator[Activation]:
        yield self.flow_task._next._create(self, self.task.token)


class ChainStart(flow.StartHandle):
    activation_class = ChainStartActivation


class ApproveActivation(ViewActivation):
    """An approver's task. Completing it goes on to the gate only when its stage is decided; then the gate writes it
    done in the one update that cancels what is left open of the stage."""

    route: StageRoute | None = None
    written_by_gate = False

    @Activation.status.super()
    def complete(self) -> None:
        if self.route is not None and self.route.decided and self.route.step is not None:
            self.task.finished = timezone.now()
            self.written_by_gate = True
            task_finished.send(sender=self.flow_class, process=self.process, task=self.task)
            return
        super().complete.original()

    @Activation.status.super()
    def create_next(self) -> Iterator[Activation]:
        if self.route is None:
            self.route = StageRoute.read(self.process, self.task)
        if self.route.decided:
            yield self.flow_task._next._create(self, self.task.token)


class ApproveTask(flow.View):
    activation_class = ApproveActivation


class StageGateActivation(Activation):
    """The gate's pass, done when it is created (see StageGate)."""

    def __init__(self, task: Any) -> None:
        super().__init__(task)
        self.next_activations: list[Activation] = []

    @classmethod
    def create(cls, flow_task: Any, prev_activation: Any, token: Any, data: Any = None, seed: Any = None) -> Any:
        route = getattr(prev_activation, "route", None) or StageRoute.read(prev_activation.process)
        return flow_task.pass_through(cls, prev_activation, route)

    @Activation.status.super()
    def create_next(self) -> Iterator[Activation]:
        yield from self.next_activations


class StageGate(flow.Join):
    """Decides where the chain goes once a stage is decided, in one pass and a constant number of queries.

    Rejected or returned: the process ends with that outcome. Approved (or at the start): the next pending stage's
    approve tasks are made, one per approver (or their delegate while they are away); with none left, the chain
    is approved and the process ends."""

    activation_class = StageGateActivation
    task_type = "JOIN"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stage: Any = None
        self._end: Any = None

    def Stage(self, node: Any) -> "StageGate":  # noqa: N802 - viewflow's naming
        self._stage = node
        return self

    def End(self, node: Any) -> "StageGate":  # noqa: N802 - viewflow's naming
        self._end = node
        return self

    def _resolve(self, cls: Any) -> None:
        super()._resolve(cls)
        self._stage = this.resolve(cls, self._stage)
        self._end = this.resolve(cls, self._end)

    def _outgoing(self) -> Iterator[Any]:
        yield Edge(src=self, dst=self._stage, edge_class="next")
        yield Edge(src=self, dst=self._end, edge_class="default")

    def pass_through(self, activation_class: Any, prev_activation: Any, route: StageRoute) -> StageGateActivation:
        process = prev_activation.process
        now = timezone.now()
        # The start task (ChainStartActivation) is written here with the others.
        unsaved = [prev_activation.task] if prev_activation.task.pk is None else []
        for task in unsaved:
            task.process = process
            task.flow_task_type = task.flow_task.task_type
            task.status = STATUS.DONE
        # The stage is over: what is still open of it (the other approvers' tasks, a waiting join of the earlier
        # graph) ends here, in one update, which also writes the decided task done (ApproveActivation.complete). On
        # PostgreSQL that update goes with the gate's insert (`_gate_write`).
        close: tuple[str, list[Any]] | None = None
        if route.step is not None:
            done = prev_activation.task if getattr(prev_activation, "written_by_gate", False) else None
            if done is None:
                Task.objects.filter(process_id=process.pk, status__in=OPEN).update(status=STATUS.CANCELED, finished=now)
            else:
                done.finished = now
                close = _stage_tasks_close_statement(process_id=process.pk, done=done, now=now)
                if connection.vendor != "postgresql" or unsaved:
                    _execute(*close)
                    close = None
        gate = Task(
            process=process,
            flow_task=self,
            flow_task_type=self.task_type,
            status=STATUS.DONE,
            created=now,
            started=now,
            finished=now,
            token=Token("start"),
            data={"step": route.step.pk} if route.step is not None else {},
        )
        outcome = OUTCOME_OF_STEP.get(route.step.status) if route.step is not None else None
        stage: list[ApprovalStepApprover] = []
        if outcome is None:
            stage = route.next_stage if route.next_stage is not None else next_stage(route.chain.pk)
            if not stage:
                outcome = ApprovalChain.Status.APPROVED
        if outcome is not None:
            end = Task(
                process=process,
                flow_task=self._end,
                flow_task_type=self._end.task_type,
                status=STATUS.DONE,
                created=now,
                started=now,
                finished=now,
                token=Token("start"),
            )
            _gate_write(unsaved, gate, [end], prev_activation.task, before=close, process_done=(process.pk, now))
            process.status, process.finished = PROCESS.DONE, now
            approval_chain_finish(
                chain=route.chain, outcome=outcome, last=route.last, requisition_locked=route.requisition_locked
            )
            return activation_class(gate)
        owners = stage_owners(route.chain, stage)
        tasks = [
            Task(
                process=process,
                flow_task=self._stage,
                flow_task_type=self._stage.task_type,
                status=STATUS.ASSIGNED,
                owner=owners[assignment.pk],
                created=now,
                token=Token(f"start/{assignment.step_id}_{n}"),
                data={"step": assignment.step_id, "assignment": assignment.pk},
            )
            for n, assignment in enumerate(stage, 1)
        ]
        _gate_write(unsaved, gate, tasks, prev_activation.task, before=close)
        notify_stage_tasks(chain=route.chain, tasks=tasks, assignments=stage)
        activation = activation_class(gate)
        activation.next_activations = [self._stage.activation_class(task) for task in tasks]
        return activation


def _gate_write(
    unsaved: list[Any],
    gate: Any,
    after: list[Any],
    previous: Any,
    *,
    before: tuple[str, list[Any]] | None,
    process_done: tuple[int, Any] | None = None,
) -> None:
    """The gate's rows: the start task still `unsaved` (at the start), the gate's own and the tasks `after` it (the
    next stage's, or the end), new, in one insert; the gate follows `previous` (the task completed) and each task
    after it follows the gate (viewflow's `previous` links, in one insert). `before` is an update to run first (the
    stage's close); `process_done` the process finished (its id, the time).

    On PostgreSQL, when there is no start task to write, all of it is one statement: the updates and the links in
    data-modifying WITHs of the insert, the links made from the inserted ids (the gate's the smallest, as it is the
    insert's first row). Elsewhere one statement each."""
    done = _process_done_statement(*process_done) if process_done is not None else None
    rows = [*unsaved, gate, *after]
    if connection.vendor != "postgresql" or unsaved:
        if before is not None:
            _execute(*before)
        sql_insert(rows)
        _links([(gate, previous), *((task, gate) for task in after)])
        if done is not None:
            _execute(*done)
        return
    updates = [update for update in (before, done) if update is not None]
    through = Task.previous.through._meta
    insert_sql, insert_params = sql_insert_statement(rows)
    task_pk = sql_column(Task._meta, "pk")
    # identifiers from the models, values as parameters
    parts = [f"update_{n} AS ({sql})" for n, (sql, _params) in enumerate(updates)]
    params = [param for _sql, update_params in updates for param in update_params]
    gate = f"(SELECT MIN({task_pk}) AS id FROM new_tasks)"  # noqa: S608
    link_columns = f"{sql_column(through, 'from_task')}, {sql_column(through, 'to_task')}"
    parts += [
        f"new_tasks AS ({insert_sql})",
        f"links AS (INSERT INTO {sql_table(through)} ({link_columns})"  # noqa: S608
        f" SELECT g.id, %s FROM {gate} g UNION ALL SELECT n.{task_pk}, g.id FROM new_tasks n, {gate} g"
        f" WHERE n.{task_pk} > g.id ORDER BY 1)",
    ]
    params += [*insert_params, previous.pk]
    sql = f"WITH {', '.join(parts)} SELECT {task_pk} FROM new_tasks ORDER BY {task_pk}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for (pk,) in cursor.fetchall()]
    for row, pk in zip(rows, ids, strict=True):
        sql_inserted(row, pk)


def _execute(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _stage_tasks_close_statement(*, process_id: int, done: Any, now: Any) -> tuple[str, list[Any]]:
    """The UPDATE of the process's tasks, and its parameters: `done` (the decided approve task, started and finished)
    DONE, what else is open CANCELED. As SQL: the ORM's CASE expressions cost more to build than the statement they
    save."""
    meta = Task._meta
    qn = connection.ops.quote_name
    started = meta.get_field("started")
    pk, status, column = qn(meta.pk.column), qn(meta.get_field("status").column), qn(started.column)
    return (  # identifiers from the model, values as parameters
        f"UPDATE {qn(meta.db_table)} SET {status} = CASE WHEN {pk} = %s THEN %s ELSE %s END, "  # noqa: S608
        f"{column} = CASE WHEN {pk} = %s THEN %s ELSE {column} END, {qn(meta.get_field('finished').column)} = %s "
        f"WHERE {qn(meta.get_field('process').column)} = %s AND ({pk} = %s OR {status} IN (%s, %s, %s))",
        [
            done.pk,
            STATUS.DONE.value,
            STATUS.CANCELED.value,
            done.pk,
            started.get_db_prep_save(done.started, connection),
            started.get_db_prep_save(now, connection),
            process_id,
            done.pk,
            *(open_status.value for open_status in OPEN),
        ],
    )


def _links(pairs: list[tuple[Any, Any]]) -> None:
    """viewflow's task links (`previous`), all in one insert."""
    through = Task.previous.through
    sql_insert([through(from_task_id=task.pk, to_task_id=previous.pk) for task, previous in pairs])


def _process_done_statement(process_id: int, now: Any) -> tuple[str, list[Any]]:
    """The UPDATE of the process row, DONE and finished, and its parameters: as SQL text (the ORM's UPDATE costs more
    to build than to run)."""
    meta = Process._meta
    finished = sql_field(meta, "finished")
    return (  # identifiers from the model, values as parameters
        f"UPDATE {sql_table(meta)} SET {sql_column(meta, 'status')} = %s, {sql_column(meta, 'finished')} = %s"  # noqa: S608
        f" WHERE {sql_column(meta, 'pk')} = %s",
        [PROCESS.DONE.value, finished.get_db_prep_save(now, connection), process_id],
    )


def next_stage(chain_id: int) -> list[ApprovalStepApprover]:
    """The pending assignments of the chain's first pending stage, with the stage, the people and the delegate of
    anyone away today (`away_delegate_id`), in one query. As SQL text (columns from the models' `_meta`, values as
    parameters): built by the ORM, its select_related and subqueries cost more to compile than the query takes."""
    a, s, m, u, d = (
        ApprovalStepApprover._meta,
        ApprovalStep._meta,
        Employee._meta,
        get_user_model()._meta,
        Delegation._meta,
    )
    today = DateField().get_db_prep_value(timezone.localdate(), connection)
    sql = (  # identifiers from the models, values as parameters
        f"SELECT {_ASSIGNMENT.columns}, {_STEP.columns}, {_APPROVER.columns}, {_USER.columns},"  # noqa: S608
        f" (SELECT d.{sql_column(d, 'delegate')} FROM {sql_table(d)} d"
        f" WHERE d.{sql_column(d, 'employee')} = a.{sql_column(a, 'approver')} AND d.{sql_column(d, 'starts_on')} <= %s"
        f" AND d.{sql_column(d, 'ends_on')} >= %s"
        f" ORDER BY d.{sql_column(d, 'created_at')} DESC, d.{sql_column(d, 'pk')} DESC LIMIT 1)"
        f" FROM {sql_table(a)} a"
        f" INNER JOIN {sql_table(s)} s ON s.{sql_column(s, 'pk')} = a.{sql_column(a, 'step')}"
        f" INNER JOIN {sql_table(m)} m ON m.{sql_column(m, 'pk')} = a.{sql_column(a, 'approver')}"
        f" INNER JOIN {sql_table(u)} u ON u.{sql_column(u, 'pk')} = m.{sql_column(m, 'user')}"
        f" WHERE a.{sql_column(a, 'status')} = %s AND a.{sql_column(a, 'step')} = ("
        f"SELECT f.{sql_column(s, 'pk')} FROM {sql_table(s)} f WHERE f.{sql_column(s, 'chain')} = %s"
        f" AND f.{sql_column(s, 'status')} = %s ORDER BY f.{sql_column(s, 'position')} LIMIT 1)"
        f" ORDER BY a.{sql_column(a, 'pk')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [today, today, StepStatus.PENDING, chain_id, StepStatus.PENDING])
        rows = cursor.fetchall()
    stage = []
    for row in rows:
        assignment = _ASSIGNMENT.build(row)
        start = _ASSIGNMENT.width
        step = _STEP.build(row, start)
        start += _STEP.width
        approver = _APPROVER.build(row, start)
        start += _APPROVER.width
        user = _USER.build(row, start)
        Employee.user.field.set_cached_value(approver, user)
        Employee.user.field.remote_field.set_cached_value(user, approver)  # one to one: both ways, as select_related
        ApprovalStepApprover.step.field.set_cached_value(assignment, step)
        ApprovalStepApprover.approver.field.set_cached_value(assignment, approver)
        assignment.away_delegate_id = row[start + _USER.width]
        stage.append(assignment)
    return stage


_ASSIGNMENT, _STEP = SqlModelRow(ApprovalStepApprover, "a"), SqlModelRow(ApprovalStep, "s")
_APPROVER, _USER = SqlModelRow(Employee, "m"), SqlModelRow(get_user_model(), "u")


def _delegate_today(employee: Any) -> Subquery:
    """The delegate of `employee` today, the newest delegation winning (approvals.selectors.delegate_for)."""
    today = timezone.localdate()
    return Subquery(
        Delegation.objects.filter(employee_id=employee, starts_on__lte=today, ends_on__gte=today)
        .order_by("-created_at", "-pk")
        .values("delegate_id")[:1]
    )


def stage_owners(chain: ApprovalChain, stage: list[ApprovalStepApprover]) -> dict[int, Any]:
    """Who holds each assignment's task: the approver, or their delegate while they are away (never one barred
    from the chain). The delegates come with the stage (`next_stage`) or are read here in one query; those
    delegated are recorded in one update."""
    marks: dict[int, int | None]
    if stage and hasattr(stage[0], "away_delegate_id"):
        marks = {a.pk: getattr(a, "away_delegate_id") for a in stage}  # noqa: B009 - an annotation
    else:
        delegates = dict(
            Employee.objects.filter(pk__in=[a.approver_id for a in stage])
            .order_by()
            .annotate(away_delegate_id=_delegate_today(OuterRef("pk")))
            .values_list("pk", "away_delegate_id")
        )
        marks = {a.pk: delegates.get(a.approver_id) for a in stage}
    wanted = {pk for pk in marks.values() if pk is not None}
    people = Employee.objects.select_related("user").in_bulk(wanted) if wanted else {}
    owners: dict[int, Any] = {}
    delegated: list[int] = []
    for assignment in stage:
        mark = marks[assignment.pk]
        delegate = people.get(mark) if mark is not None else None
        if delegate is not None and not chain.barred(delegate):
            owners[assignment.pk] = delegate.user
            assignment.delegated_from = assignment.approver
            delegated.append(assignment.pk)
        else:
            owners[assignment.pk] = assignment.approver.user
    if delegated:
        ApprovalStepApprover.objects.filter(pk__in=delegated).update(delegated_from=F("approver"))
    return owners


class ApprovalFlow(flow.Flow):
    process_class = ApprovalProcess
    lock_impl = lock.select_for_update_lock

    start = ChainStart(this.start_process).Next(this.gate)
    gate = StageGate().Stage(this.approve).End(this.end)
    approve = ApproveTask(approve_task_view).Assign(this.task_owner).Next(this.gate)
    end = flow.End()

    def start_process(self, activation: Any, *, chain: ApprovalChain, route: StageRoute | None = None) -> Any:
        if chain.is_invoice:
            # The inbox filters an entity's tasks by this data without reading the invoices app's tables.
            activation.process.data = {
                "chain": chain.pk,
                "invoice": chain.invoice_id,
                "legal_entity": chain.subject_summary.get("legal_entity_id"),
            }
            activation.process.artifact = chain.invoice
        else:
            activation.process.data = {"chain": chain.pk, "requisition": chain.requisition_id}
            activation.process.artifact = chain.requisition
        activation.route = route or StageRoute(chain=chain)
        return activation.process

    def task_owner(self, activation: Any) -> Any:
        """An approve task made one at a time (viewflow's own paths) goes to its approver or their delegate."""
        assignment = ApprovalStepApprover.objects.select_related(
            "approver__user", "step__chain__requisition", "step__chain__invoice"
        ).get(pk=activation.task.data["assignment"])
        return stage_owners(assignment.step.chain, [assignment])[assignment.pk]
