"""The approver's inbox: every open approval task of an employee with what they need to decide it: a requisition
(its lines, what it holds on its budgets), or a supplier invoice on hold (what differs from the order, in the
match's plain words, from the chain's summary)."""

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from django.db.models import BigIntegerField, BooleanField, Expression, F, FilteredRelation, Func, IntegerField, Q
from django.db.models.fields.json import KT
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from procurement.models import Employee
from procurement.money import Money
from requisitions.models import RequisitionLine
from requisitions.selectors import requisition_ids_of_entity

from .decisions import actions
from .flows import ApprovalFlow
from .invoice_summary import InvoiceSummary
from .models import ApprovalChain, ApprovalStep, ApprovalStepApprover, StepStatus


class _IdIn(Func):
    """`column IN (ids)`, on PostgreSQL as `column = ANY(%s)` with the ids as one array parameter: psycopg caches
    its parsing of a statement of at most 50 parameters, and a page's 100 ids were 100 values to quote and
    splice into a statement parsed anew each time. SQLite keeps the IN list (it plans `IN (SELECT … FROM
    json_each(…))` as a scan of the table)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: Any) -> None:
        super().__init__(F(column))
        self.ids = sorted(ids)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", [*params, self.ids]
        return f"{column} IN ({', '.join(['%s'] * len(self.ids)) or 'NULL'})", [*params, *self.ids]


class _CappedCount(Expression):
    """`(SELECT COUNT(*) FROM (<the tasks> LIMIT cap + 1))`: the inbox's capped count as a column of the page's
    own query (uncorrelated: computed once, by PostgreSQL as an InitPlan), one round trip fewer a page."""

    output_field = IntegerField()

    def __init__(self, tasks: Any, cap: int) -> None:
        super().__init__()
        self.tasks = tasks.values("pk")[: cap + 1]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        inner, params = self.tasks.query.get_compiler(connection=connection).as_sql()
        # The inner SQL is Django's own compilation of the tasks query, its values passed as parameters.
        return f"(SELECT COUNT(*) FROM ({inner}) capped)", list(params)  # noqa: S608


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


class InboxUser(NamedTuple):
    username: str


class InboxPerson(NamedTuple):
    """An employee as the inbox shows them (a requester, an approver who decided)."""

    display_name: str
    user: InboxUser

    @classmethod
    def of(cls, username: str, first_name: str, last_name: str) -> "InboxPerson":
        # As Employee.display_name: the user's full name, else the username.
        return cls(f"{first_name} {last_name}".strip() or username, InboxUser(username))


class InboxEntity(NamedTuple):
    code: str


class InboxRule(NamedTuple):
    name: str


class InboxRequisition(NamedTuple):
    """The requisition of a task: the columns the inbox shows, with the attribute names of the model."""

    id: int
    number: str
    title: str
    justification: str
    line_count: int
    total_minor: int | None
    currency: str
    requester: InboxPerson
    legal_entity: InboxEntity

    @property
    def pk(self) -> int:
        return self.id

    @property
    def total(self) -> Money | None:
        return None if self.total_minor is None else Money.from_minor(self.total_minor, self.currency)


class InboxStep(NamedTuple):
    """The approver's own step."""

    id: int
    position: int
    name: str
    reason: str
    mode: str
    rule: InboxRule | None
    chain_id: int


class InboxSupplier(NamedTuple):
    code: str


class InboxLine(NamedTuple):
    """One of the first lines of a requisition, as the inbox shows it."""

    line_number: int
    description: str
    quantity: Decimal
    supplier: InboxSupplier | None
    total_minor: int
    currency: str

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)


_STEP_STATUS = dict(StepStatus.choices)


class InboxDecision(NamedTuple):
    """A decision made on an earlier step."""

    approver: InboxPerson
    status: str
    comment: str
    decided_at: datetime

    def get_status_display(self) -> str:
        return str(_STEP_STATUS.get(self.status, self.status))


@dataclass(frozen=True, slots=True)
class EarlierStep:
    """A step before the approver's own, with the decisions made on it (oldest first)."""

    position: int
    name: str
    status: str
    decisions: tuple[InboxDecision, ...]


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One open task, read as plain values (no model instances): what the inbox page, the API, the home page and
    the e-mail decision page show of it."""

    task_id: int
    created: datetime
    requisition: InboxRequisition | None  # None for an invoice's task
    total: Money | None
    step: InboxStep
    lines: list[InboxLine]
    earlier_steps: list[EarlierStep]
    budget_impact: Sequence[BudgetImpactRow]
    chain_id: int
    chain_total_minor: int
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
    # With count=True: the open tasks counted up to INBOX_COUNT_CAP, cap + 1 meaning more (approval_inbox_count).
    count: int | None = None


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
    count: bool = False,
) -> InboxPage:
    """One page of the open tasks owned by the employee, in a constant number of queries: the tasks (from the
    open-tasks index), their assignments with step, chain and requisition, the earlier steps' decisions, the
    first lines, and what the budget reader reads. With `count`, the page's query also counts the inbox (as
    approval_inbox_count; that query runs only when the page is empty).

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
    columns: tuple[Any, ...] = ("pk", "created", "data")
    if count:
        tasks = tasks.annotate(capped_count=_CappedCount(_open_tasks(employee, legal_entity_id), INBOX_COUNT_CAP))
        columns = (*columns, "capped_count")
    rows = list(
        tasks.order_by(*(("-created", "-pk") if newest else ("created", "pk"))).values_list(*columns)[
            offset : offset + limit + 1
        ]
    )
    counted = None
    if count:
        counted = rows[0][3] if rows else approval_inbox_count(employee=employee, legal_entity_id=legal_entity_id)
        rows = [row[:3] for row in rows]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = InboxCursor(rows[-1][1], rows[-1][0]) if more and rows else None
    assignment_ids = {data.get("assignment") for _, _, data in rows} - {None}
    # The assignments with their step, chain and requisition, as plain columns (one query, no model instances).
    assignments = (
        {
            row[0]: row
            for row in ApprovalStepApprover.objects.filter(_IdIn("pk", assignment_ids))
            .order_by()
            .values_list(*_ASSIGNMENT_COLUMNS)
        }
        if assignment_ids
        else {}
    )
    # The steps of each chain with the decisions made on them: what the inbox shows of the chain so far.
    chain_ids = {row[_CHAIN] for row in assignments.values()}
    steps: dict[int, list[tuple[int, int, str, str, tuple[InboxDecision, ...]]]] = {}
    if chain_ids:
        # Every step of the chains with the decisions made on it (a step without any comes once, with nulls).
        decided: dict[int, list[InboxDecision]] = {}
        for step_id, chain_id, position, name, status, username, first_name, last_name, done, comment, at in (
            ApprovalStep.objects.filter(_IdIn("chain_id", chain_ids))
            .annotate(decision=FilteredRelation("approvers", condition=Q(approvers__decided_at__isnull=False)))
            .order_by("chain_id", "position", "decision__id")
            .values_list(
                "id",
                "chain_id",
                "position",
                "name",
                "status",
                "decision__approver__user__username",
                "decision__approver__user__first_name",
                "decision__approver__user__last_name",
                "decision__status",
                "decision__comment",
                "decision__decided_at",
            )
        ):
            if step_id not in decided:
                decided[step_id] = []
                steps.setdefault(chain_id, []).append((step_id, position, name, status, ()))
            if at is not None:
                decided[step_id].append(
                    InboxDecision(InboxPerson.of(username, first_name, last_name), done, comment, at)
                )
        for chain_steps in steps.values():
            chain_steps[:] = [(i, p, n, s, tuple(decided[i])) for i, p, n, s, _ in chain_steps]
    requisition_ids = {row[_REQUISITION] for row in assignments.values() if row[_REQUISITION]}
    # The first five lines of each requisition: a summary, not the whole cart.
    lines: dict[int, list[InboxLine]] = {}
    if requisition_ids:
        for requisition_id, line_number, description, quantity, supplier_code, total_minor, currency in (
            RequisitionLine.objects.filter(_IdIn("requisition_id", requisition_ids), line_number__lte=5)
            .order_by("requisition_id", "line_number")
            .values_list(
                "requisition_id", "line_number", "description", "quantity", "supplier__code", "total_minor", "currency"
            )
        ):
            lines.setdefault(requisition_id, []).append(
                InboxLine(
                    line_number,
                    description,
                    quantity,
                    None if supplier_code is None else InboxSupplier(supplier_code),
                    total_minor,
                    currency,
                )
            )
    impacts = budget_impacts(requisition_ids=requisition_ids) if budget_impacts and requisition_ids else {}
    items = []
    for task_id, created, data in rows:
        row = assignments.get(data.get("assignment"))
        if row is None:
            continue
        (
            _id,
            step_id,
            position,
            step_name,
            reason,
            mode,
            rule_name,
            chain_id,
            requisition_id,
            invoice_id,
            chain_total_minor,
            chain_currency,
            subject_summary,
            number,
            title,
            justification,
            line_count,
            total_minor,
            currency,
            username,
            first_name,
            last_name,
            entity_code,
        ) = row
        requisition = (
            None
            if requisition_id is None
            else InboxRequisition(
                requisition_id,
                number,
                title,
                justification,
                line_count,
                total_minor,
                currency,
                InboxPerson.of(username, first_name, last_name),
                InboxEntity(entity_code),
            )
        )
        invoice = (
            InvoiceSummary.of(
                ApprovalChain(
                    id=chain_id, invoice_id=invoice_id, currency=chain_currency, subject_summary=subject_summary
                )
            )
            if invoice_id is not None
            else None
        )
        items.append(
            InboxItem(
                task_id=task_id,
                created=created,
                requisition=requisition,
                total=requisition.total if requisition is not None else invoice.total if invoice else None,
                step=InboxStep(
                    step_id,
                    position,
                    step_name,
                    reason,
                    mode,
                    None if rule_name is None else InboxRule(rule_name),
                    chain_id,
                ),
                lines=lines.get(requisition_id, []) if requisition_id is not None else [],
                earlier_steps=[EarlierStep(p, n, s, d) for _i, p, n, s, d in steps.get(chain_id, ()) if p < position],
                # Budget impacts are a requisition's: an invoice's money reaches the budgets when it is approved.
                budget_impact=impacts.get(requisition_id, []) if requisition_id is not None else [],
                chain_id=chain_id,
                chain_total_minor=chain_total_minor,
                invoice=invoice,
            )
        )
    if order == "amount":
        items.sort(key=_amount_first)
    return InboxPage(items, next_cursor, counted)


# What the inbox reads of an assignment, in this order (InboxStep, InboxRequisition, the chain's columns).
_ASSIGNMENT_COLUMNS = (
    "id",
    "step_id",
    "step__position",
    "step__name",
    "step__reason",
    "step__mode",
    "step__rule__name",
    "step__chain_id",
    "step__chain__requisition_id",
    "step__chain__invoice_id",
    "step__chain__total_minor",
    "step__chain__currency",
    "step__chain__subject_summary",
    "step__chain__requisition__number",
    "step__chain__requisition__title",
    "step__chain__requisition__justification",
    "step__chain__requisition__line_count",
    "step__chain__requisition__total_minor",
    "step__chain__requisition__currency",
    "step__chain__requisition__requester__user__username",
    "step__chain__requisition__requester__user__first_name",
    "step__chain__requisition__requester__user__last_name",
    "step__chain__requisition__legal_entity__code",
)
_CHAIN = _ASSIGNMENT_COLUMNS.index("step__chain_id")
_REQUISITION = _ASSIGNMENT_COLUMNS.index("step__chain__requisition_id")


def _amount_first(item: InboxItem) -> int:
    if item.requisition is not None:
        return -(item.requisition.total_minor or 0)
    return -item.chain_total_minor


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
