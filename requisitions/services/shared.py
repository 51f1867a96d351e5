"""What every write of a requisition shares: the row lock, who may change it, the event row, the totals."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Employee
from procurement.money import convert_minor, decimal_text, total_minor
from procurement.selectors import exchange_rate_get
from procurement.sql import (
    sql_column,
    sql_field,
    sql_insert,
    sql_insert_statement,
    sql_inserted,
    sql_table,
    sql_update_and_insert,
)
from procurement.taxes import EntityTaxCodes, entity_tax_codes_from

from ..errors import NotRequester, RequisitionNotEditable
from ..lock_objects import requisition_select_for_update_for_line_add, requisition_select_for_update_for_writes
from ..models import Requisition, RequisitionEvent, RequisitionLine

LINE_BATCH = 1000


@dataclass
class _HeldWrites:
    """What `requisition_writes_together` keeps: change-log rows in order, and per requisition the fields to save."""

    events: list[RequisitionEvent] = field(default_factory=list)
    saves: dict[int, tuple[Requisition, set[str]]] = field(default_factory=dict)


_held_writes: ContextVar[_HeldWrites | None] = ContextVar("requisition_held_writes", default=None)


@contextmanager
def requisition_writes_together() -> Iterator[None]:
    """Inside the block, requisitions' status saves and change-log rows are kept, and written when it ends without
    an error: each requisition's row in one UPDATE, the rows in one INSERT, in the order they were recorded.

    For a flow that changes one requisition several times in one transaction: a final approval records the
    decision, `approved`, the orders made and `ordered` (4 inserts and 2 updates written as 1 and 1). Use it inside
    the transaction; inside the block the requisition objects hold the truth, the database has their rows as the
    block found them (`_lock` writes what was kept before it reads). An error out of the block writes nothing (the
    transaction is rolled back anyway); a savepoint rolled back and caught inside it does not take back what was kept
    meanwhile, so do not catch a requisition's failed move inside the block. A nested block leaves the writing to the
    outer one."""
    if _held_writes.get() is not None:
        yield
        return
    held = _HeldWrites()
    token = _held_writes.set(held)
    try:
        yield
    finally:
        _held_writes.reset(token)
    _held_write(held)


def _held_write(held: _HeldWrites) -> None:
    """What the block kept, as `save(update_fields=…)` and `bulk_create` write it, built as text: one requisition's
    row and the change-log rows in one statement on PostgreSQL (`sql_update_and_insert`)."""
    saves = list(held.saves.values())
    events = list(held.events)
    held.saves.clear()
    held.events.clear()
    if len(saves) == 1:
        requisition, fields = saves[0]
        sql_update_and_insert(requisition, sorted(fields), events)
        return
    for requisition, fields in saves:
        sql_update_and_insert(requisition, sorted(fields), [])
    sql_insert(events)


def _save(requisition: Requisition, fields: list[str]) -> None:
    """Save these fields of the requisition now, or with the others when the `requisition_writes_together` block
    ends."""
    held = _held_writes.get()
    if held is None:
        requisition.save(update_fields=fields)
        return
    _earlier, earlier_fields = held.saves.get(requisition.pk, (requisition, set()))
    held.saves[requisition.pk] = (requisition, earlier_fields | set(fields))


def _save_with_event(requisition: Requisition, fields: list[str], event: RequisitionEvent) -> None:
    """`_save` and the change-log row `event` (made by `_event_row`): kept by a `requisition_writes_together` block,
    else written now, in one statement on PostgreSQL (`sql_update_and_insert`)."""
    held = _held_writes.get()
    if held is None:
        sql_update_and_insert(requisition, fields, [event])
        return
    _save(requisition, fields)
    held.events.append(event)


def _event(
    requisition: Requisition,
    by: Employee | None,
    kind: str,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
) -> RequisitionEvent:
    """A row of the requisition's change log, written now or (in a `requisition_writes_together` block) when the
    block ends."""
    event = _event_row(requisition, by, kind, comment=comment, data=data, from_status=from_status, to_status=to_status)
    held = _held_writes.get()
    if held is None:
        sql_insert([event])  # as `save` writes it, built as text
    else:
        held.events.append(event)
    return event


def _event_to_write_now(event: RequisitionEvent) -> bool:
    """Whether `event` (made by `_event_row`) is the caller's to write now, in a statement of its own making: yes
    unless a `requisition_writes_together` block already keeps change-log rows recorded before it; then the block
    keeps it after them (the rows stay in the order they were recorded) and writes it when it ends."""
    held = _held_writes.get()
    if held is None or not held.events:
        return True
    held.events.append(event)
    return False


def _event_row(
    requisition: Requisition,
    by: Employee | None,
    kind: str,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
) -> RequisitionEvent:
    """The event `_event` writes, not written yet."""
    return RequisitionEvent(
        requisition=requisition,
        actor=by.user if by else None,
        kind=kind,
        comment=comment,
        data=data or {},
        from_status=from_status,
        to_status=to_status,
    )


def _lock(requisition: Requisition) -> Requisition:
    """Re-read the requisition under a row lock: concurrent edits of one cart take turns. Its legal entity and
    requester (with the default cost centre) come along in the same read. In a `requisition_writes_together` block
    what it kept is written first, so the row read is the one the block made."""
    held = _held_writes.get()
    if held is not None and (held.saves or held.events):
        _held_write(held)
    return requisition_select_for_update_for_writes(requisition.pk)


def _lock_for_line_add(requisition: Requisition) -> tuple[Requisition, int, EntityTaxCodes]:
    """`_lock`, with the next line number and the entity's tax codes read in the same query."""
    held = requisition_select_for_update_for_line_add(requisition.pk)
    codes = entity_tax_codes_from(legal_entity=held.legal_entity, codes=held.tax_codes_json)  # type: ignore[attr-defined]
    return held, held.top_line_number + 1, codes  # type: ignore[attr-defined]


def _check_requester(requisition: Requisition, by: Employee) -> None:
    if by.pk not in (requisition.requester_id, requisition.on_behalf_of_id):
        raise NotRequester(_("Only the requester may change this requisition."))


def _check_editable(requisition: Requisition, by: Employee) -> None:
    _check_requester(requisition, by)
    if not requisition.is_editable:
        raise RequisitionNotEditable(
            _("%(number)s is %(status)s: it can be changed only while it is a draft or has been returned to you.")
            % {"number": requisition.number, "status": requisition.get_status_display().lower()}
        )


TOTALS_FIELDS = ["total_minor", "total_rates", "line_count"]


def _refresh_totals(requisition: Requisition) -> None:
    """The total is the sum of the line totals, added per currency in minor units; each other currency's sum
    is converted once at the stored rate of the day (`convert_minor`) and the rate recorded in `total_rates`.
    A currency without a stored rate leaves the total unknown (None) and is recorded with rate None."""
    sums = (
        requisition.lines.order_by()
        .values("currency")
        .annotate(sum_minor=Sum("total_minor"), lines=Count("pk"))
        .values_list("currency", "sum_minor", "lines")
    )
    _totals_set(requisition, list(sums))
    requisition.save(update_fields=[*TOTALS_FIELDS, "updated_at"])


def _totals_of_lines(requisition: Requisition, lines: Iterable[RequisitionLine]) -> None:
    """`_refresh_totals` from lines read already, on the instance only: the caller saves them with its own update."""
    sums: dict[str, list[int]] = {}
    for line in lines:
        counted = sums.setdefault(line.currency, [0, 0])
        counted[0] += line.total_minor or 0
        counted[1] += 1
    _totals_set(requisition, [(currency, amount, count) for currency, (amount, count) in sums.items()])


def _totals_set(requisition: Requisition, sums: list[tuple[str, int | None, int]]) -> None:
    """The totals from each currency's (currency, sum of line totals, number of lines), set on the instance."""
    per_currency = {currency: amount for currency, amount, _lines in sums}
    parts: list[int] = []
    rates: dict[str, str | None] = {}
    known = True
    for currency, amount in sorted(per_currency.items()):
        if currency == requisition.currency:
            parts.append(amount or 0)
            continue
        rate = exchange_rate_get(from_currency=currency, to_currency=requisition.currency)
        rates[currency] = None if rate is None else decimal_text(rate)
        if rate is None:
            known = False
            continue
        parts.append(convert_minor(amount or 0, from_currency=currency, to_currency=requisition.currency, rate=rate))
    requisition.total_minor = total_minor(parts) if known else None
    requisition.total_rates = rates
    requisition.line_count = sum(lines for _currency, _amount, lines in sums)


def _adds_to_totals(requisition: Requisition, line: RequisitionLine) -> bool:
    """A line in the requisition's currency, on totals made only of that currency (no rate in them), adds its total
    and 1 to the count; any other line makes the totals computed again (`_refresh_totals`)."""
    return requisition.total_minor is not None and not requisition.total_rates and line.currency == requisition.currency


def _line_write(requisition: Requisition, line: RequisitionLine, event: RequisitionEvent) -> None:
    """Write one new line of the locked `requisition` with its event, and move the totals. On PostgreSQL, a line that
    adds to the totals (`_adds_to_totals`) is written in one statement: the line's and the event's INSERTs in a
    data-modifying WITH of the totals' UPDATE. Otherwise: the line, the event, then the totals (`_line_added`).
    Each INSERT as `procurement.sql.sql_insert_statement` writes it (what `save` writes, built as text)."""
    if connection.vendor != "postgresql" or not _adds_to_totals(requisition, line):
        sql_insert([line])
        sql_insert([event])
        _line_added(requisition, line)
        return
    line_sql, line_params = sql_insert_statement([line])
    event_sql, event_params = sql_insert_statement([event])
    move_sql, move_params = _totals_move_sql(requisition, line)
    sql = (
        f"WITH new_line AS ({line_sql}), new_event AS ({event_sql}) "  # noqa: S608  (Django's own INSERTs, bound)
        f"{move_sql} RETURNING (SELECT id FROM new_line), (SELECT id FROM new_event)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*line_params, *event_params, *move_params))
        line_id, event_id = cursor.fetchone()
    sql_inserted(line, line_id)
    sql_inserted(event, event_id)
    requisition.total_minor = total_minor([requisition.total_minor or 0, line.total_minor])
    requisition.line_count += 1


def _totals_move_sql(requisition: Requisition, line: RequisitionLine) -> tuple[str, tuple[Any, ...]]:
    """The UPDATE that moves the totals of `requisition` by one new `line` (`_adds_to_totals`), and its parameters;
    sets `requisition.updated_at`. SQL text: Django's update with F() expressions took ten times as long to build as
    to run."""
    meta = Requisition._meta
    requisition.updated_at = timezone.now()
    total, count, updated = (sql_column(meta, name) for name in ("total_minor", "line_count", "updated_at"))
    return (
        f"UPDATE {sql_table(meta)} SET {total} = {total} + %s, {count} = {count} + 1, {updated} = %s "  # noqa: S608
        f"WHERE {sql_column(meta, 'pk')} = %s",
        (
            line.total_minor,
            sql_field(meta, "updated_at").get_db_prep_save(requisition.updated_at, connection),
            requisition.pk,
        ),
    )


def _line_added(requisition: Requisition, line: RequisitionLine) -> None:
    """One line was added to the locked `requisition`: its totals follow. A line in the requisition's currency, on
    totals made only of that currency (no rate in them), adds its total and 1 to the count in one update, without
    reading the lines again; otherwise the totals are refreshed (`_refresh_totals`)."""
    if not _adds_to_totals(requisition, line):
        _refresh_totals(requisition)
        return
    sql, params = _totals_move_sql(requisition, line)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    requisition.total_minor = total_minor([requisition.total_minor or 0, line.total_minor])
    requisition.line_count += 1


def _lines_changed(requisition: Requisition, by: Employee) -> None:
    """Lines were added, changed or removed (only while a draft or returned): the totals follow. No other app
    takes part: budgets and approvals look at the lines again when the requisition is submitted."""
    _refresh_totals(requisition)


def _next_line_number(requisition: Requisition) -> int:
    return (requisition.lines.aggregate(top=Max("line_number"))["top"] or 0) + 1
