"""The funds check: pre-commit a requisition's amounts on every budget that covers them, under row locks,
and give them back on every way out (rejected, returned, withdrawn, cancelled)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import is_currency
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.errors import ProcurementError
from procurement.events import audit_event_record
from procurement.models import CostCentre, LegalEntity
from procurement.money import Money, available_minor, convert_minor, rate_stored, split_minor, to_minor
from procurement.selectors import exchange_rate_get
from requisitions.errors import RequisitionError
from requisitions.models import Requisition, RequisitionEvent
from requisitions.selectors import requisition_lines_for_charges
from requisitions.services.lifecycle import requisition_budget_exception_set, requisition_event_record

from .error_codes import BudgetErrorCode
from .lock_objects import budgets_qs_select_for_update, budgets_select_for_update
from .models import Budget, BudgetEntry
from .periods import Period, PeriodError, period_parse


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
    budgets = list(
        Budget.objects.filter(
            legal_entity_id=requisition.legal_entity_id,
            cost_centre_id__in={c.cost_centre_id for c in charges},
            period_start__lte=on,
            period_end__gte=on,
        )
        .exclude(control=Budget.Control.NONE)
        .order_by("pk")
    )
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
    used = BudgetEntry.objects.filter(budget=budget).aggregate(total=Sum("amount_minor"))["total"]
    return available_minor(amount_minor=budget.amount_minor, used_minor=used)


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
) -> list[Demand]:
    """The charges on each budget added up per currency, each sum converted once at the rate given for it (the
    rate it was booked at) or the stored rate of the day: the one computation of the ledger's entries and of the
    budget panel's figures, so they agree to the cent. A missing rate raises NoExchangeRate (or skips that sum)."""
    demand: dict[tuple[int, str], int] = defaultdict(int)
    budgets: dict[int, Budget] = {}
    for budget, charge in pairs:
        demand[(budget.pk, charge.currency)] += charge.amount_minor
        budgets[budget.pk] = budget
    looked_up: dict[tuple[str, str], Decimal | None] = {}
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


@transaction.atomic
def funds_precommit(*, requisition: Requisition, by: Any, exceptions_routed: bool = False) -> list[BudgetEntry]:
    """Check and pre-commit, holding the budget rows until the submission commits (no overspending race).

    Over a hard stop: refused with BudgetExceeded, unless `exceptions_routed` (the submission's approval chain
    reads `requisition.budget_exception` and adds a finance budget-exception stage, or refuses it itself).
    """
    on = timezone.localdate()
    pairs = budgets_matching(requisition=requisition, charges=requisition_charges(requisition=requisition), on=on)
    if not pairs:
        requisition_budget_exception_set(requisition=requisition, text="")
        return []
    # Locks in primary-key order: two submissions touching the same budgets cannot deadlock.
    locked = {
        b.pk: b
        for b in budgets_qs_select_for_update().filter(pk__in={b.pk for b, _ in pairs}).select_related("cost_centre")
    }
    entries: list[BudgetEntry] = []
    problems: list[str] = []
    warnings: list[str] = []
    per_budget: dict[int, int] = defaultdict(int)
    for part in charges_demand([(locked[b.pk], charge) for b, charge in pairs], on=on):
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
    BudgetEntry.objects.bulk_create(entries)
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


@transaction.atomic
def funds_release(*, requisition: Requisition, by: Any, reason: str) -> list[BudgetEntry]:
    """Give back what the requisition still holds on each budget, in one entry per budget and currency."""
    open_amounts = (
        BudgetEntry.objects.filter(
            requisition=requisition, kind__in=[BudgetEntry.Kind.PRECOMMITMENT, BudgetEntry.Kind.RELEASE]
        )
        .values("budget_id", "source_currency")
        .annotate(held=Sum("amount_minor"), source=Sum("source_amount_minor"))
    )
    ids = sorted({row["budget_id"] for row in open_amounts if row["held"]})
    budgets_select_for_update(ids)
    releases = [
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
        for row in open_amounts
        if row["held"]
    ]
    BudgetEntry.objects.bulk_create(releases)
    return releases


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
    """
    on = timezone.localdate()
    pairs = budgets_matching(requisition=requisition, charges=charges, on=on)
    if release_all:
        releases = funds_release(requisition=requisition, by=by, reason=f"ordered ({note})")
    else:
        budgets_select_for_update(b.pk for b, _ in pairs)
        precommitted_rates = {
            (row["budget_id"], row["source_currency"]): row["rate"]
            for row in BudgetEntry.objects.filter(requisition=requisition, kind=BudgetEntry.Kind.PRECOMMITMENT)
            .values("budget_id", "source_currency", "rate")
            .order_by("id")
        }
        releases = _entries(
            pairs, BudgetEntry.Kind.RELEASE, requisition, by, f"ordered ({note})", on, precommitted_rates, sign=-1
        )
    budgets_select_for_update(b.pk for b, _ in pairs)
    return releases + _entries(
        pairs, BudgetEntry.Kind.COMMITMENT, requisition, by, note, on, purchase_order=purchase_order
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
    return _entries(
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
) -> list[BudgetEntry]:
    entries = [
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
        for part in charges_demand(pairs, on=on, rates=rates)
    ]
    return BudgetEntry.objects.bulk_create(entries)


def _scope(budget: Budget) -> str:
    return "" if budget.scope == "everything" else f" ({budget.scope})"


MAX_AMOUNT = Decimal(10) ** 13  # minor units stay well inside a BIGINT whatever the currency


class BudgetInvalid(ProcurementError):
    code = BudgetErrorCode.INVALID_BUDGET


@dataclass(frozen=True)
class BudgetSpec:
    """One budget as finance writes it: a row of an import, or the admin form."""

    legal_entity: LegalEntity
    cost_centre: CostCentre
    period: str
    amount: Money
    control: str = Budget.Control.HARD
    gl_account: str = ""
    unspsc_prefix: str = ""
    tolerance_percent: Decimal = Decimal(0)
    tolerance_amount: Decimal = Decimal(0)


def budget_spec_check(spec: BudgetSpec) -> Period:
    """The period the spec names; BudgetInvalid with a readable message for anything wrong."""
    if spec.cost_centre.legal_entity_id != spec.legal_entity.pk:
        raise BudgetInvalid(
            _("Cost centre %(code)s does not belong to %(code2)s.")
            % {"code": spec.cost_centre.code, "code2": spec.legal_entity.code}
        )
    if not is_currency(spec.amount.currency):
        raise BudgetInvalid(
            _("%(currency)s is not an ISO 4217 currency code.") % {"currency": repr(spec.amount.currency)}
        )
    if spec.amount.amount < 0:
        raise BudgetInvalid(_("The amount must not be negative."))
    if spec.amount.amount >= MAX_AMOUNT or spec.tolerance_amount >= MAX_AMOUNT:
        raise BudgetInvalid(_("The amount must be below %(max_amount)s.") % {"max_amount": f"{MAX_AMOUNT:,}"})
    if spec.control not in Budget.Control.values:
        raise BudgetInvalid(_("Control %(control)s is not one of hard, warn, none.") % {"control": repr(spec.control)})
    if not Decimal(0) <= spec.tolerance_percent <= Decimal(100):
        raise BudgetInvalid(_("The tolerance percentage is between 0 and 100."))
    if spec.tolerance_amount < 0:
        raise BudgetInvalid(_("The tolerance amount must not be negative."))
    if spec.unspsc_prefix and not spec.unspsc_prefix.isdigit():
        raise BudgetInvalid(
            _("UNSPSC prefix %(unspsc_prefix)s is not digits.") % {"unspsc_prefix": repr(spec.unspsc_prefix)}
        )
    try:
        return period_parse(spec.period, start_month=spec.legal_entity.fiscal_year_start_month)
    except PeriodError as exc:
        raise BudgetInvalid(str(exc)) from exc


@transaction.atomic
def budget_save(*, spec: BudgetSpec, by: Any = None) -> tuple[Budget, bool]:
    """Create the budget, or change the one with the same scope and period; returns (budget, created).

    Under the budget's row lock, so an amount cannot drop below what is already held while a submission runs.
    """
    period = budget_spec_check(spec)
    scope = {
        "legal_entity": spec.legal_entity,
        "cost_centre": spec.cost_centre,
        "gl_account": spec.gl_account.strip(),
        "unspsc_prefix": spec.unspsc_prefix.strip(),
        "period_start": period.start,
        "period_end": period.end,
    }
    values = {
        "period_kind": period.kind,
        "period_label": period.label,
        "amount_minor": spec.amount.minor,
        "currency": spec.amount.currency,
        "control": spec.control,
        "tolerance_percent": spec.tolerance_percent,
        "tolerance_minor": to_minor(spec.tolerance_amount, spec.amount.currency),
    }
    budget = budgets_qs_select_for_update().filter(**scope).first()
    if budget is None:
        budget = Budget.objects.create(**scope, **values)
        created = True
    else:
        if budget.currency != spec.amount.currency and budget.entries.exists():
            raise BudgetInvalid(
                _(
                    "Budget %(code)s %(period_label)s has entries in %(currency)s: its currency cannot "
                    "change to %(currency2)s."
                )
                % {
                    "code": budget.cost_centre.code,
                    "period_label": budget.period_label,
                    "currency": budget.currency,
                    "currency2": spec.amount.currency,
                }
            )
        used = budget.amount_minor - budget_available_minor(budget=budget)
        if spec.control == Budget.Control.HARD and spec.amount.minor < used:
            raise BudgetInvalid(
                _(
                    "Budget %(code)s %(period_label)s already holds %(from_minor)s: a hard stop cannot be "
                    "set below that."
                )
                % {
                    "code": budget.cost_centre.code,
                    "period_label": budget.period_label,
                    "from_minor": Money.from_minor(used, budget.currency),
                }
            )
        for name, value in values.items():
            setattr(budget, name, value)
        budget.save()
        created = False
    audit_event_record(
        event_type="budget.created" if created else "budget.changed",
        actor=getattr(by, "user", by),
        legal_entity=spec.legal_entity,
        obj=budget,
        data={"period": period.label, "amount": str(spec.amount.amount), "currency": spec.amount.currency},
    )
    return budget, created
