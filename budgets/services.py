"""The funds check: pre-commit a requisition's amounts on every budget that covers them, under row locks,
and give them back on every way out (rejected, returned, withdrawn, cancelled).

Each function locks every budget it touches once (in primary-key order) and writes its entries in one go
through `budgets.ledger.ledger_write`, which moves the budgets' running balances in the same transaction;
the check reads those balances under the lock, so it costs the same at 3,000 or 3,000,000 entries."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import CostCentre
from procurement.money import Money, available_minor, convert_minor, rate_stored, split_minor
from procurement.selectors import exchange_rate_get
from procurement.sql import SqlModelRow, sql_column, sql_related, sql_table
from requisitions.errors import RequisitionError
from requisitions.models import Requisition, RequisitionEvent
from requisitions.selectors import requisition_lines_for_charges
from requisitions.services.lifecycle import requisition_budget_exception_set, requisition_event_record

from .error_codes import BudgetErrorCode
from .ledger import ledger_write
from .lock_objects import budgets_select_for_update
from .models import Budget, BudgetEntry
from .plans import MAX_AMOUNT as MAX_AMOUNT  # budget plans live in .plans; these names stay importable here
from .plans import BudgetInvalid as BudgetInvalid
from .plans import BudgetSpec as BudgetSpec
from .plans import budget_save as budget_save
from .plans import budget_spec_check as budget_spec_check


class BudgetExceeded(RequisitionError):
    code = BudgetErrorCode.BUDGET_EXCEEDED


@dataclass(frozen=True)
class Charge:
    """Part of a requisition charged to one cost centre: a line, or one split of it."""

    cost_centre_id: int
    gl_account: str
    unspsc: str
    amount_minor: int
    currency: str


def requisition_charges(*, requisition: Requisition) -> list[Charge]:
    charges = []
    for line in requisition_lines_for_charges(requisition=requisition):
        splits = list(line.splits.all())
        if not splits and line.cost_centre_id:
            charges.append(Charge(line.cost_centre_id, line.gl_account, line.unspsc, line.total_minor, line.currency))
        # Largest remainder: the splits of a line add up to its total exactly (docs/money.md).
        parts = split_minor(line.total_minor, [split.percent for split in splits])
        for split, part in zip(splits, parts, strict=True):
            charges.append(
                Charge(split.cost_centre_id, split.gl_account or line.gl_account, line.unspsc, part, line.currency)
            )
    return charges


def budgets_matching(*, requisition: Requisition, charges: list[Charge], on: date) -> list[tuple[Budget, Charge]]:
    """Every budget that covers each charge: all of them must have room (a yearly and a monthly one, say)."""
    return budgets_pairs(budgets_covering(requisition=requisition, charges=charges, on=on), charges)


def budgets_covering(*, requisition: Requisition, charges: list[Charge], on: date, lock: bool = False) -> list[Budget]:
    """The budgets (one query) that may cover these charges: of the requisition's entity, the charges' cost
    centres and the day, not control-free, in primary-key order. With `lock`, read under their row locks with their
    cost centres, in the same query (the statement and locks of
    `budgets_qs_select_for_update().select_related("cost_centre")`).

    SQL text (identifiers from the models, values as parameters), read into the instances the ORM made: its query
    took longer to build than to run on the submission's path."""
    if not charges:
        return []
    budget, centre = Budget._meta, CostCentre._meta
    cost_centres = sorted({c.cost_centre_id for c in charges})
    day = connection.ops.adapt_datefield_value(on)
    joined = lock
    columns = _BUDGET.columns + (f", {_COST_CENTRE.columns}" if joined else "")
    sql = (  # identifiers from the models, values as parameters
        f"SELECT {columns} FROM {sql_table(budget)} b"  # noqa: S608
        + (
            f" INNER JOIN {sql_table(centre)} c ON c.{sql_column(centre, 'pk')} = b.{sql_column(budget, 'cost_centre')}"
            if joined
            else ""
        )
        + f" WHERE b.{sql_column(budget, 'legal_entity')} = %s"
        f" AND b.{sql_column(budget, 'cost_centre')} IN ({', '.join(['%s'] * len(cost_centres))})"
        f" AND b.{sql_column(budget, 'period_start')} <= %s AND b.{sql_column(budget, 'period_end')} >= %s"
        f" AND NOT (b.{sql_column(budget, 'control')} = %s) ORDER BY b.{sql_column(budget, 'pk')} ASC"
        + (" FOR UPDATE" if lock and connection.features.has_select_for_update else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [requisition.legal_entity_id, *cost_centres, day, day, Budget.Control.NONE.value])
        rows = cursor.fetchall()
    budgets: list[Budget] = []
    for row in rows:
        found = _BUDGET.build(row)
        if joined:
            sql_related(found, "cost_centre", _COST_CENTRE.build(row, _BUDGET.width))
        budgets.append(found)
    return budgets


_BUDGET, _COST_CENTRE = SqlModelRow(Budget, "b"), SqlModelRow(CostCentre, "c")


def _budgets_held_and_covering(
    *, requisition: Requisition, charges: list[Charge], on: date
) -> tuple[list[dict[str, Any]], list[Budget]]:
    """In one read, under the budgets' row locks (primary-key order): what the requisition still holds per budget and
    currency (its pre-commitments less their releases), and the budgets covering the charges (`budgets_covering`).
    The budgets it holds are locked too, covering or not (another period, a control switched off since). Returns
    (held, covering).

    SQL text: the ORM cannot lock a budget joined to its grouped entries, and takes longer to build its two queries
    than the database takes to run this one (identifiers from the models, values as parameters)."""
    budget, entry = Budget._meta, BudgetEntry._meta
    bid = f"b.{sql_column(budget, 'pk')}"
    cost_centres = sorted({c.cost_centre_id for c in charges})
    covers = (
        f"b.{sql_column(budget, 'legal_entity')} = %s"
        f" AND b.{sql_column(budget, 'cost_centre')} IN ({', '.join(['%s'] * len(cost_centres))})"
        f" AND b.{sql_column(budget, 'period_start')} <= %s AND b.{sql_column(budget, 'period_end')} >= %s"
        f" AND b.{sql_column(budget, 'control')} <> %s"
        if cost_centres
        else "1 = 0"
    )
    day = connection.ops.adapt_datefield_value(on)
    covers_params = [requisition.legal_entity_id, *cost_centres, day, day, Budget.Control.NONE.value]
    if not cost_centres:
        covers_params = []
    columns = ", ".join(f"b.{sql_column(budget, field.name)}" for field in budget.concrete_fields)
    lock = ""
    if connection.features.has_select_for_update:
        lock = " FOR UPDATE OF b" if connection.features.has_select_for_update_of else " FOR UPDATE"
    rows = Budget.objects.raw(
        f"SELECT {columns}, CASE WHEN {covers} THEN 1 ELSE 0 END AS covers,"  # noqa: S608
        " h.source_currency AS held_currency, h.held AS held_minor, h.source AS held_source_minor"
        f" FROM {sql_table(budget)} b LEFT JOIN (SELECT e.{sql_column(entry, 'budget')} AS budget_id,"
        f" e.{sql_column(entry, 'source_currency')} AS source_currency,"
        f" SUM(e.{sql_column(entry, 'amount_minor')}) AS held,"
        f" SUM(e.{sql_column(entry, 'source_amount_minor')}) AS source"
        f" FROM {sql_table(entry)} e WHERE e.{sql_column(entry, 'requisition')} = %s"
        f" AND e.{sql_column(entry, 'kind')} IN (%s, %s)"
        f" GROUP BY e.{sql_column(entry, 'budget')}, e.{sql_column(entry, 'source_currency')}) h ON h.budget_id = {bid}"
        f" WHERE ({covers}) OR h.budget_id IS NOT NULL ORDER BY {bid}, h.source_currency{lock}",
        [
            *covers_params,
            requisition.pk,
            BudgetEntry.Kind.PRECOMMITMENT.value,
            BudgetEntry.Kind.RELEASE.value,
            *covers_params,
        ],
    )
    held: list[dict[str, Any]] = []
    covering: dict[int, Budget] = {}
    for row in rows:  # a budget comes once per currency it holds of the requisition
        extra: Any = row  # the statement's extra columns, beside the budget's own
        if extra.held_minor:
            held.append(
                {
                    "budget_id": row.pk,
                    "source_currency": extra.held_currency,
                    "held": extra.held_minor,
                    "source": extra.held_source_minor,
                }
            )
        if extra.covers:
            covering.setdefault(row.pk, row)
    return held, list(covering.values())


def budgets_pairs(budgets: list[Budget], charges: list[Charge]) -> list[tuple[Budget, Charge]]:
    """Each charge with every budget of `budgets` that covers it (scope: cost centre, GL account, UNSPSC)."""
    pairs = []
    for charge in charges:
        for budget in budgets:
            if budget.cost_centre_id != charge.cost_centre_id:
                continue
            if budget.gl_account and budget.gl_account != charge.gl_account:
                continue
            if budget.unspsc_prefix and not charge.unspsc.startswith(budget.unspsc_prefix):
                continue
            pairs.append((budget, charge))
    return pairs


def budget_available_minor(*, budget: Budget) -> int:
    """What is left on the budget, from its running balances as read with it (no query): lock the budget
    (`budgets_select_for_update`) or read it fresh before deciding on it."""
    return available_minor(amount_minor=budget.amount_minor, used_minor=budget.used_minor)


@dataclass(frozen=True)
class Demand:
    """What a requisition's charges in one currency come to on one budget, converted once at a stored rate."""

    budget: Budget
    currency: str
    source_minor: int
    rate: Decimal
    converted_minor: int


class NoExchangeRate(RequisitionError):
    code = BudgetErrorCode.NO_EXCHANGE_RATE


def charges_demand(
    pairs: list[tuple[Budget, Charge]],
    *,
    on: date,
    rates: dict[tuple[int, str], Decimal] | None = None,
    skip_missing: bool = False,
    looked_up: dict[tuple[str, str], Decimal | None] | None = None,
) -> list[Demand]:
    """The charges on each budget added up per currency, each sum converted once at the rate given for it (the
    rate it was booked at) or the stored rate of the day: the one computation of the ledger's entries and of the
    budget panel's figures, so they agree to the cent. A missing rate raises NoExchangeRate (or skips that sum)."""
    demand: dict[tuple[int, str], int] = defaultdict(int)
    budgets: dict[int, Budget] = {}
    for budget, charge in pairs:
        demand[(budget.pk, charge.currency)] += charge.amount_minor
        budgets[budget.pk] = budget
    looked_up = {} if looked_up is None else looked_up  # the rates of the day, shared by the caller's calls
    result = []
    for (budget_id, currency), amount in demand.items():
        budget = budgets[budget_id]
        rate = (rates or {}).get((budget_id, currency))
        if rate is None:
            key = (currency, budget.currency)
            if key not in looked_up:
                looked_up[key] = exchange_rate_get(from_currency=currency, to_currency=budget.currency, on=on)
            rate = looked_up[key]
        if rate is None:
            if skip_missing:
                continue
            raise NoExchangeRate(
                _("No exchange rate from %(currency)s to %(currency2)s is stored.")
                % {"currency": currency, "currency2": budget.currency}
            )
        rate = rate_stored(rate)
        converted = convert_minor(amount, from_currency=currency, to_currency=budget.currency, rate=rate)
        result.append(Demand(budget, currency, amount, rate, converted))
    return result


def funds_precommit(*, requisition: Requisition, by: Any, exceptions_routed: bool = False) -> list[BudgetEntry]:
    """Check and pre-commit, holding the budget rows until the submission commits (no overspending race). Runs
    inside the submission's transaction (the locks hold until it commits); it writes nothing before a refusal.
    The requisition's lines are read with their splits unless the submission read them already.

    Over a hard stop: refused with BudgetExceeded, unless `exceptions_routed` (the submission's approval chain
    reads `requisition.budget_exception` and adds a finance budget-exception stage, or refuses it itself).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("funds_precommit runs inside the submission's transaction.")
    on = timezone.localdate()
    charges = requisition_charges(requisition=requisition)
    # The budgets that may cover the charges, locked as they are read: in primary-key order, so two submissions
    # touching the same budgets cannot deadlock.
    pairs = budgets_pairs(budgets_covering(requisition=requisition, charges=charges, on=on, lock=True), charges)
    if not pairs:
        requisition_budget_exception_set(requisition=requisition, text="")
        return []
    locked = {budget.pk: budget for budget, _charge in pairs}
    entries: list[BudgetEntry] = []
    problems: list[str] = []
    warnings: list[str] = []
    per_budget: dict[int, int] = defaultdict(int)
    for part in charges_demand(pairs, on=on):
        budget = part.budget
        per_budget[budget.pk] += part.converted_minor
        entries.append(
            BudgetEntry(
                budget=budget,
                kind=BudgetEntry.Kind.PRECOMMITMENT,
                amount_minor=part.converted_minor,
                requisition=requisition,
                source_amount_minor=part.source_minor,
                source_currency=part.currency,
                rate=part.rate,
                created_by=by.user if by is not None else None,
                note=f"{requisition.number} submitted",
            )
        )
    over: set[int] = set()
    shown: list[str] = []  # the hard-stop problems in the submitter's language (`problems` is stored, in English)
    for budget_id, needed in per_budget.items():
        budget = locked[budget_id]
        available = budget_available_minor(budget=budget)
        if needed > available + (budget.limit_minor() - budget.amount_minor):
            text = (
                f"Budget {budget.cost_centre.code} {budget.period_label}{_scope(budget)} has "
                f"{Money.from_minor(max(available, 0), budget.currency)} left; this requisition needs "
                f"{Money.from_minor(needed, budget.currency)}."
            )
            if budget.control == Budget.Control.HARD:
                problems.append(text)
                shown.append(
                    _("Budget %(budget)s has %(left)s left; this requisition needs %(needed)s.")
                    % {
                        "budget": f"{budget.cost_centre.code} {budget.period_label}{_scope(budget)}",
                        "left": Money.from_minor(max(available, 0), budget.currency),
                        "needed": Money.from_minor(needed, budget.currency),
                    }
                )
                over.add(budget_id)
            else:
                warnings.append(text)
    exception = " ".join(problems)
    if problems and not exceptions_routed:
        raise BudgetExceeded(" ".join(shown))
    # Over a hard stop, the submission goes on only if the approval chain gets a finance
    # budget-exception stage (approvals refuses it with budget_exceeded otherwise): never silently.
    requisition_budget_exception_set(requisition=requisition, text=exception)
    for entry in entries:
        entry.over_limit = entry.budget_id in over
    ledger_write(entries)
    if problems:
        requisition_event_record(
            requisition=requisition,
            kind=RequisitionEvent.Kind.EDITED,
            comment="Budget exception requested: " + exception,
            data={"budget_exception": True},
        )
    if warnings:
        requisition_event_record(
            requisition=requisition,
            kind=RequisitionEvent.Kind.EDITED,
            comment="Budget warning: " + " ".join(warnings),
            data={"budget_warning": True},
        )
    return entries


def _release_entries(
    rows: list[dict[str, Any]], *, requisition: Requisition, by: Any, reason: str
) -> list[BudgetEntry]:
    return [
        BudgetEntry(
            budget_id=row["budget_id"],
            kind=BudgetEntry.Kind.RELEASE,
            amount_minor=-row["held"],
            requisition=requisition,
            source_amount_minor=-row["source"],
            source_currency=row["source_currency"],
            rate=rate_stored(Decimal(row["held"]) / Decimal(row["source"])) if row["source"] else Decimal(1),
            created_by=by.user if by is not None else None,
            note=f"{requisition.number} {reason}",
        )
        for row in rows
    ]


def funds_release(*, requisition: Requisition, by: Any, reason: str) -> list[BudgetEntry]:
    """Give back what the requisition still holds on each budget, in one entry per budget and currency: what it holds
    read with its budgets, locked, in one statement. In the caller's transaction without a savepoint of its own (one
    is opened when there is none): the one write comes after every read."""
    with transaction.atomic(savepoint=False):
        rows, _covering = _budgets_held_and_covering(requisition=requisition, charges=[], on=timezone.localdate())
        return ledger_write(_release_entries(rows, requisition=requisition, by=by, reason=reason))


@dataclass(frozen=True)
class OrderCommitment:
    """One order of a requisition to commit: what it charges (its lines at the order's prices) and its note
    (the order's number). `purchase_order` is the order (budgets sit below orders: any object with a pk)."""

    purchase_order: Any
    charges: list[Charge]
    note: str


def funds_commit_orders(
    *, requisition: Requisition, orders: Sequence[OrderCommitment], by: Any, release_all: bool = True
) -> list[BudgetEntry]:
    """The requisition's orders are issued: its pre-commitments are released and each order's amounts committed,
    every budget locked once and every entry written at once (a constant number of queries per requisition,
    however many orders, lines and budgets). The entries are those `funds_commit` writes called once per order
    in turn: with `release_all`, the whole pre-commitment is released once (noted with the first order); without,
    each order releases its own share at the rate it was pre-committed at. Returns the entries written; with no
    order to commit (every line waits for a buyer) nothing is read, locked or written."""
    if not orders:
        return []
    return _funds_commit_orders(requisition=requisition, orders=orders, by=by, release_all=release_all)


def _funds_commit_orders(
    *, requisition: Requisition, orders: Sequence[OrderCommitment], by: Any, release_all: bool
) -> list[BudgetEntry]:
    # In the caller's transaction without a savepoint of its own (one is opened when there is none): everything is
    # read and decided before the one write (ledger_write), so a refusal leaves nothing written, and a database
    # error ends the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        return _funds_commit_orders_write(requisition=requisition, orders=orders, by=by, release_all=release_all)


def _funds_commit_orders_write(
    *, requisition: Requisition, orders: Sequence[OrderCommitment], by: Any, release_all: bool
) -> list[BudgetEntry]:
    on = timezone.localdate()
    charges = [c for o in orders for c in o.charges]
    looked_up: dict[tuple[str, str], Decimal | None] = {}
    entries: list[BudgetEntry] = []
    if release_all:
        held, covering = _budgets_held_and_covering(requisition=requisition, charges=charges, on=on)
        entries += _release_entries(held, requisition=requisition, by=by, reason=f"ordered ({orders[0].note})")
        for order in orders:
            entries += _entries(
                budgets_pairs(covering, order.charges),
                BudgetEntry.Kind.COMMITMENT,
                requisition,
                by,
                order.note,
                on,
                purchase_order=order.purchase_order,
                looked_up=looked_up,
            )
        return ledger_write(entries)
    # The covering budgets, locked as they are read (with some of the same cost centres they do not charge).
    covering = budgets_covering(requisition=requisition, charges=charges, on=on, lock=True)
    pairs = [budgets_pairs(covering, order.charges) for order in orders]
    precommitted_rates = {
        (row["budget_id"], row["source_currency"]): row["rate"]
        for row in BudgetEntry.objects.filter(requisition=requisition, kind=BudgetEntry.Kind.PRECOMMITMENT)
        .values("budget_id", "source_currency", "rate")
        .order_by("id")
    }
    for order, order_pairs in zip(orders, pairs, strict=True):
        entries += _entries(
            order_pairs,
            BudgetEntry.Kind.RELEASE,
            requisition,
            by,
            f"ordered ({order.note})",
            on,
            precommitted_rates,
            sign=-1,
            looked_up=looked_up,
        )
        entries += _entries(
            order_pairs,
            BudgetEntry.Kind.COMMITMENT,
            requisition,
            by,
            order.note,
            on,
            purchase_order=order.purchase_order,
            looked_up=looked_up,
        )
    return ledger_write(entries)


@transaction.atomic
def funds_commit(
    *,
    requisition: Requisition,
    charges: list[Charge],
    by: Any,
    note: str,
    release_all: bool = True,
    purchase_order: Any = None,
) -> list[BudgetEntry]:
    """An order is issued: the requisition's pre-commitments are released and the ordered amounts committed.

    `charges` are what the order actually charges (its lines, at the order's prices), matched to budgets as
    at submission. A commitment is never refused: the approval already happened; an order above what was
    approved goes back through approval before it gets here. With `release_all` false (other orders of
    the requisition still wait for a buyer) only this order's share of the pre-commitment is released,
    at the rate it was pre-committed at, so the rest stays held. The commitment entries name `purchase_order`,
    so what the order still holds is known exactly (invoices and the close-out release it).
    Several orders of one requisition at once: `funds_commit_orders`.
    """
    return funds_commit_orders(
        requisition=requisition,
        orders=[OrderCommitment(purchase_order, charges, note)],
        by=by,
        release_all=release_all,
    )


@transaction.atomic
def funds_commitment_release(
    *, requisition: Requisition, charges: list[Charge], by: Any, note: str, purchase_order: Any = None
) -> list[BudgetEntry]:
    """Order lines are cancelled (or reduced): give back their commitment, at the rate it was committed at."""
    on = timezone.localdate()
    pairs = budgets_matching(requisition=requisition, charges=charges, on=on)
    budgets_select_for_update(b.pk for b, _ in pairs)
    committed_rates = {
        (row["budget_id"], row["source_currency"]): row["rate"]
        for row in BudgetEntry.objects.filter(requisition=requisition, kind=BudgetEntry.Kind.COMMITMENT)
        .values("budget_id", "source_currency", "rate")
        .order_by("id")
    }
    return ledger_write(
        _entries(
            pairs,
            BudgetEntry.Kind.COMMITMENT_RELEASE,
            requisition,
            by,
            note,
            on,
            committed_rates,
            sign=-1,
            purchase_order=purchase_order,
        )
    )


def _entries(
    pairs: list[tuple[Budget, Charge]],
    kind: str,
    requisition: Requisition,
    by: Any,
    note: str,
    on: date,
    rates: dict[tuple[int, str], Decimal] | None = None,
    sign: int = 1,
    purchase_order: Any = None,
    looked_up: dict[tuple[str, str], Decimal | None] | None = None,
) -> list[BudgetEntry]:
    """The entries (not written) of `kind` for the charges on their budgets."""
    return [
        BudgetEntry(
            budget=part.budget,
            kind=kind,
            amount_minor=sign * part.converted_minor,
            requisition=requisition,
            purchase_order=purchase_order,
            source_amount_minor=sign * part.source_minor,
            source_currency=part.currency,
            rate=part.rate,
            created_by=by.user if by is not None else None,
            note=note[:300],
        )
        for part in charges_demand(pairs, on=on, rates=rates, looked_up=looked_up)
    ]


def _scope(budget: Budget) -> str:
    return "" if budget.scope == "everything" else f" ({budget.scope})"
