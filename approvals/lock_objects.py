"""Row locks of approvals, in one place; several rows are always locked in primary-key order."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from viewflow.workflow.models import Process, Task

from procurement.models import Employee, LegalEntity
from procurement.sql import SqlModelRow, sql_column, sql_table
from requisitions.models import Requisition

from .models import ApprovalChain, ApprovalProcess, ApprovalStep, ApprovalStepApprover, PurchasingRule, StepStatus


def purchasing_rules_qs_select_for_update() -> QuerySet[PurchasingRule]:
    return PurchasingRule.objects.select_for_update().order_by("pk")


def approval_step_approvers_qs_select_for_update() -> QuerySet[ApprovalStepApprover]:
    """The assignment, its step and its chain locked, with the invoice the chain decides read along (not locked: an
    invoice's row is its own app's to lock). A requisition is not read here: PostgreSQL cannot lock the nullable
    side of an outer join, so the caller reads and locks a requisition's row itself (requisitions.lock_objects)."""
    return (
        ApprovalStepApprover.objects.select_for_update(of=("self", "step", "step__chain"))
        .select_related("step__chain__invoice")
        .order_by("pk")
    )


def approval_processes_qs_select_for_update(*, skip_locked: bool = False) -> QuerySet[ApprovalProcess]:
    """The process row is the lock of its flow, the one `ApprovalFlow.lock` (viewflow's select_for_update_lock)
    takes around a decision: whoever holds it is the only one deciding on or handing over that process's tasks.
    With `skip_locked` a row someone holds is left out instead of waited for. FOR NO KEY UPDATE: it still excludes
    the flow's lock (FOR UPDATE) and every other writer, but not the key-share lock of a transaction that writes a
    task of the process (its foreign key's check), which would otherwise make SKIP LOCKED leave the process out."""
    return ApprovalProcess._default_manager.select_for_update(skip_locked=skip_locked, no_key=True).order_by("pk")


# --- the decision's locked reads, as SQL text ---------------------------------------------------------------------
# Built by the ORM (four select_related levels, FOR UPDATE OF four tables, an EXISTS) the assignment's read cost about
# 4.5 ms of CPU to compile for well under 1 ms on the server; as text with the columns from `_meta` it costs what the
# rows cost to build. The rows, their locks and the instances made of them are the ORM's.

_TASK, _PROCESS = SqlModelRow(Task, "t"), SqlModelRow(Process, "p")
_ASSIGNMENT, _STEP, _CHAIN = (
    SqlModelRow(ApprovalStepApprover, "a"),
    SqlModelRow(ApprovalStep, "s"),
    SqlModelRow(ApprovalChain, "c"),
)
_REQUISITION, _ENTITY = SqlModelRow(Requisition, "r"), SqlModelRow(LegalEntity, "e")
_REQUESTER, _USER = SqlModelRow(Employee, "m"), SqlModelRow(get_user_model(), "u")


def _for_update_of(*aliases: str) -> str:
    """`FOR UPDATE OF …` where the database locks rows (not SQLite: a write locks the whole file)."""
    if not connection.features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {', '.join(aliases)}"


def approval_task_select_for_update_with_process(task_id: int) -> Any:
    """The task with its process, the process row locked (the lock of its flow, as `ApprovalFlow.lock` takes it:
    whoever holds it alone decides on or hands over the process's tasks), in one query; None when there is no such
    task."""
    task_meta, process_meta = Task._meta, Process._meta
    sql = (  # identifiers from the models, the id a parameter
        f"SELECT {_TASK.columns}, {_PROCESS.columns} FROM {sql_table(task_meta)} t"  # noqa: S608
        f" INNER JOIN {sql_table(process_meta)} p ON p.{sql_column(process_meta, 'pk')}"
        f" = t.{sql_column(task_meta, 'process')} WHERE t.{sql_column(task_meta, 'pk')} = %s{_for_update_of('p')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [task_id])
        row = cursor.fetchone()
    if row is None:
        return None
    task = _TASK.build(row)
    Task.process.field.set_cached_value(task, _PROCESS.build(row, _TASK.width))
    return task


def approval_assignment_select_for_update_with_requisition(pk: int, requisition_id: int) -> ApprovalStepApprover | None:
    """The assignment with its step and chain locked, the chain's requisition locked with its legal entity and
    requester (and the requester's user) read along, in one query; and `later_stages`: whether the chain has a
    pending stage besides the assignment's own. None when the assignment is not of that requisition's chain."""
    a, s, c, r = ApprovalStepApprover._meta, ApprovalStep._meta, ApprovalChain._meta, Requisition._meta
    e, m, u = LegalEntity._meta, Employee._meta, get_user_model()._meta
    step_pk, chain_pk = sql_column(s, "pk"), sql_column(c, "pk")
    sql = (  # identifiers from the models, values as parameters
        f"SELECT {_ASSIGNMENT.columns}, {_STEP.columns}, {_CHAIN.columns}, {_REQUISITION.columns},"  # noqa: S608
        f" {_ENTITY.columns}, {_REQUESTER.columns}, {_USER.columns},"
        f" EXISTS (SELECT 1 FROM {sql_table(s)} later WHERE later.{sql_column(s, 'chain')} = s.{sql_column(s, 'chain')}"
        f" AND later.{sql_column(s, 'status')} = %s AND later.{step_pk} <> s.{step_pk})"
        f" FROM {sql_table(a)} a"
        f" INNER JOIN {sql_table(s)} s ON s.{step_pk} = a.{sql_column(a, 'step')}"
        f" INNER JOIN {sql_table(c)} c ON c.{chain_pk} = s.{sql_column(s, 'chain')}"
        f" INNER JOIN {sql_table(r)} r ON r.{sql_column(r, 'pk')} = c.{sql_column(c, 'requisition')}"
        f" INNER JOIN {sql_table(e)} e ON e.{sql_column(e, 'pk')} = r.{sql_column(r, 'legal_entity')}"
        f" INNER JOIN {sql_table(m)} m ON m.{sql_column(m, 'pk')} = r.{sql_column(r, 'requester')}"
        f" INNER JOIN {sql_table(u)} u ON u.{sql_column(u, 'pk')} = m.{sql_column(m, 'user')}"
        f" WHERE a.{sql_column(a, 'pk')} = %s AND c.{sql_column(c, 'requisition')} = %s"
        f"{_for_update_of('a', 's', 'c', 'r')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [StepStatus.PENDING, pk, requisition_id])
        row = cursor.fetchone()
    if row is None:
        return None
    start = 0
    built = []
    for part in (_ASSIGNMENT, _STEP, _CHAIN, _REQUISITION, _ENTITY, _REQUESTER, _USER):
        built.append(part.build(row, start))
        start += part.width
    assignment, step, chain, requisition, entity, requester, user = built
    Employee.user.field.set_cached_value(requester, user)
    Employee.user.field.remote_field.set_cached_value(user, requester)  # one to one: both ways, as select_related
    Requisition.legal_entity.field.set_cached_value(requisition, entity)
    Requisition.requester.field.set_cached_value(requisition, requester)
    ApprovalChain.requisition.field.set_cached_value(chain, requisition)
    ApprovalStep.chain.field.set_cached_value(step, chain)
    ApprovalStepApprover.step.field.set_cached_value(assignment, step)
    assignment.later_stages = bool(row[start])
    return assignment
