"""The approver's inbox: every open approval task of an employee with what they need to decide it: a requisition
(its lines, what it holds on its budgets), or a supplier invoice on hold (what differs from the order, in the
match's plain words, from the chain's summary)."""

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db.models import BigIntegerField, F, Q
from django.db.models.fields.json import KT
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from procurement.models import Employee
from procurement.money import Money
from requisitions.models import Requisition, RequisitionLine
from requisitions.selectors import requisition_ids_of_entity, requisition_lines_first

from .decisions import actions
from .flows import ApprovalFlow
from .invoice_summary import InvoiceSummary
from .models import ApprovalChain, ApprovalStep, ApprovalStepApprover


class BudgetImpactRow(Protocol):
    """One budget a requisition holds part of, as the inbox shows it (budgets.selectors.budget_impacts reads it)."""

    @property
    def budget(self) -> str: ...
    @property
    def control(self) -> str: ...
    @property
    def this_requisition(self) -> Money: ...
    @property
    def available(self) -> Money:
        """Left after: with this requisition counted."""
        ...

    @property
    def left_now(self) -> Money:
        """Left without this requisition's pre-commitment."""
        ...


@dataclass(frozen=True)
class EarlierStep:
    """A step before the approver's own, with the decisions made on it (oldest first)."""

    position: int
    name: str
    status: str
    decisions: tuple[ApprovalStepApprover, ...]


@dataclass(frozen=True)
class InboxItem:
    task_id: int
    created: datetime
    requisition: Requisition | None  # None for an invoice's task
    total: Money | None
    step: ApprovalStep
    assignment: ApprovalStepApprover
    lines: list[RequisitionLine]
    earlier_steps: list["EarlierStep"]
    budget_impact: Sequence[BudgetImpactRow]
    chain: ApprovalChain | None = None
    invoice: InvoiceSummary | None = None  # set for an invoice's task

    @property
    def subject(self) -> str:
        return ApprovalChain.Subject.INVOICE if self.invoice is not None else ApprovalChain.Subject.REQUISITION

    @property
    def actions(self) -> list[dict[str, str]]:
        """The three decisions with their labels: Approve / Return / Reject, or Accept variance / Ask for a
        credit note / Reject invoice."""
        return actions(self.subject)

    @property
    def label(self) -> str:
        """The requisition's number, or "Invoice 123 (Supplier)"."""
        if self.requisition is not None:
            return self.requisition.number
        if self.invoice is None:
            return ""
        return _("Invoice %(number)s (%(supplier)s)") % {
            "number": self.invoice.number,
            "supplier": self.invoice.supplier_name,
        }


# Reads what each requisition holds on which budget: budgets.selectors.budget_impacts. Budgets is a sibling of
# approvals (neither imports the other), so the web edge that shows the inbox hands the reader in.
BudgetImpactReader = Callable[..., Mapping[int, Sequence[BudgetImpactRow]]]


# The inbox counts up to this many tasks and says "10,000+" beyond: a count that reads at most this many entries
# of the open-tasks index, whatever the size of the task table.
INBOX_COUNT_CAP = 10_000


@dataclass(frozen=True)
class InboxCursor:
    """Where a page of the inbox ends: the last task's creation time and id (keyset pagination; the next page
    starts after it in the same order, whatever was added or decided in between)."""

    created: datetime
    task_id: int

    @property
    def token(self) -> str:
        raw = f"{self.created.isoformat()}|{self.task_id}".encode()
        return urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str | None) -> "InboxCursor | None":
        """The cursor a `token` names; None when it is absent or not one of ours."""
        if not token or len(token) > 200:
            return None
        try:
            created, task_id = urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split("|")
            moment = datetime.fromisoformat(created)
            number = int(task_id)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            return None
        if moment.tzinfo is None or not 0 < number < 2**63:
            return None
        return cls(moment, number)


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    next_cursor: InboxCursor | None  # None on the last page


def _open_tasks(employee: Employee, legal_entity_id: int | None) -> Any:
    """The employee's open approval tasks. On PostgreSQL the partial index approval_task_open_by_owner
    (migration 0008: owner, flow task, created, id, with the task's data included, over assigned tasks only)
    answers it from the index alone, in the inbox's order."""
    tasks = Task.objects.filter(
        owner_id=employee.user_id, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
    ).order_by()
    if legal_entity_id is not None:
        # The requisition id sits in the process's JSON data: cast it to compare with ids (PostgreSQL is strict).
        # An invoice's process names its legal entity in its data.
        processes = Process.objects.annotate(
            requisition_id=Cast(KT("data__requisition"), BigIntegerField()),
            entity_id=Cast(KT("data__legal_entity"), BigIntegerField()),
        ).filter(
            Q(requisition_id__in=requisition_ids_of_entity(legal_entity_id=legal_entity_id))
            | Q(entity_id=legal_entity_id)
        )
        tasks = tasks.filter(process__in=processes.values("pk"))
    return tasks


def approval_inbox_count(*, employee: Employee, legal_entity_id: int | None = None, cap: int = INBOX_COUNT_CAP) -> int:
    """How many tasks wait for the employee, counted up to `cap`; cap + 1 means "more than cap" (one query that
    reads at most cap + 1 index entries)."""
    return int(_open_tasks(employee, legal_entity_id)[: cap + 1].count())


def approval_inbox(
    *,
    employee: Employee,
    order: str = "oldest",
    offset: int = 0,
    limit: int = 100,
    legal_entity_id: int | None = None,
    budget_impacts: BudgetImpactReader | None = None,
    cursor: InboxCursor | None = None,
) -> list[InboxItem]:
    """One page of the open tasks owned by the employee (approval_inbox_page without its cursor)."""
    return approval_inbox_page(
        employee=employee,
        order=order,
        offset=offset,
        limit=limit,
        legal_entity_id=legal_entity_id,
        budget_impacts=budget_impacts,
        cursor=cursor,
    ).items


def approval_inbox_page(
    *,
    employee: Employee,
    order: str = "oldest",
    offset: int = 0,
    limit: int = 100,
    legal_entity_id: int | None = None,
    budget_impacts: BudgetImpactReader | None = None,
    cursor: InboxCursor | None = None,
) -> InboxPage:
    """One page of the open tasks owned by the employee, in a constant number of queries: the tasks (from the
    open-tasks index), their assignments with step, chain and requisition, the earlier steps' decisions, the
    first lines, and what the budget reader reads.

    Oldest and newest order the whole inbox by creation (then id); "amount" orders the page. A `cursor` (the
    last task of the page before) starts the page after it without counting what came before (keyset);
    `offset` is the older way, kept for `?page=` links.
    """
    newest = order == "newest"
    tasks = _open_tasks(employee, legal_entity_id)
    if cursor is not None:
        after = (TupleLessThan if newest else TupleGreaterThan)(
            Tuple(F("created"), F("pk")), (cursor.created, cursor.task_id)
        )
        tasks = tasks.filter(after)
        offset = 0
    rows = list(
        tasks.order_by(*(("-created", "-pk") if newest else ("created", "pk"))).values_list("pk", "created", "data")[
            offset : offset + limit + 1
        ]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = InboxCursor(rows[-1][1], rows[-1][0]) if more and rows else None
    assignment_ids = [data.get("assignment") for _, _, data in rows]
    assignments = {
        a.pk: a
        for a in ApprovalStepApprover.objects.filter(pk__in=assignment_ids)
        .select_related(
            "step__rule", "step__chain__requisition__requester__user", "step__chain__requisition__legal_entity"
        )
        .order_by()
    }
    # The earlier steps of each chain, with the decisions made on them (what the inbox shows of the chain so far).
    # The earlier steps of each chain with the decisions made on them: what the inbox shows of the chain so far.
    chain_ids = {a.step.chain_id for a in assignments.values()}
    steps: dict[int, list[EarlierStep]] = {}
    if chain_ids:
        decisions: dict[int, list[ApprovalStepApprover]] = {}
        for decided in (
            ApprovalStepApprover.objects.filter(step__chain_id__in=chain_ids, decided_at__isnull=False)
            .select_related("approver__user")
            .order_by("id")
        ):
            decisions.setdefault(decided.step_id, []).append(decided)
        for step_id, chain_id, position, name, status in (
            ApprovalStep.objects.filter(chain_id__in=chain_ids)
            .order_by("chain_id", "position")
            .values_list("id", "chain_id", "position", "name", "status")
        ):
            steps.setdefault(chain_id, []).append(
                EarlierStep(position, name, status, tuple(decisions.get(step_id, ())))
            )
    requisition_ids = {a.step.chain.requisition_id for a in assignments.values() if a.step.chain.requisition_id}
    # The first five lines of each requisition: a summary, not the whole cart.
    lines = requisition_lines_first(requisition_ids=requisition_ids, count=5) if requisition_ids else {}
    impacts = budget_impacts(requisition_ids=requisition_ids) if budget_impacts and requisition_ids else {}
    items = []
    for task_id, created, data in rows:
        assignment = assignments.get(data.get("assignment"))
        if assignment is None:
            continue
        chain = assignment.step.chain
        requisition = chain.requisition
        invoice = InvoiceSummary.of(chain) if chain.is_invoice else None
        items.append(
            InboxItem(
                task_id=task_id,
                created=created,
                requisition=requisition,
                total=requisition.total if requisition is not None else invoice.total if invoice else None,
                step=assignment.step,
                assignment=assignment,
                lines=lines.get(requisition.pk, []) if requisition is not None else [],
                earlier_steps=[
                    s for s in steps.get(assignment.step.chain_id, []) if s.position < assignment.step.position
                ],
                # Budget impacts are a requisition's: an invoice's money reaches the budgets when it is approved.
                budget_impact=impacts.get(requisition.pk, []) if requisition is not None else [],
                chain=chain,
                invoice=invoice,
            )
        )
    if order == "amount":
        items.sort(key=_amount_first)
    return InboxPage(items, next_cursor)


def _amount_first(item: InboxItem) -> int:
    if item.requisition is not None:
        return -(item.requisition.total_minor or 0)
    return -item.step.chain.total_minor


def approval_open_task_id(
    *, employee: Employee, requisition_id: int | None = None, invoice_id: int | None = None
) -> int | None:
    """The id of the employee's open task on a requisition's (or an invoice's) chain, if they hold one."""
    tasks = Task.objects.filter(owner_id=employee.user_id, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
    if invoice_id is not None:
        tasks = tasks.filter(process__data__invoice=invoice_id)
    else:
        tasks = tasks.filter(process__data__requisition=requisition_id)
    return tasks.order_by("pk").values_list("pk", flat=True).first()
