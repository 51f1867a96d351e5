"""Cycle times and approver turnaround, read from the pre-computed rows (analytics.cycle_models, kept by
analytics.cycle_refresh): counts, medians and 90th percentiles per month, supplier, approver or stage.

Percentiles are nearest-rank, computed by the database over the selected rows (one indexed range of the entity's
months): of n durations in order, the median is the ⌈n/2⌉-th (the lower middle one of an even number) and the 90th
percentile the ⌈9n/10⌉-th, so each is a duration that happened, exact to the second, with integer arithmetic only.
"""

import contextlib
import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, Count, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from procurement.errors import ProcurementError
from procurement.models import Employee, LegalEntity, Role, Supplier
from procurement.web import employee_has_role
from requisitions.selectors import requisition_ids_of_entity

from .cycle_models import ApprovalTurnaround, RefreshMark, RequisitionCycle
from .cycle_refresh import MARK
from .error_codes import AnalyticsErrorCode

# The steps of a requisition, in order: (key, label, seconds column)
STEPS: Final = (
    ("approval", gettext_lazy("Submitted → approved"), "approval_seconds"),
    ("ordering", gettext_lazy("Approved → ordered"), "ordering_seconds"),
    ("first_delivery", gettext_lazy("Ordered → first received"), "first_delivery_seconds"),
    ("last_delivery", gettext_lazy("Ordered → last received"), "last_delivery_seconds"),
    ("invoicing", gettext_lazy("Last received → invoiced"), "invoicing_seconds"),
    ("total", gettext_lazy("Submitted → invoiced"), "total_seconds"),
)
CYCLE_GROUPS: Final = ("month", "supplier")
TURNAROUND_GROUPS: Final = ("approver", "stage", "month")
MAX_MONTHS: Final = 36
DRILL_LIMIT: Final = 200
NO_SUPPLIER: Final = "-"


class CycleRequestInvalid(ProcurementError):
    code = AnalyticsErrorCode.INVALID_CYCLE_REQUEST


class CycleForbidden(ProcurementError):
    code = AnalyticsErrorCode.CYCLE_FORBIDDEN
    status = 403


CYCLE_ROLES = (Role.FINANCE, Role.ADMIN, Role.BUYER, Role.APPROVER)


def may_see_cycle_times(employee: Employee) -> bool:
    """Finance, administrators, buyers and approvers (the managers) see their entities' cycle times."""
    return employee_has_role(employee, *CYCLE_ROLES)


def cycle_access_check(employee: Employee) -> None:
    if not may_see_cycle_times(employee):
        raise CycleForbidden(_("Cycle times are for finance, buyers and approvers."))


@dataclass(frozen=True)
class CycleQuery:
    """What a page or API call asks for: months `first`..`last` (first days), a grouping, optional filters."""

    legal_entity: LegalEntity
    first: date
    last: date
    group_by: str
    supplier: Supplier | None = None
    month: date | None = None  # drill-down: one month's rows
    none_supplier: bool = False  # drill-down: the rows with no single supplier

    @property
    def months(self) -> list[date]:
        found, day = [], self.first
        while day <= self.last:
            found.append(day)
            day = _next_month(day)
        return found


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _parse_month(text: str, name: str) -> date:
    text = text.strip()
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        found = date(int(year), int(month), 1)
    except ValueError:
        raise CycleRequestInvalid(
            _("%(name)s is a month: YYYY-MM (%(value)s is not).") % {"name": name, "value": text[:20]}
        ) from None
    if not 2000 <= found.year <= 2100:
        raise CycleRequestInvalid(_("%(name)s must be a month between 2000 and 2100.") % {"name": name})
    return found


def cycle_query(
    *, legal_entity: LegalEntity, params: Mapping[str, str], groups: Sequence[str] = CYCLE_GROUPS
) -> CycleQuery:
    """The query the parameters ask for: `from`, `to` (YYYY-MM; default the twelve months to this one),
    `group_by` (the first of `groups` by default), `supplier` (a code), `month` (a drill-down into one month)."""
    today = timezone.localdate().replace(day=1)
    last = _parse_month(params["to"], "to") if params.get("to") else today
    if params.get("from"):
        first = _parse_month(params["from"], "from")
    else:
        first = date(last.year - 1 + (last.month == 12), last.month % 12 + 1, 1)
    if first > last:
        raise CycleRequestInvalid(_("from must not be after to."))
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise CycleRequestInvalid(_("Ask for at most %(count)s months at a time.") % {"count": MAX_MONTHS})
    group_by = (params.get("group_by") or groups[0]).strip()
    if group_by not in groups:
        raise CycleRequestInvalid(
            _("group_by is one of %(choices)s.") % {"choices": ", ".join(groups)},
        )
    supplier = None
    none_supplier = False
    code = (params.get("supplier") or "").strip()
    if code == NO_SUPPLIER:
        none_supplier = True
    elif code:
        supplier = Supplier.objects.filter(code__iexact=code[:40]).first()
        if supplier is None:
            raise CycleRequestInvalid(_("There is no supplier %(code)s.") % {"code": code[:40]})
    month = _parse_month(params["month"], "month") if params.get("month") else None
    return CycleQuery(legal_entity, first, last, group_by, supplier, month, none_supplier)


def hours_text(seconds: int | None) -> str | None:
    """A duration in hours to a tenth, rounded half up, as text ("36.5"); None for none."""
    if seconds is None:
        return None
    return str((Decimal(seconds) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def days_text(seconds: int | None) -> str | None:
    """A duration in days to a tenth, rounded half up, as text ("1.5"); None for none."""
    if seconds is None:
        return None
    return str((Decimal(seconds) / 86_400).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Figure:
    """How many durations, and their median and 90th percentile in seconds (None when there are none)."""

    count: int = 0
    median: int | None = None
    p90: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "median_seconds": self.median,
            "p90_seconds": self.p90,
            "median_hours": hours_text(self.median),
            "p90_hours": hours_text(self.p90),
            "median_days": days_text(self.median),
            "p90_days": days_text(self.p90),
        }


# PostgreSQL's percentile_disc(f) takes the ⌈f·n⌉-th value, computing f·n in floating point: 0.9 × 70 gives
# 63.00000000000001 there, whose ceiling is 64, not 63. One part in 10¹² less than 0.9 gives ⌈9n/10⌉ exactly for any
# n under 10⁹ (the error it adds stays under 10⁻³, below the 0.1 that separates 9n/10 from the next integer); 0.5 × n
# is exact in binary.
_P90_FRACTION: Final = 0.9 - 1e-12


CACHE_SECONDS: Final = 15 * 60


def _cached[T](parts: Any, compute: Callable[[], T]) -> T:
    """`compute()`, cached until the rows change: the key holds the last refresh's moment and `parts` (what is
    asked), so the first view after a refresh computes and the others read (a cache that is away only costs the
    computation)."""
    refreshed = RefreshMark.objects.filter(name=MARK).values_list("at", flat=True).first()
    if refreshed is None:
        return compute()
    key = "analytics:cycle:" + hashlib.sha256(repr((refreshed.isoformat(), parts)).encode()).hexdigest()
    found: T | None = None
    with contextlib.suppress(Exception):  # the cache is a shortcut: without it the figures are computed
        found = cache.get(key)
    if found is None:
        found = compute()
        with contextlib.suppress(Exception):
            cache.set(key, found, CACHE_SECONDS)
    return found


def _percentiles(**kwargs: Any) -> dict[tuple[Any, str], Figure]:
    return _cached(("figures", sorted(kwargs.items())), lambda: _figures_computed(**kwargs))


def _figures_computed(
    *, table: str, group_sql: str, columns: Sequence[str], where: str, params: list[Any]
) -> dict[tuple[Any, str], Figure]:
    """{(group, column): Figure} over the rows `where` selects, in one statement: on PostgreSQL one scan grouped, with
    the ordered-set aggregate percentile_disc per column (a sort of each group's values); elsewhere ranked by window
    functions. Only the code's own names are put into the text (columns, the table from _meta); values are bound."""
    found: dict[tuple[Any, str], dict[str, int]] = defaultdict(dict)
    if connection.vendor == "postgresql":
        aggregates = ", ".join(
            f"COUNT({c}), percentile_disc(0.5) WITHIN GROUP (ORDER BY {c}), "
            f"percentile_disc(%s) WITHIN GROUP (ORDER BY {c})"
            for c in columns
        )
        statement = "SELECT {g}, {a} FROM {t} WHERE {w} GROUP BY {g}"
        sql = statement.format(g=group_sql, a=aggregates, t=table, w=where)
        with connection.cursor() as cursor:
            cursor.execute(sql, [_P90_FRACTION] * len(columns) + params)
            for row in cursor.fetchall():
                for index, column in enumerate(columns):
                    n, median, p90 = row[1 + 3 * index : 4 + 3 * index]
                    if n:
                        found[(_group_key(row[0]), column)] = {"n": int(n), "median": int(median), "p90": int(p90)}
        return {key: Figure(f["n"], f["median"], f["p90"]) for key, f in found.items()}
    template = (
        "SELECT %s AS col, {g} AS grp, {c} AS v, ROW_NUMBER() OVER (PARTITION BY {g} ORDER BY {c}) AS rn, "
        "COUNT(*) OVER (PARTITION BY {g}) AS n FROM {t} WHERE {w} AND {c} IS NOT NULL"
    )
    parts, all_params = [], []
    for column in columns:
        parts.append(template.format(g=group_sql, c=column, t=table, w=where))
        all_params += [column, *params]
    outer = "SELECT col, grp, n, rn, v FROM ({}) ranked WHERE rn = (n + 1) / 2 OR rn = (9 * n + 9) / 10"
    with connection.cursor() as cursor:
        cursor.execute(outer.format(" UNION ALL ".join(parts)), all_params)
        for column, group, n, rank, value in cursor.fetchall():
            figure = found[(_group_key(group), column)]
            figure["n"] = int(n)
            if rank == (n + 1) // 2:
                figure["median"] = int(value)
            if rank == (9 * n + 9) // 10:
                figure["p90"] = int(value)
    return {key: Figure(f["n"], f.get("median"), f.get("p90")) for key, f in found.items()}


def _group_key(value: Any) -> Any:
    """A month as "YYYY-MM" whatever the database returns it as (a date, or text on SQLite); ids as they are."""
    if isinstance(value, date | datetime):
        return value.isoformat()[:7]
    if isinstance(value, str) and len(value) >= 7 and value[4] == "-":
        return value[:7]
    return value


def _where(query: CycleQuery, *, supplier: bool) -> tuple[str, list[Any]]:
    where = "legal_entity_id = %s AND month >= %s AND month <= %s"
    params: list[Any] = [query.legal_entity.pk, query.first, query.last]
    if supplier and query.supplier is not None:
        where += " AND supplier_id = %s"
        params.append(query.supplier.pk)
    elif supplier and query.none_supplier:
        where += " AND supplier_id IS NULL"
    return where, params


@dataclass
class CycleRow:
    """One bar group of the cycle times: a month ("2026-03") or a supplier (its code, "-" for none or several)."""

    key: str
    label: str
    requisitions: int = 0
    steps: dict[str, Figure] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "requisitions": self.requisitions,
            "steps": {key: self.steps.get(key, Figure()).as_dict() for key, _label, _column in STEPS},
        }


def cycle_times(query: CycleQuery) -> list[CycleRow]:
    """Counts, medians and 90th percentiles of each step, per month of submission (every month of the range, empty
    ones too) or per supplier (most requisitions first)."""
    table = connection.ops.quote_name(RequisitionCycle._meta.db_table)
    where, params = _where(query, supplier=True)
    group_sql = "month" if query.group_by == "month" else "supplier_id"
    figures = _percentiles(
        table=table, group_sql=group_sql, columns=[c for _k, _l, c in STEPS], where=where, params=params
    )
    selected = RequisitionCycle.objects.filter(
        legal_entity=query.legal_entity, month__gte=query.first, month__lte=query.last
    )
    if query.supplier is not None:
        selected = selected.filter(supplier=query.supplier)
    elif query.none_supplier:
        selected = selected.filter(supplier__isnull=True)
    if query.group_by == "month":
        counts = _cached(
            ("months", str(selected.query)),
            lambda: {
                _group_key(row["month"]): row["n"]
                for row in selected.order_by().values("month").annotate(n=Count("pk")).values("month", "n")
            },
        )
        rows = [CycleRow(m.isoformat()[:7], m.isoformat()[:7], counts.get(m.isoformat()[:7], 0)) for m in query.months]
    else:
        counts = _cached(
            ("suppliers", str(selected.query)),
            lambda: {
                row["supplier_id"]: row["n"]
                for row in selected.order_by().values("supplier_id").annotate(n=Count("pk")).values("supplier_id", "n")
            },
        )
        suppliers = {s.pk: s for s in Supplier.objects.filter(pk__in=[pk for pk in counts if pk is not None])}
        order = sorted(counts, key=lambda pk: (-counts[pk], suppliers[pk].code if pk in suppliers else "~"))
        rows = [
            CycleRow(
                suppliers[pk].code if pk is not None else NO_SUPPLIER,
                suppliers[pk].name if pk is not None else _("No single supplier"),
                counts[pk],
            )
            for pk in order
        ]
        keyed = {row.key: pk for row, pk in zip(rows, order, strict=True)}
    for row in rows:
        group = row.key if query.group_by == "month" else keyed[row.key]
        row.steps = {key: figures.get((group, column), Figure()) for key, _label, column in STEPS}
    return rows


def cycle_requisitions(query: CycleQuery, *, limit: int = DRILL_LIMIT) -> tuple[list[RequisitionCycle], int]:
    """The requisitions behind a bar: `query.month` and/or the supplier filter; the first `limit` by submission,
    and how many there are in all."""
    selected = RequisitionCycle.objects.filter(
        legal_entity=query.legal_entity, month__gte=query.first, month__lte=query.last
    )
    if query.month is not None:
        selected = selected.filter(month=query.month)
    if query.supplier is not None:
        selected = selected.filter(supplier=query.supplier)
    elif query.none_supplier:
        selected = selected.filter(supplier__isnull=True)
    rows = list(selected.select_related("requisition", "supplier").order_by("submitted_at", "pk")[:limit])
    return rows, selected.count()


@dataclass
class TurnaroundRow:
    """One approver (or stage, or month): their decisions' turnaround, and their open tasks' ages."""

    key: str
    label: str
    decisions: Figure = field(default_factory=Figure)
    open_tasks: int = 0
    open_oldest_seconds: int | None = None
    open_median_seconds: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "decisions": self.decisions.as_dict(),
            "open_tasks": self.open_tasks,
            "open_oldest_seconds": self.open_oldest_seconds,
            "open_oldest_hours": hours_text(self.open_oldest_seconds),
            "open_median_seconds": self.open_median_seconds,
            "open_median_hours": hours_text(self.open_median_seconds),
        }


def _employee_label(employee: Employee) -> str:
    return employee.display_name


def approver_turnaround(query: CycleQuery, *, now: datetime | None = None) -> list[TurnaroundRow]:
    """Per approver (who decided: the delegate when a delegate did), per stage name or per month of decision:
    the decisions' count, median and 90th percentile from task to decision; per approver also the open approval
    tasks of the entity they hold now, with the oldest one's age and the median age (at `now`)."""
    table = connection.ops.quote_name(ApprovalTurnaround._meta.db_table)
    where, params = _where(query, supplier=False)
    group_sql = {"approver": "approver_id", "stage": "stage", "month": "month"}[query.group_by]
    figures = _percentiles(table=table, group_sql=group_sql, columns=["seconds"], where=where, params=params)
    rows: dict[Any, TurnaroundRow] = {}
    if query.group_by == "month":
        for m in query.months:
            rows[m.isoformat()[:7]] = TurnaroundRow(m.isoformat()[:7], m.isoformat()[:7])
    elif query.group_by == "stage":
        for (group, _column), _figure in sorted(figures.items(), key=lambda item: str(item[0][0])):
            rows[group] = TurnaroundRow(str(group), str(group))
    open_ages: dict[int, list[int]] = defaultdict(list)
    if query.group_by == "approver":
        moment = now or timezone.now()
        for employee_id, created in _open_tasks(query.legal_entity):
            open_ages[employee_id].append(int((moment - created).total_seconds()))
        ids = {group for group, _column in figures} | set(open_ages)
        people = Employee.objects.select_related("user").filter(pk__in=ids)
        for person in sorted(people, key=lambda p: (p.user.last_name, p.user.first_name, p.user.username)):
            rows[person.pk] = TurnaroundRow(person.user.username, _employee_label(person))
    for (group, _column), figure in figures.items():
        if group in rows:
            rows[group].decisions = figure
    for employee_id, ages in open_ages.items():
        if employee_id in rows:
            ages.sort()
            row = rows[employee_id]
            row.open_tasks, row.open_oldest_seconds = len(ages), ages[-1]
            row.open_median_seconds = ages[(len(ages) + 1) // 2 - 1]
    return list(rows.values())


def _open_tasks(legal_entity: LegalEntity) -> list[tuple[int, datetime]]:
    """(employee id, created) of each open approval task of the entity's requisitions and invoices."""
    # As the inbox filters by entity: the requisition's id (or an invoice's entity) sits in the process's data.
    processes = Process.objects.annotate(
        requisition_id=Cast(KT("data__requisition"), BigIntegerField()),
        entity_id=Cast(KT("data__legal_entity"), BigIntegerField()),
    ).filter(
        Q(requisition_id__in=requisition_ids_of_entity(legal_entity_id=legal_entity.pk)) | Q(entity_id=legal_entity.pk)
    )
    tasks = Task.objects.filter(
        flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED, process__in=processes.values("pk")
    ).values_list("owner_id", "created")
    found = list(tasks)
    employees = dict(Employee.objects.filter(user_id__in={owner for owner, _c in found}).values_list("user_id", "pk"))
    return [(employees[owner], created) for owner, created in found if owner in employees]


def approval_decisions(query: CycleQuery, *, approver: Employee | None, limit: int = DRILL_LIMIT) -> Any:
    """The decisions behind an approver's bar (or every one of the range), newest first."""
    selected = ApprovalTurnaround.objects.filter(
        legal_entity=query.legal_entity, month__gte=query.first, month__lte=query.last
    )
    if approver is not None:
        selected = selected.filter(approver=approver)
    if query.month is not None:
        selected = selected.filter(month=query.month)
    return list(selected.select_related("requisition").order_by("-decided_at", "-pk")[:limit]), selected.count()
