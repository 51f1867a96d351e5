"""Spend pre-aggregated and refreshed incrementally (docs/analytics.md, "Spend").

`SpendFact` holds one row per (legal entity, month, supplier, UNSPSC class, cost centre, requester, on contract) with
the requested, committed, actual and saved amounts in the entity's currency at the requisitions' stored rates. Pages
and the API read only these rows; the requisition lines are read by the refresh, one (entity, month) at a time:

- beat runs `spend_refresh` every minute: it reads the change logs written with every status move (requisition
  events, purchase order events, invoices' status audit events) from where the run before the last one stopped (a
  watermark per log: each row is read by two runs, so a write that committed after a later id is not missed), finds
  the requisitions they touch,
  recomputes the (entity, month) of each (its current one and the one it was counted in), and writes only the rows
  whose figures changed;
- `spend_refresh(full=True)` (`manage.py spend_refresh --full`) recomputes every month of every entity.

A month is recomputed from its lines in Python with the money rules of `procurement.money` (one conversion per line
at the requisition's stored rate, rounded once), on SQLite and PostgreSQL alike.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from invoices.models import InvoiceLine
from orders.models import PurchaseOrderEvent, PurchaseOrderLine
from procurement.models import AuditEvent, CatalogItem
from procurement.money import convert_minor, line_total_minor
from requisitions.models import Requisition, RequisitionEvent, RequisitionLine, RequisitionStatus
from sourcing.models import Award, QuoteLine

from .models import SpendCounted, SpendFact, SpendRollup, SpendWatermark

S = RequisitionStatus
# Approved and everything after: the company has agreed to spend it.
COMMITTED_STATUSES: Final = frozenset({S.APPROVED, S.ORDERED, S.RECEIVED, S.INVOICED, S.CLOSED})
# Asked for and not turned down: waiting for approval, or committed.
REQUESTED_STATUSES: Final = COMMITTED_STATUSES | {S.SUBMITTED, S.IN_APPROVAL}
INVOICE_STATUS_EVENT: Final = "invoices.invoice.status"
_LOCK: Final = "lock"

type FactKey = tuple[int | None, str, int | None, int, bool]  # supplier, class, cost centre, requester, on contract


def month_start(moment: datetime.datetime | None) -> datetime.date:
    """The first day of the month `moment` falls in, in the site's time zone."""
    assert moment is not None  # read from submitted requisitions only
    return timezone.localtime(moment).date().replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[first moment of the month, first moment of the next) in the site's time zone."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(month, datetime.time(), tzinfo=zone),
        datetime.datetime.combine(following, datetime.time(), tzinfo=zone),
    )


def unspsc_class(code: str) -> str:
    """The UNSPSC class of a code ("43211503" → "43211500"); empty for no or a malformed code."""
    code = (code or "").strip()
    if len(code) < 6 or not code[:6].isdigit():
        return ""
    return code[:6] + "00"


@dataclass
class Figures:
    requested: int = 0
    committed: int = 0
    actual: int = 0
    savings: int = 0
    lines: int = 0

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        return (self.requested, self.committed, self.actual, self.savings, self.lines)


@dataclass
class RefreshResult:
    months: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    rollups_written: int = 0
    requisitions: set[int] = field(default_factory=set)


def _converted(amount_minor: int, currency: str, to_currency: str, rates: dict[str, str | None]) -> int | None:
    """An amount in the requisition's currency at the rate stored with the requisition; None when none is."""
    if currency == to_currency:
        return amount_minor
    rate = (rates or {}).get(currency)
    if rate is None:
        return None
    return convert_minor(amount_minor, from_currency=currency, to_currency=to_currency, rate=Decimal(rate))


_CHUNK: Final = 2000  # ids per IN (…) list: SQLite's limit on bound values stays far away


def _chunks[T](values: list[T]) -> Iterable[list[T]]:
    for index in range(0, len(values), _CHUNK):
        yield values[index : index + _CHUNK]


def _month_lines(entity_id: int, month: datetime.date) -> list[tuple]:
    """The counted lines of the entity's requisitions submitted in the month, each with its requisition's status,
    currency, rates and person: the requisitions found by the entity's index, then their lines by theirs (no scan of
    every line)."""
    start, end = month_bounds(month)
    requisitions = {
        row[0]: row[1:]
        for row in Requisition.objects.filter(
            legal_entity_id=entity_id,
            status__in=REQUESTED_STATUSES,
            submitted_at__gte=start,
            submitted_at__lt=end,
            total_minor__isnull=False,
        )
        .order_by()
        .values_list("id", "status", "currency", "total_rates", "requester_id", "on_behalf_of_id")
    }
    lines: list[tuple] = []
    for chunk in _chunks(sorted(requisitions)):
        for row in (
            RequisitionLine.objects.filter(requisition_id__in=chunk)
            .order_by()
            .values_list(
                "id",
                "requisition_id",
                "supplier_id",
                "unspsc",
                "cost_centre_id",
                "contract_id",
                "catalog_item_id",
                "currency",
                "quantity",
                "price_basis_quantity",
                "total_minor",
            )
        ):
            lines.append((row[0], row[1], *requisitions[row[1]], *row[2:]))
    return lines


def _invoiced(line_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """What accepted invoices billed on the order lines made from each requisition line, per order currency."""
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for chunk in _chunks(line_ids):
        rows = (
            PurchaseOrderLine.objects.filter(requisition_line_id__in=chunk)
            .order_by()
            .values("requisition_line_id", "purchase_order__currency")
            .annotate(amount=Sum("invoiced_amount_minor"))
        )
        for row in rows:
            found[row["requisition_line_id"]].append((row["purchase_order__currency"], row["amount"] or 0))
    return found


def _reference_totals(lines: list[tuple]) -> dict[int, tuple[str, int]]:
    """Per committed line, what it would have cost without the negotiation (docs: "Savings"), in the line's currency:
    an awarded line at the highest unit price quoted for its request line in the same currency; else a line on a
    contract at its catalog item's base price."""
    committed = [line for line in lines if line[2] in COMMITTED_STATUSES]
    found: dict[int, tuple[str, int]] = {}
    awards = {
        row["requisition_line_id"]: row
        for chunk in _chunks([line[0] for line in committed])
        for row in Award.objects.filter(requisition_line_id__in=chunk).values(
            "requisition_line_id", "quote_line__rfq_line_id"
        )
    }
    highest: dict[tuple[int, str], int] = {}
    if awards:
        for row in (
            QuoteLine.objects.filter(rfq_line_id__in={award["quote_line__rfq_line_id"] for award in awards.values()})
            .order_by()
            .values("rfq_line_id", "quote__currency")
            .annotate(highest=Max("unit_price_minor"))
        ):
            highest[(row["rfq_line_id"], row["quote__currency"])] = row["highest"]
    items = {
        item_id: (currency, price)
        for item_id, currency, price in CatalogItem.objects.filter(
            pk__in={line[11] for line in committed if line[10] and line[11]}
        ).values_list("id", "currency", "base_price_minor")
    }
    for line in committed:
        line_id, currency, quantity = line[0], line[12], line[13]
        award = awards.get(line_id)
        if award is not None:
            price = highest.get((award["quote_line__rfq_line_id"], currency))
            if price is not None:
                found[line_id] = (
                    currency,
                    line_total_minor(quantity=quantity, unit_price_minor=price, price_basis_quantity=line[14]),
                )
            continue
        if line[10] and line[11] in items and items[line[11]][0] == currency:
            found[line_id] = (currency, line_total_minor(quantity=quantity, unit_price_minor=items[line[11]][1]))
    return found


def spend_month_figures(entity_id: int, month: datetime.date) -> tuple[str, dict[FactKey, Figures], set[int]]:
    """The month's figures per key from its requisition lines; the entity's currency and the requisitions counted."""
    lines = _month_lines(entity_id, month)
    invoiced = _invoiced([line[0] for line in lines if line[2] in COMMITTED_STATUSES])
    references = _reference_totals(lines)
    figures: dict[FactKey, Figures] = defaultdict(Figures)
    counted: set[int] = set()
    currency = ""
    for line in lines:
        (line_id, requisition_id, status, req_currency, rates, requester, on_behalf, supplier) = line[:8]
        (unspsc, cost_centre, contract, _item, line_currency, _quantity, _basis, total) = line[8:]
        amount = _converted(total, line_currency, req_currency, rates)
        if amount is None:
            continue  # no stored rate: the requisition has no total either (docs/money.md)
        currency = req_currency
        counted.add(requisition_id)
        key: FactKey = (supplier, unspsc_class(unspsc), cost_centre, on_behalf or requester, contract is not None)
        row = figures[key]
        row.lines += 1
        row.requested += amount
        if status in COMMITTED_STATUSES:
            row.committed += amount
            for po_currency, billed in invoiced.get(line_id, ()):
                row.actual += _converted(billed, po_currency, req_currency, rates) or 0
            reference = references.get(line_id)
            if reference is not None:
                row.savings += (_converted(reference[1] - total, reference[0], req_currency, rates)) or 0
    return currency, figures, counted


FACT_KEY: Final = ("supplier_id", "unspsc_class", "cost_centre_id", "requester_id", "on_contract")
ROLLUP_KEY: Final = ("supplier_id", "unspsc_class", "on_contract")
_NUMBERS: Final = ("requested_minor", "committed_minor", "actual_minor", "savings_minor", "line_count")


def _rolled_up(figures: dict[FactKey, Figures]) -> dict[tuple, Figures]:
    """The month's figures per (supplier, class, on contract): the facts' summed over cost centres and people."""
    rolled: dict[tuple, Figures] = defaultdict(Figures)
    for (supplier, klass, _centre, _requester, on_contract), values in figures.items():
        row = rolled[(supplier, klass, on_contract)]
        row.requested += values.requested
        row.committed += values.committed
        row.actual += values.actual
        row.savings += values.savings
        row.lines += values.lines
    return rolled


def _write_month(
    model: type[SpendFact] | type[SpendRollup],
    key_fields: tuple[str, ...],
    *,
    entity_id: int,
    month: datetime.date,
    currency: str,
    figures: Mapping[tuple, Figures],
    now: datetime.datetime,
) -> tuple[int, int, int]:
    """Make the month's rows of `model` equal `figures`, writing only the rows that differ: (created, updated,
    deleted)."""
    existing: dict[tuple, SpendFact | SpendRollup] = {
        tuple(getattr(row, name) for name in key_fields): row
        for row in model.objects.filter(legal_entity_id=entity_id, month=month)
    }
    created: list = []
    changed: list = []
    for key, values in figures.items():
        row = existing.pop(key, None)
        numbers = values.as_tuple()
        if row is None:
            klass = key[key_fields.index("unspsc_class")]
            row = model(
                legal_entity_id=entity_id,
                month=month,
                unspsc_family=klass[:4] + "0000" if klass else "",
                unspsc_segment=klass[:2] + "000000" if klass else "",
                currency=currency,
                refreshed_at=now,
                **dict(zip(key_fields, key, strict=True)),
                **dict(zip(_NUMBERS, numbers, strict=True)),
            )
            created.append(row)
        elif numbers != tuple(getattr(row, name) for name in _NUMBERS) or row.currency != currency:
            for name, value in zip(_NUMBERS, numbers, strict=True):
                setattr(row, name, value)
            row.currency = currency
            row.refreshed_at = now
            changed.append(row)
    if existing:
        model.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    model.objects.bulk_create(created, batch_size=1000)
    model.objects.bulk_update(changed, [*_NUMBERS, "currency", "refreshed_at"], batch_size=500)
    return len(created), len(changed), len(existing)


def _recompute_month(entity_id: int, month: datetime.date, result: RefreshResult, now: datetime.datetime) -> set[int]:
    currency, figures, counted = spend_month_figures(entity_id, month)
    written = {"entity_id": entity_id, "month": month, "currency": currency, "now": now}
    created, updated, deleted = _write_month(SpendFact, FACT_KEY, figures=figures, **written)  # type: ignore[arg-type]
    rolled = _write_month(SpendRollup, ROLLUP_KEY, figures=_rolled_up(figures), **written)  # type: ignore[arg-type]
    result.months += 1
    result.created += created
    result.updated += updated
    result.deleted += deleted
    result.rollups_written += sum(rolled)
    return counted


def _touched(marks: dict[str, SpendWatermark]) -> tuple[set[int], dict[str, int]]:
    """The requisitions the change logs name above the watermarks of the run before the last (so a row that
    committed after a higher id was read is read in the next run), and the new watermarks."""
    touched: set[int] = set()
    highest: dict[str, int] = {}

    def read(source: str, rows: Iterable[tuple[int, int | str | None]]) -> set[str]:
        values: set[str] = set()
        top = marks[source].last_id
        for row_id, value in rows:
            top = max(top, row_id)
            if value is not None:
                values.add(str(value))
        highest[source] = top
        return values

    def window(source: str) -> Q:
        return Q(id__gt=marks[source].previous_id)

    touched |= {
        int(v)
        for v in read(
            "requisition_events",
            RequisitionEvent.objects.filter(window("requisition_events")).values_list("id", "requisition_id"),
        )
    }
    touched |= {
        int(v)
        for v in read(
            "order_events",
            PurchaseOrderEvent.objects.filter(window("order_events")).values_list(
                "id", "purchase_order__requisition_id"
            ),
        )
    }
    invoice_ids = read(
        "invoice_events",
        AuditEvent.objects.filter(window("invoice_events"), event_type=INVOICE_STATUS_EVENT).values_list(
            "id", "object_id"
        ),
    )
    invoice_pks = [int(value) for value in invoice_ids if value.isdigit()]
    if invoice_pks:
        touched |= set(
            InvoiceLine.objects.filter(invoice_id__in=invoice_pks, po_line__isnull=False)
            .values_list("po_line__purchase_order__requisition_id", flat=True)
            .distinct()
        )
    return touched, highest


SOURCES: Final = ("requisition_events", "order_events", "invoice_events")


def _source_maxima() -> dict[str, int]:
    return {
        "requisition_events": RequisitionEvent.objects.aggregate(top=Max("id"))["top"] or 0,
        "order_events": PurchaseOrderEvent.objects.aggregate(top=Max("id"))["top"] or 0,
        "invoice_events": AuditEvent.objects.filter(event_type=INVOICE_STATUS_EVENT).aggregate(top=Max("id"))["top"]
        or 0,
    }


def spend_refresh(*, full: bool = False) -> RefreshResult:
    """Bring the spend facts up to date: the months the changes since the last run touch, or every month (`full`).

    One run at a time (it locks the watermarks' row); nothing but the database is read, so the transaction holds no
    network I/O."""
    result = RefreshResult()
    now = timezone.now()
    with transaction.atomic():
        SpendWatermark.objects.get_or_create(source=_LOCK)
        for source in SOURCES:
            SpendWatermark.objects.get_or_create(source=source)
        lock = SpendWatermark.objects.select_for_update().get(source=_LOCK)
        marks = {mark.source: mark for mark in SpendWatermark.objects.filter(source__in=SOURCES)}
        if full:
            highest = _source_maxima()
            months = set(
                (entity, month_start(moment))
                for entity, moment in Requisition.objects.filter(submitted_at__isnull=False)
                .order_by()
                .values_list("legal_entity_id", "submitted_at")
                .iterator(chunk_size=5000)
            )
            months |= set(SpendFact.objects.order_by().values_list("legal_entity_id", "month").distinct())
            months |= set(SpendRollup.objects.order_by().values_list("legal_entity_id", "month").distinct())
            touched: set[int] | None = None
        else:
            touched, highest = _touched(marks)
            months = set()
            for entity, moment in Requisition.objects.filter(pk__in=touched, submitted_at__isnull=False).values_list(
                "legal_entity_id", "submitted_at"
            ):
                months.add((entity, month_start(moment)))
            months |= set(
                SpendCounted.objects.filter(requisition_id__in=touched).values_list("legal_entity_id", "month")
            )
        counted_now: dict[int, tuple[int, datetime.date]] = {}
        for entity, month in sorted(months):
            for requisition_id in _recompute_month(entity, month, result, now):
                counted_now[requisition_id] = (entity, month)
        _counted_write(counted_now, touched)
        result.requisitions = set(counted_now) if touched is None else touched
        for source in SOURCES:
            mark = marks[source]
            top = max(mark.last_id, highest.get(source, 0))
            mark.previous_id = top if full else mark.last_id
            mark.last_id = top
            mark.refreshed_at = now
        SpendWatermark.objects.bulk_update(list(marks.values()), ["previous_id", "last_id", "refreshed_at"])
        lock.refreshed_at = now
        lock.save(update_fields=["refreshed_at"])
    return result


def _counted_write(counted_now: dict[int, tuple[int, datetime.date]], touched: set[int] | None) -> None:
    """Where each requisition was counted: all of them after a full run, the touched ones after an incremental one."""
    if touched is None:
        SpendCounted.objects.all().delete()
        ids = sorted(counted_now)
    else:
        SpendCounted.objects.filter(requisition_id__in=touched).delete()
        ids = sorted(set(counted_now) & touched)
    SpendCounted.objects.bulk_create(
        [SpendCounted(requisition_id=pk, legal_entity_id=counted_now[pk][0], month=counted_now[pk][1]) for pk in ids],
        batch_size=2000,
    )


def spend_refreshed_at() -> datetime.datetime | None:
    """When the figures were last brought up to date."""
    mark = SpendWatermark.objects.filter(source=_LOCK).first()
    return mark.refreshed_at if mark else None
