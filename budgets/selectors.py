"""Reads of budgets: advice while a cart is edited, and the overview with its picture.

Every figure of a budget (pre-committed, committed, actual, available) is read from its running balances
(`budgets.ledger`), never by summing its ledger: one row per budget, whatever the ledger's size."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from procurement.models import CostCentre, LegalEntity
from procurement.money import Money, available_minor
from procurement.sql import sql_column, sql_in_ids, sql_table
from requisitions.models import Requisition
from requisitions.selectors import requisitions_with_requester

from .models import Budget, BudgetEntry
from .services import budgets_matching, charges_demand, requisition_charges


@dataclass(frozen=True)
class BudgetAdvice:
    """One budget a cart charges: what is left without this requisition ("left now"), what this requisition
    takes (its ledger entries once submitted, else what submitting would pre-commit) and what is left after."""

    budget: Budget
    available: Money
    this_requisition: Money
    after: Money

    @property
    def refused(self) -> bool:
        return self.budget.control == Budget.Control.HARD and self.after.minor < -(
            self.budget.limit_minor() - self.budget.amount_minor
        )


def budget_advice(*, requisition: Requisition) -> list[BudgetAdvice]:
    """Per budget the cart touches: what is left without it, what it takes, and what is left after it.

    Before submission "this requisition" is what submitting would pre-commit, computed as the ledger would
    (`charges_demand`); after, it is what the ledger holds for it. "Left now" never counts the requisition's own
    entries and "left after" always does, so left now − this requisition = left after, to the cent.
    """
    on = timezone.localdate()
    pairs = budgets_matching(requisition=requisition, charges=requisition_charges(requisition=requisition), on=on)
    needed: dict[int, int] = defaultdict(int)
    budgets: dict[int, Budget] = {}
    for part in charges_demand(pairs, on=on, skip_missing=True):
        needed[part.budget.pk] += part.converted_minor
        budgets[part.budget.pk] = part.budget
    own = dict(
        BudgetEntry.objects.filter(budget_id__in=budgets, requisition=requisition)
        .values("budget_id")
        .annotate(total=Sum("amount_minor"))
        .values_list("budget_id", "total")
    )
    submitted = not requisition.is_editable
    advice = []
    for budget_id, budget in budgets.items():
        held = own.get(budget_id) or 0
        left_now = available_minor(amount_minor=budget.amount_minor, used_minor=budget.used_minor - held)
        this = held if submitted and budget_id in own else needed[budget_id]
        advice.append(
            BudgetAdvice(
                budget,
                Money.from_minor(left_now, budget.currency),
                Money.from_minor(this, budget.currency),
                Money.from_minor(left_now - this, budget.currency),
            )
        )
    return sorted(advice, key=lambda a: a.budget.pk)


@dataclass(frozen=True)
class BudgetUse:
    budget: Budget
    actual: int
    committed: int
    precommitted: int
    available: int

    def share(self, part: int) -> float:
        """Share of the amount, for the bar (floats only for drawing)."""
        return max(0.0, min(100.0, part * 100 / self.budget.amount_minor)) if self.budget.amount_minor else 0.0

    @property
    def over(self) -> Money:
        """How far the budget is overspent (through approved budget exceptions), zero when it is not."""
        return Money.from_minor(max(-self.available, 0), self.budget.currency)

    @property
    def bars(self) -> list[tuple[str, float, Money]]:
        currency = self.budget.currency
        return [
            (label, self.share(value), Money.from_minor(value, currency))
            for label, value in (
                ("actual", self.actual),
                ("committed", self.committed),
                ("pre-committed", self.precommitted),
                ("available", max(self.available, 0)),
            )
        ]


def budgets_with_use(budgets: QuerySet[Budget]) -> QuerySet[Budget]:
    """The budgets as they are: each row carries its running balances (actual, committed, pre-committed), so
    nothing is summed. Kept for callers; `budget_use_of` reads any budget row."""
    return budgets


def budget_use_of(budget: Budget) -> BudgetUse:
    """The use of a budget, from its running balances (no query)."""
    return BudgetUse(
        budget,
        budget.actual_minor,
        budget.committed_minor,
        budget.precommitted_minor,
        available_minor(amount_minor=budget.amount_minor, used_minor=budget.used_minor),
    )


def budget_figures_for(budget_ids: Iterable[int]) -> dict[int, BudgetUse]:
    """The figures of these budgets (actual, committed, pre-committed, available; the budget with its cost
    centre) in one query by primary key, whatever the ledger's size: for any page or API that shows budgets."""
    return {
        budget.pk: budget_use_of(budget)
        for budget in Budget.objects.filter(pk__in=set(budget_ids)).select_related("cost_centre").order_by()
    }


def budgets_listed(*, legal_entity: LegalEntity) -> QuerySet[Budget]:
    """The entity's budgets as the overview lists them: by cost centre, then period."""
    return (
        Budget.objects.filter(legal_entity=legal_entity)
        .select_related("legal_entity", "cost_centre")
        .order_by("cost_centre__code", "period_start")
    )


def budget_overview(*, legal_entity: LegalEntity) -> list[BudgetUse]:
    return [budget_use_of(budget) for budget in budgets_listed(legal_entity=legal_entity)]


@dataclass(frozen=True)
class RequisitionHold:
    """What one requisition holds on a budget now, and its state."""

    requisition: Requisition
    held: Money
    over_limit: bool


def budget_use(*, budget: Budget) -> BudgetUse:
    """The budget's figures as they are now (read again: `budget` may be older than its last entry)."""
    return budget_use_of(Budget.objects.order_by().get(pk=budget.pk))


def budget_holds(*, budget: Budget) -> list[RequisitionHold]:
    """The requisitions behind a budget's pre-commitments, largest first, those that hold nothing left out."""
    rows = (
        BudgetEntry.objects.filter(budget=budget, requisition__isnull=False)
        .values("requisition_id")
        .annotate(
            held=Sum("amount_minor"),
            over=Sum("amount_minor", filter=Q(over_limit=True)),
        )
        .filter(held__gt=0)
        .order_by("-held")
    )
    amounts = {row["requisition_id"]: row for row in rows}
    requisitions = requisitions_with_requester(ids=amounts).prefetch_related("purchase_orders")
    holds = [
        RequisitionHold(r, Money.from_minor(amounts[r.pk]["held"], budget.currency), bool(amounts[r.pk]["over"]))
        for r in requisitions
    ]
    return sorted(holds, key=lambda hold: -hold.held.amount)


@dataclass(frozen=True)
class BudgetImpact:
    """What the requisition holds on one budget, what that budget has left without it and after it
    (left now − this requisition = left after, to the cent: the same ledger entries)."""

    budget: str
    control: str
    this_requisition: Money
    available: Money  # left after: with this requisition counted
    left_now: Money  # without this requisition's pre-commitment


def budget_impacts(*, requisition_ids: set[int]) -> dict[int, list[BudgetImpact]]:
    """Per requisition, what it holds on each budget: one query for a whole approval inbox page.

    The approval inbox shows it: approvals' inbox page and API hand this reader to `approval_inbox`. SQL text (names
    from the models, values as parameters, the ids as one array on PostgreSQL): the ORM took longer to build the
    two queries this replaces than the database took to run them.
    """
    if not requisition_ids:
        return {}
    entry, budget, centre = BudgetEntry._meta, Budget._meta, CostCentre._meta
    ids_sql, ids = sql_in_ids(f"e.{sql_column(entry, 'requisition')}", requisition_ids)
    held_columns = ", ".join(
        f"b.{sql_column(budget, name)}"
        for name in (
            "pk",
            "period_label",
            "control",
            "currency",
            "amount_minor",
            "precommitted_minor",
            "committed_minor",
            "actual_minor",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.{sql_column(entry, 'requisition')}, c.{sql_column(centre, 'code')}, {held_columns},"  # noqa: S608
            f" SUM(e.{sql_column(entry, 'amount_minor')})"
            f" FROM {sql_table(entry)} e"
            f" JOIN {sql_table(budget)} b ON b.{sql_column(budget, 'pk')} = e.{sql_column(entry, 'budget')}"
            f" JOIN {sql_table(centre)} c ON c.{sql_column(centre, 'pk')} = b.{sql_column(budget, 'cost_centre')}"
            f" WHERE e.{sql_column(entry, 'kind')} IN (%s, %s) AND {ids_sql}"
            f" GROUP BY e.{sql_column(entry, 'requisition')}, c.{sql_column(centre, 'code')}, {held_columns}"
            f" ORDER BY b.{sql_column(budget, 'pk')}",
            [BudgetEntry.Kind.PRECOMMITMENT.value, BudgetEntry.Kind.RELEASE.value, *ids],
        )
        rows = cursor.fetchall()
    impacts: dict[int, list[BudgetImpact]] = {}
    for (
        requisition_id,
        centre_code,
        _pk,
        period,
        control,
        currency,
        amount,
        precommitted,
        committed,
        actual,
        held,
    ) in rows:
        if not held:
            continue
        after = available_minor(amount_minor=amount, used_minor=precommitted + committed + actual)  # Budget.used_minor
        impacts.setdefault(requisition_id, []).append(
            BudgetImpact(
                budget=f"{centre_code} {period}",
                control=control,
                this_requisition=Money.from_minor(held, currency),
                available=Money.from_minor(after, currency),
                left_now=Money.from_minor(after + held, currency),
            )
        )
    return impacts
