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
from datetime import date
from typing import Any

from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from procurement.people import employee_ids_with_reports_sql

from ..flows import ApprovalFlow
from ..lock_objects import approval_processes_qs_select_for_update
from ..models import ApprovalChain, StepStatus
from .leavers import approval_delegations_end, leavers_tasks_move
from .moves import EVENT_DELEGATION_ENDED, EVENT_REROUTED, REASON_LEAVER, REASON_RULES, MoveContext
from .rules import chain_tail_reroute
from .work import ReroutedWork

__all__ = [
    "EVENT_DELEGATION_ENDED",
    "EVENT_REROUTED",
    "REASON_LEAVER",
    "REASON_RULES",
    "ReroutedWork",
    "approval_delegations_end",
    "approval_processes_affected",
    "approval_work_reroute",
]


def approval_processes_affected(*, employee_ids: Collection[int], leaver_ids: Collection[int] = ()) -> list[int]:
    """The open approval processes a change of these people may touch, in primary-key order: the pending chains of
    requisitions raised by them or by anyone below them, the chains where one of them is a pending approver, and
    the processes where one of them holds an open task. Three queries, whatever the number of people."""
    if not employee_ids:
        return []
    people = sorted(set(employee_ids))
    below, below_params = employee_ids_with_reports_sql(employee_ids=people)
    chains = set(
        ApprovalChain.objects.filter(status=ApprovalChain.Status.PENDING)
        .filter(
            Q(requisition__requester__in=RawSQL(below, below_params))  # noqa: S611 - identifiers, values as parameters
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
    context = MoveContext(
        by=by if getattr(by, "pk", None) else None,
        source=source,
        leavers=set(leaver_ids),
        today=today or timezone.localdate(),
    )
    for process_id in processes:
        _process_reroute(process_id, context, work)
    return work


def _process_reroute(process_id: int, context: MoveContext, work: ReroutedWork) -> None:
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
        chain_tail_reroute(process_id, chain, context, work)
    work.reassigned += leavers_tasks_move(process_id, chain, context)
