"""A budget's burn-down over its period (docs/analytics.md, "Budget burn-down"), from its ledger.

Per month of the budget's period, at the month's end (site time zone), the cumulative sums of the ledger entries
written up to then: committed (commitments less their releases), actual (accepted invoices) and pre-committed
(requisitions' pre-commitments less their releases); used = committed + actual. Beside them the ideal straight line
(the amount spread evenly over the period's days) and the projected use at the period's end at the run rate so far.
All in the budget's currency, in integer minor units summed by the database (procurement.money for the rules).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import Budget, BudgetEntry
from procurement.errors import NotFound, ProcurementError
from procurement.models import Employee
from procurement.money import (
    Money,
    budget_ideal_burn_minor,
    budget_projected_use_minor,
    currency_digits,
    decimal_text,
    from_minor,
)
from procurement.selectors import legal_entities_for_employee

from .error_codes import AnalyticsErrorCode

K = BudgetEntry.Kind
COMMITTED = (K.COMMITMENT, K.COMMITMENT_RELEASE)
ACTUAL = (K.ACTUAL,)
PRECOMMITTED = (K.PRECOMMITMENT, K.RELEASE)


class BurnDownInvalid(ProcurementError):
    code = AnalyticsErrorCode.INVALID_BURN_DOWN_REQUEST


class BudgetNotFound(NotFound):
    code = AnalyticsErrorCode.BUDGET_NOT_FOUND


@dataclass(frozen=True)
class BurnPoint:
    """One month: its end, the ideal use by then, and (for months begun by `as_of`) the cumulative figures."""

    month: date
    month_end: date
    ideal_minor: int
    committed_minor: int | None
    actual_minor: int | None
    precommitted_minor: int | None

    @property
    def used_minor(self) -> int | None:
        if self.committed_minor is None or self.actual_minor is None:
            return None
        return self.committed_minor + self.actual_minor


@dataclass(frozen=True)
class BurnDown:
    budget: Budget
    as_of: date
    points: list[BurnPoint]
    used_minor: int  # committed + actual as of `as_of` (every entry written so far)
    elapsed_days: int
    period_days: int
    projected_minor: int | None  # None before the period starts
    exhausted_on: date | None  # the day the run rate reaches the amount, when it does within the period

    def amount(self, minor: int | None) -> str | None:
        if minor is None:
            return None
        currency = self.budget.currency
        return decimal_text(from_minor(minor, currency), places=currency_digits(currency))

    def as_dict(self) -> dict[str, Any]:
        b = self.budget
        return {
            "budget": b.pk,
            "legal_entity": b.legal_entity.code,
            "cost_centre": b.cost_centre.code,
            "period": b.period_label,
            "period_start": b.period_start.isoformat(),
            "period_end": b.period_end.isoformat(),
            "currency": b.currency,
            "amount": self.amount(b.amount_minor),
            "as_of": self.as_of.isoformat(),
            "used": self.amount(self.used_minor),
            "elapsed_days": self.elapsed_days,
            "period_days": self.period_days,
            "projected_end": self.amount(self.projected_minor),
            "projected_over": self.amount(
                None if self.projected_minor is None else max(self.projected_minor - b.amount_minor, 0)
            ),
            "exhausted_on": self.exhausted_on.isoformat() if self.exhausted_on else None,
            "months": [
                {
                    "month": p.month.isoformat()[:7],
                    "month_end": p.month_end.isoformat(),
                    "ideal": self.amount(p.ideal_minor),
                    "committed": self.amount(p.committed_minor),
                    "actual": self.amount(p.actual_minor),
                    "used": self.amount(p.used_minor),
                    "precommitted": self.amount(p.precommitted_minor),
                    "remaining": self.amount(None if p.used_minor is None else b.amount_minor - p.used_minor),
                }
                for p in self.points
            ],
        }

    def money(self, minor: int | None) -> Money | None:
        return None if minor is None else Money.from_minor(minor, self.budget.currency)


def burn_down_as_of(text: str | None) -> date | None:
    """The day asked for (`as_of=YYYY-MM-DD`), None for today; a bad one is refused."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BurnDownInvalid(_("as_of is a day: YYYY-MM-DD.")) from None
    if not 2000 <= day.year <= 2100:
        raise BurnDownInvalid(_("as_of must be a day between 2000 and 2100."))
    return day


def burn_down_budget(*, employee: Employee, budget_id: str | int | None) -> Budget:
    """The budget asked for, if it belongs to one of the employee's legal entities (else 404, as if none)."""
    text = str(budget_id or "").strip()
    if not text.isdigit() or len(text) > 18:
        raise BurnDownInvalid(_("budget is a budget's id (a whole number)."))
    budget = (
        Budget.objects.select_related("legal_entity", "cost_centre")
        .filter(pk=int(text), legal_entity__in=legal_entities_for_employee(employee=employee))
        .first()
    )
    if budget is None:
        raise BudgetNotFound(_("You have no budget %(id)s.") % {"id": text})
    return budget


def _month_starts(first: date, last: date) -> list[date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def _month_end(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1) - timedelta(days=1)


def budget_burn_down(*, budget: Budget, as_of: date | None = None) -> BurnDown:
    """The burn-down of `budget` as of `as_of` (today by default; the entries written up to that day's end): one
    grouped query over its ledger entries.

    Entries written before the period's first month count in the first month, entries after its last month in the
    last month (a commitment made in December for next year's budget, an invoice booked after the year end)."""
    today = as_of or timezone.localdate()
    start, end = budget.period_start, budget.period_end
    months = _month_starts(start, end)
    sums: dict[tuple[date, str], int] = {}
    until = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    for row in (
        BudgetEntry.objects.filter(budget=budget, created_at__lt=until)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month", "kind")
        .annotate(total=Sum("amount_minor"))
        .values_list("month", "kind", "total")
    ):
        month = row[0].date() if hasattr(row[0], "date") else row[0]
        month = min(max(month.replace(day=1), months[0]), months[-1])
        sums[(month, row[1])] = sums.get((month, row[1]), 0) + int(row[2] or 0)
    period_days = (end - start).days + 1
    points = []
    running = {"committed": 0, "actual": 0, "precommitted": 0}
    groups = {"committed": COMMITTED, "actual": ACTUAL, "precommitted": PRECOMMITTED}
    for month in months:
        for name, kinds in groups.items():
            running[name] += sum(sums.get((month, kind), 0) for kind in kinds)
        month_end = min(_month_end(month), end)
        begun = month <= today
        points.append(
            BurnPoint(
                month=month,
                month_end=month_end,
                ideal_minor=budget_ideal_burn_minor(
                    amount_minor=budget.amount_minor,
                    elapsed_days=(month_end - start).days + 1,
                    period_days=period_days,
                ),
                committed_minor=running["committed"] if begun else None,
                actual_minor=running["actual"] if begun else None,
                precommitted_minor=running["precommitted"] if begun else None,
            )
        )
    used = running["committed"] + running["actual"]
    elapsed = min((today - start).days + 1, period_days) if today >= start else 0
    projected = budget_projected_use_minor(used_minor=used, elapsed_days=elapsed, period_days=period_days)
    exhausted_on = None
    if elapsed > 0 and used > 0 and budget.amount_minor > 0:
        # the first day whose run-rate use (used ÷ elapsed × days) reaches the amount: ⌈amount × elapsed ÷ used⌉
        day_number = -(-budget.amount_minor * elapsed // used)
        if day_number <= period_days:
            exhausted_on = start + timedelta(days=day_number - 1)
    return BurnDown(
        budget=budget,
        as_of=today,
        points=points,
        used_minor=used,
        elapsed_days=elapsed,
        period_days=period_days,
        projected_minor=projected if elapsed > 0 else None,
        exhausted_on=exhausted_on,
    )
