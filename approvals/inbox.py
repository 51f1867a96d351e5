"""The approver's inbox: every open approval task of an employee with what they need to decide it: a requisition
(its lines, what it holds on its budgets), or a supplier invoice on hold (what differs from the order, in the
match's plain words, from the chain's summary)."""

import binascii
import functools
import json
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import BigIntegerField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from procurement.models import Employee, LegalEntity, Supplier
from procurement.money import Money
from procurement.sql import sql_column, sql_prepared_cursor, sql_table
from requisitions.models import Requisition, RequisitionLine
from requisitions.selectors import requisition_ids_of_entity

from .decisions import actions
from .flows import ApprovalFlow
from .invoice_summary import InvoiceSummary
from .models import ApprovalChain, ApprovalStep, ApprovalStepApprover, PurchasingRule, StepStatus


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
class InboxPage[T]:
    items: list[T]
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
) -> InboxPage[InboxItem]:
    """One page of the open tasks owned by the employee, in one query plus what the budget reader reads: the tasks
    (from the open-tasks index) joined to their assignment, step, chain and requisition, with the first lines and
    the earlier steps' decisions as JSON arrays. With `count`, the same query counts the inbox (as
    approval_inbox_count), an empty page included.

    Oldest and newest order the whole inbox by creation (then id); "amount" orders the page. A `cursor` (the
    last task of the page before) starts the page after it without counting what came before (keyset);
    `offset` is the older way, kept for `?page=` links.
    """
    return approval_inbox_rows(
        employee=employee,
        order=order,
        offset=offset,
        limit=limit,
        legal_entity_id=legal_entity_id,
        budget_impacts=budget_impacts,
        cursor=cursor,
        count=count,
        build=inbox_item,
    )


# A row of the page's query (columns named in _COLUMN) and what the budget reader gave for the page.
type InboxRow = Sequence[Any]
type InboxImpacts = Mapping[int, Sequence[BudgetImpactRow]]


def approval_inbox_rows[T](
    *,
    employee: Employee,
    build: Callable[[InboxRow, InboxImpacts], T],
    order: str = "oldest",
    offset: int = 0,
    limit: int = 100,
    legal_entity_id: int | None = None,
    budget_impacts: BudgetImpactReader | None = None,
    cursor: InboxCursor | None = None,
    count: bool = False,
) -> InboxPage[T]:
    """approval_inbox_page with each item made by `build` from its row and the page's budget impacts: the API
    writes its JSON objects straight from the rows (approvals.serializers.inbox_api_result)."""
    newest = order == "newest"
    if cursor is not None:
        offset = 0
    entity_sql, entity_params = "", list[Any]()
    if legal_entity_id is not None:
        entity_sql, entity_params = _tasks_of_entity_sql(legal_entity_id)
    statement = _page_statement(
        connection.vendor, newest=newest, after=cursor is not None, count=count, entity_sql=entity_sql
    )
    task_filter = [employee.user_id, _approve_task_value()]
    params: list[Any] = [*task_filter, *entity_params]
    if cursor is not None:
        # As the ORM would: SQLite compares the text Django wrote (UTC, no offset).
        params += [connection.ops.adapt_datetimefield_value(cursor.created), cursor.task_id]
    params += [limit + 1, offset]
    if count:
        params += [*task_filter, *entity_params, INBOX_COUNT_CAP + 1]
    # PostgreSQL plans the page's statement once per connection (it took longer to plan than to run); the
    # entity-filtered page, rare, is planned each time.
    with sql_prepared_cursor() if not entity_sql else connection.cursor() as db:
        db.execute(statement, params)
        rows = db.fetchall()
    counted = None
    if count:
        counted = int(rows[0][-1])
        # The count comes on every row, and alone (with a null task) when the page is empty.
        rows = [row[:-1] for row in rows if row[0] is not None]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = InboxCursor(inbox_moment(rows[-1][1]), rows[-1][0]) if more and rows else None
    requisition_ids = {row[_COLUMN["requisition_id"]] for row in rows if row[_COLUMN["requisition_id"]]}
    impacts = budget_impacts(requisition_ids=requisition_ids) if budget_impacts and requisition_ids else {}
    shown = [row for row in rows if row[_COLUMN["assignment_id"]] is not None]  # no assignment: nothing to show
    if order == "amount":
        shown.sort(key=_row_amount_first)
    return InboxPage([build(row, impacts) for row in shown], next_cursor, counted)


# The columns of the page's query, in order (see _page_statement).
INBOX_COLUMNS = _COLUMN = {
    name: index
    for index, name in enumerate(
        (
            "task_id",
            "created",
            "assignment_id",
            "step_id",
            "position",
            "step_name",
            "reason",
            "mode",
            "rule_name",
            "chain_id",
            "requisition_id",
            "invoice_id",
            "chain_total_minor",
            "chain_currency",
            "subject_summary",
            "number",
            "title",
            "justification",
            "line_count",
            "total_minor",
            "currency",
            "username",
            "first_name",
            "last_name",
            "entity_code",
            "extras",  # one JSON array: [lines, earlier steps, decisions], each an array or null
        )
    )
}


def inbox_item(row: InboxRow, impacts: InboxImpacts) -> InboxItem:
    """One task of the page's query as the inbox shows it."""
    column = _COLUMN
    chain_id, requisition_id, invoice_id = (
        row[column["chain_id"]],
        row[column["requisition_id"]],
        row[column["invoice_id"]],
    )
    requisition = (
        None
        if requisition_id is None
        else InboxRequisition(
            requisition_id,
            row[column["number"]],
            row[column["title"]],
            row[column["justification"]],
            row[column["line_count"]],
            row[column["total_minor"]],
            row[column["currency"]],
            InboxPerson.of(row[column["username"]], row[column["first_name"]], row[column["last_name"]]),
            InboxEntity(row[column["entity_code"]]),
        )
    )
    invoice = None
    if invoice_id is not None:
        summary = row[column["subject_summary"]]
        invoice = InvoiceSummary.of(
            ApprovalChain(
                id=chain_id,
                invoice_id=invoice_id,
                currency=row[column["chain_currency"]],
                subject_summary=json.loads(summary) if isinstance(summary, str) else summary,
            )
        )
    lines_json, earlier_json, decisions_json = inbox_row_extras(row)
    # Lines and earlier steps come as JSON arrays, unordered (SQLite has no ORDER BY in an aggregate): sorted here.
    lines = [
        InboxLine(
            number,
            description,
            Decimal(quantity).quantize(LINE_QUANTITY_EXPONENT),
            None if supplier_code is None else InboxSupplier(supplier_code),
            total_minor,
            currency,
        )
        for number, description, quantity, supplier_code, total_minor, currency in sorted(lines_json)
    ]
    decided: dict[int, list[tuple[int, InboxDecision]]] = {}
    for step_id, decision_id, username, first_name, last_name, status, comment, at in decisions_json:
        decided.setdefault(step_id, []).append(
            (
                decision_id,
                InboxDecision(InboxPerson.of(username, first_name, last_name), status, comment, inbox_moment(at)),
            )
        )
    earlier_steps = [
        EarlierStep(position, name, status, tuple(decision for _id, decision in sorted(decided.get(step_id, ()))))
        for position, step_id, name, status in sorted(earlier_json)
    ]
    rule_name = row[column["rule_name"]]
    return InboxItem(
        task_id=row[column["task_id"]],
        created=inbox_moment(row[column["created"]]),
        requisition=requisition,
        total=requisition.total if requisition is not None else invoice.total if invoice else None,
        step=InboxStep(
            row[column["step_id"]],
            row[column["position"]],
            row[column["step_name"]],
            row[column["reason"]],
            row[column["mode"]],
            None if rule_name is None else InboxRule(rule_name),
            chain_id,
        ),
        lines=lines,
        earlier_steps=earlier_steps,
        # Budget impacts are a requisition's: an invoice's money reaches the budgets when it is approved.
        budget_impact=impacts.get(requisition_id, []) if requisition_id is not None else [],
        chain_id=chain_id,
        chain_total_minor=row[column["chain_total_minor"]],
        invoice=invoice,
    )


LINE_QUANTITY_EXPONENT = Decimal(1).scaleb(-RequisitionLine._meta.get_field("quantity").decimal_places)


# Decimals kept exact (a line's quantity); one decoder for every row (json.loads with parse_float makes a new one).
_DECODER = json.JSONDecoder(parse_float=Decimal)


def inbox_row_extras(row: Sequence[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """A row's first lines, earlier steps and their decisions: JSON arrays of the page's query, unordered (SQLite
    has no ORDER BY in an aggregate), each empty when it aggregated no row.

    A line: [line_number, description, quantity, supplier code or null, total_minor, currency]; an earlier step:
    [position, step_id, name, status]; a decision: [step_id, decision_id, username, first_name, last_name, status,
    comment, decided_at as ISO text]."""
    lines, earlier, decisions = _DECODER.decode(row[_COLUMN["extras"]])
    return lines or [], earlier or [], decisions or []


def inbox_moment(value: datetime | str) -> datetime:
    """A timestamp of the page's query: PostgreSQL gives datetimes, and ISO text inside JSON; SQLite gives text,
    in UTC without an offset (as Django writes it)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@functools.cache
def _approve_task_value() -> str:
    """The approve node as viewflow stores it in the task's flow_task column."""
    return str(Task._meta.get_field("flow_task").get_prep_value(ApprovalFlow.approve))


def _tasks_of_entity_sql(legal_entity_id: int) -> tuple[str, list[Any]]:
    """`AND <task's process> IN (…)` for the entity-filtered inbox: compiled by the ORM (the filter is rare and its
    process match is on JSON data)."""
    processes = Process.objects.annotate(
        requisition_id=Cast(KT("data__requisition"), BigIntegerField()),
        entity_id=Cast(KT("data__legal_entity"), BigIntegerField()),
    ).filter(
        Q(requisition_id__in=requisition_ids_of_entity(legal_entity_id=legal_entity_id)) | Q(entity_id=legal_entity_id)
    )
    sql, params = processes.values("pk").query.sql_with_params()
    return f" AND t.{_Names(Task).process} IN ({sql})", list(params)


class _Names:
    """Quoted names of a model for SQL text (procurement.sql): `{T}` its table, `{T.status}` a column."""

    def __init__(self, model: Any) -> None:
        self.meta = model._meta

    def __getattr__(self, name: str) -> str:
        return sql_column(self.meta, name)

    def __format__(self, spec: str) -> str:
        return sql_table(self.meta)


# The vendors' spellings of what the page's query does with JSON.
_JSON = {
    "postgresql": {
        "array": "json_build_array",
        "agg": "json_agg",
        "as_text": "::text",
        "nested": "",
        "nested_end": "",
        "assignment": "(t.{T.data} ->> 'assignment')::bigint",
        # Each page row's assignment by its primary key, whatever the planner estimates (a hash join read the
        # whole assignment table: 20,000 rows in the bench, 2.9 ms); OFFSET 0 keeps the subquery a lookup per row.
        "assignment_join": "LEFT JOIN LATERAL (SELECT a0.{A.pk}, a0.{A.step} FROM {A} a0"
        " WHERE a0.{A.pk} = page.assignment_id OFFSET 0) a ON TRUE",
    },
    "sqlite": {
        "array": "json_array",
        "agg": "json_group_array",
        "as_text": "",
        # A subquery's JSON reaches json_array as text: json() keeps it an array (NULL stays null).
        "nested": "json(",
        "nested_end": ")",
        "assignment": "json_extract(t.{T.data}, '$.assignment')",
        # SQLite has no LATERAL; it looks the assignment up by its primary key anyway.
        "assignment_join": "LEFT JOIN {A} a ON a.{A.pk} = page.assignment_id",
    },
}

# The page of tasks (from the open-tasks index: approval_task_open_by_owner on PostgreSQL) as a CTE, joined row by
# row to its assignment, step, chain and requisition; the first five lines of the requisition, the earlier steps of
# the chain and the decisions made on them as JSON arrays (correlated subqueries on their foreign-key indexes), the
# three in one JSON document per row (one decoding a row).
_PAGE_SQL = """
WITH page AS (
    SELECT t.{T.pk} AS task_id, t.{T.created} AS created, {assignment} AS assignment_id
    FROM {T} t
    WHERE {open_tasks}{keyset}
    ORDER BY t.{T.created} {direction}, t.{T.pk} {direction}
    LIMIT %s OFFSET %s
)
SELECT page.task_id, page.created, a.{A.pk}, s.{P.pk}, s.{P.position}, s.{P.name}, s.{P.reason}, s.{P.mode},
    r.{R.name}, c.{C.pk}, c.{C.requisition}, c.{C.invoice}, c.{C.total_minor}, c.{C.currency}, c.{C.subject_summary},
    q.{Q.number}, q.{Q.title}, q.{Q.justification}, q.{Q.line_count}, q.{Q.total_minor}, q.{Q.currency},
    u.{U.username}, u.{U.first_name}, u.{U.last_name}, le.{LE.code},
    {array}({nested}(SELECT {agg}({array}(l.{L.line_number}, l.{L.description}, l.{L.quantity}, sup.{S.code},
            l.{L.total_minor}, l.{L.currency}))
        FROM {L} l LEFT JOIN {S} sup ON sup.{S.pk} = l.{L.supplier}
        WHERE l.{L.requisition} = c.{C.requisition} AND l.{L.line_number} <= 5){nested_end},
    {nested}(SELECT {agg}({array}(es.{P.position}, es.{P.pk}, es.{P.name}, es.{P.status}))
        FROM {P} es WHERE es.{P.chain} = s.{P.chain} AND es.{P.position} < s.{P.position}){nested_end},
    {nested}(SELECT {agg}({array}(d.{A.step}, d.{A.pk}, du.{U.username}, du.{U.first_name}, du.{U.last_name},
            d.{A.status}, d.{A.comment}, d.{A.decided_at}))
        FROM {P} es JOIN {A} d ON d.{A.step} = es.{P.pk}
            JOIN {E} de ON de.{E.pk} = d.{A.approver} JOIN {U} du ON du.{U.pk} = de.{E.user}
        WHERE es.{P.chain} = s.{P.chain} AND es.{P.position} < s.{P.position} AND d.{A.decided_at} IS NOT NULL)
        {nested_end}){as_text}
    {counted_column}
FROM {page_relation}
    {assignment_join}
    LEFT JOIN {P} s ON s.{P.pk} = a.{A.step}
    LEFT JOIN {R} r ON r.{R.pk} = s.{P.rule}
    LEFT JOIN {C} c ON c.{C.pk} = s.{P.chain}
    LEFT JOIN {Q} q ON q.{Q.pk} = c.{C.requisition}
    LEFT JOIN {E} e ON e.{E.pk} = q.{Q.requester}
    LEFT JOIN {U} u ON u.{U.pk} = e.{E.user}
    LEFT JOIN {LE} le ON le.{LE.pk} = q.{Q.legal_entity}
ORDER BY page.created {direction}, page.task_id {direction}
"""

# With a count: the open tasks counted up to the cap as the first relation, so that an empty page still gives a row.
_COUNTED_SQL = "(SELECT COUNT(*) AS n FROM (SELECT 1 FROM {T} t WHERE {open_tasks} LIMIT %s) open_tasks) counted"


# viewflow's status of an open task as an SQL literal (a constant of the code, letters only: nothing to escape).
assert STATUS.ASSIGNED.value.isalpha()
_ASSIGNED_SQL = f"'{STATUS.ASSIGNED.value}'"


@functools.cache
def _page_statement(vendor: str, *, newest: bool, after: bool, count: bool, entity_sql: str) -> str:
    """The page's query as SQL text: Django's ORM took longer to build the four queries it replaces than the
    database took to run them. Names come from the models (procurement.sql), every value is a parameter but the
    open status (a constant, for the partial index), in this order: the task filter (owner, flow task), the cursor,
    limit and offset, then for `count` the task filter again and the cap + 1."""
    names = {
        "T": _Names(Task),
        "A": _Names(ApprovalStepApprover),
        "P": _Names(ApprovalStep),
        "R": _Names(PurchasingRule),
        "C": _Names(ApprovalChain),
        "Q": _Names(Requisition),
        "E": _Names(Employee),
        "U": _Names(User),
        "LE": _Names(LegalEntity),
        "L": _Names(RequisitionLine),
        "S": _Names(Supplier),
    }
    spelling = _JSON["postgresql" if vendor == "postgresql" else "sqlite"]
    # The status written in the text, not as a parameter: the open-tasks index is partial (status = 'ASSIGNED'),
    # and a prepared statement's generic plan can use it only if the statement says so itself.
    open_tasks = (
        "t.{T.owner} = %s AND t.{T.flow_task} = %s AND t.{T.status} = {assigned}".format(
            **names, assigned=_ASSIGNED_SQL
        )
        + entity_sql
    )
    keyset = " AND (t.{T.created}, t.{T.pk}) {op} (%s, %s)".format(**names, op="<" if newest else ">")
    sql = _PAGE_SQL.format(
        **names,
        array=spelling["array"],
        agg=spelling["agg"],
        as_text=spelling["as_text"],
        nested=spelling["nested"],
        nested_end=spelling["nested_end"],
        assignment=spelling["assignment"].format(**names),
        assignment_join=spelling["assignment_join"].format(**names),
        open_tasks=open_tasks,
        keyset=keyset if after else "",
        direction="DESC" if newest else "ASC",
        counted_column=", counted.n" if count else "",
        page_relation=(_COUNTED_SQL.format(**names, open_tasks=open_tasks) + " LEFT JOIN page ON 1 = 1")
        if count
        else "page",
    )
    return " ".join(sql.split())


def _row_amount_first(row: Sequence[Any]) -> int:
    """Largest first: a requisition's total (none counts as 0), else the chain's (an invoice's)."""
    if row[_COLUMN["requisition_id"]] is not None:
        return -(row[_COLUMN["total_minor"]] or 0)
    return -int(row[_COLUMN["chain_total_minor"]])


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
