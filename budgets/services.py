"""The funds check: pre-commit a requisition's amounts on every budget that covers them, under row locks,
and give them back on every way out (rejected, returned, withdrawn, cancelled)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from procurement.money import Money, to_minor
from procurement.selectors import exchange_rate_get
from requisitions import hooks
from requisitions.errors import RequisitionError
from requisitions.models import Requisition, RequisitionEvent, RequisitionLine, RequisitionStatus

from .models import Budget, BudgetEntry


class BudgetExceeded(RequisitionError):
    code = "budget_exceeded"


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
    for line in RequisitionLine.objects.filter(requisition=requisition).prefetch_related("splits"):
        splits = list(line.splits.all())
        if not splits and line.cost_centre_id:
            charges.append(Charge(line.cost_centre_id, line.gl_account, line.unspsc, line.total_minor, line.currency))
        for split in splits:
            part = int((Decimal(line.total_minor) * split.percent / 100).quantize(Decimal(1)))
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
    used = BudgetEntry.objects.filter(budget=budget).aggregate(total=Sum("amount_minor"))["total"] or 0
    return budget.amount_minor - used


@transaction.atomic
def funds_precommit(*, requisition: Requisition, by: Any) -> list[BudgetEntry]:
    """Check and pre-commit, holding the budget rows until the submission commits (no overspending race)."""
    on = timezone.localdate()
    pairs = budgets_matching(requisition=requisition, charges=requisition_charges(requisition=requisition), on=on)
    if not pairs:
        return []
    # Locks in primary-key order: two submissions touching the same budgets cannot deadlock.
    locked = {
        b.pk: b
        for b in Budget.objects.select_for_update()
        .filter(pk__in={b.pk for b, _ in pairs})
        .order_by("pk")
        .select_related("cost_centre")
    }
    demand: dict[tuple[int, str], int] = defaultdict(int)
    for budget, charge in pairs:
        demand[(budget.pk, charge.currency)] += charge.amount_minor
    entries: list[BudgetEntry] = []
    problems: list[str] = []
    warnings: list[str] = []
    per_budget: dict[int, int] = defaultdict(int)
    rates: dict[tuple[str, str], Decimal | None] = {}
    for (budget_id, currency), amount in demand.items():
        budget = locked[budget_id]
        key = (currency, budget.currency)
        if key not in rates:
            rates[key] = exchange_rate_get(from_currency=currency, to_currency=budget.currency, on=on)
        rate = rates[key]
        if rate is None:
            raise RequisitionError(
                f"No exchange rate from {currency} to {budget.currency} is stored.", code="no_exchange_rate"
            )
        converted = to_minor(Money.from_minor(amount, currency).amount * rate, budget.currency)
        per_budget[budget_id] += converted
        entries.append(
            BudgetEntry(
                budget=budget,
                kind=BudgetEntry.Kind.PRECOMMITMENT,
                amount_minor=converted,
                requisition=requisition,
                source_amount_minor=amount,
                source_currency=currency,
                rate=rate,
                created_by=by.user if by is not None else None,
                note=f"{requisition.number} submitted",
            )
        )
    for budget_id, needed in per_budget.items():
        budget = locked[budget_id]
        available = budget_available_minor(budget=budget)
        if needed > available + (budget.limit_minor() - budget.amount_minor):
            text = (
                f"Budget {budget.cost_centre.code} {budget.period_label} has "
                f"{Money.from_minor(max(available, 0), budget.currency)} left; this requisition needs "
                f"{Money.from_minor(needed, budget.currency)}."
            )
            (problems if budget.control == Budget.Control.HARD else warnings).append(text)
    if problems:
        raise BudgetExceeded(" ".join(problems))
    BudgetEntry.objects.bulk_create(entries)
    if warnings:
        RequisitionEvent.objects.create(
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
    list(Budget.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    releases = [
        BudgetEntry(
            budget_id=row["budget_id"],
            kind=BudgetEntry.Kind.RELEASE,
            amount_minor=-row["held"],
            requisition=requisition,
            source_amount_minor=-row["source"],
            source_currency=row["source_currency"],
            rate=(Decimal(row["held"]) / Decimal(row["source"])) if row["source"] else Decimal(1),
            created_by=by.user if by is not None else None,
            note=f"{requisition.number} {reason}",
        )
        for row in open_amounts
        if row["held"]
    ]
    BudgetEntry.objects.bulk_create(releases)
    return releases


EXITS = {
    RequisitionStatus.REJECTED,
    RequisitionStatus.RETURNED,
    RequisitionStatus.WITHDRAWN,
    RequisitionStatus.CANCELLED,
}


class BudgetHook(hooks.RequisitionHook):
    name = "budgets"

    def validate_submit(self, *, requisition: Requisition, by: Any) -> None:
        # The check and the pre-commitment are one step under the budget locks: both or neither.
        funds_precommit(requisition=requisition, by=by)

    def after_status_change(self, *, requisition: Requisition, from_status: str, to_status: str, by: Any) -> None:
        if to_status in EXITS:
            funds_release(requisition=requisition, by=by, reason=str(to_status))
