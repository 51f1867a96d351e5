"""Actual spend: an accepted invoice turns an order's commitment into actuals; a credit note or an invoice taken
back reverses them; a closed order gives back what it still holds.

Budgets sit below orders and invoices: the order and the invoice come in as model instances (typed `Any`) and
are only written on the entries (`purchase_order`, `invoice`). What an order still holds on a budget is the sum
of its commitment entries (commitment and commitment release), so a release never gives back more than that.

- The actual is booked on the budgets that fund the order (matched as on the day it was committed), converted
  at the stored rate of the invoice date (the committed rate when the day has none); the commitment it replaces
  is released at the rate it was committed at. The difference (price and rate) is the actual's
  `variance_minor`, and its note says it in words.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from procurement.money import Money, rate_stored
from procurement.selectors import exchange_rate_get
from requisitions.models import Requisition

from .ledger import ledger_write
from .lock_objects import budgets_qs_select_for_update, budgets_select_for_update
from .models import Budget, BudgetEntry
from .services import Charge, NoExchangeRate, budgets_covering, budgets_pairs, charges_demand

K = BudgetEntry.Kind
COMMITMENT_KINDS = (K.COMMITMENT, K.COMMITMENT_RELEASE)


def _held(*, purchase_order: Any, budget_ids: set[int]) -> tuple[dict[tuple[int, str], tuple[int, int]], dict]:
    """What the order still holds per (budget, currency) — (budget minor, source minor) — and the rate each
    was committed at."""
    held = {
        (row["budget_id"], row["source_currency"]): (row["held"] or 0, row["source"] or 0)
        for row in BudgetEntry.objects.filter(
            purchase_order=purchase_order, budget_id__in=budget_ids, kind__in=COMMITMENT_KINDS
        )
        .values("budget_id", "source_currency")
        .annotate(held=Sum("amount_minor"), source=Sum("source_amount_minor"))
    }
    rates = {
        (row["budget_id"], row["source_currency"]): row["rate"]
        for row in BudgetEntry.objects.filter(
            purchase_order=purchase_order, budget_id__in=budget_ids, kind=K.COMMITMENT
        )
        .values("budget_id", "source_currency", "rate")
        .order_by("id")
    }
    return held, rates


def _signed(minor: int, currency: str) -> str:
    text = str(Money.from_minor(minor, currency))
    return f"+{text}" if minor > 0 else text


@transaction.atomic
def funds_actual_record(
    *,
    requisition: Requisition,
    purchase_order: Any,
    invoice: Any,
    actual: list[Charge],
    released: list[Charge],
    committed_on: date,
    rate_on: date,
    by: Any,
    note: str,
) -> list[BudgetEntry]:
    """Book `actual` (an invoice's net per charge, non-recoverable tax included; negative for a credit note) and
    release `released` (what the invoiced goods cost at the order's prices) from the order's commitment, capped
    at what the order still holds. Returns the entries written (releases first)."""
    covering = budgets_covering(requisition=requisition, charges=actual + released, on=committed_on)
    pairs_actual = budgets_pairs(covering, actual)
    pairs_release = budgets_pairs(covering, released)
    if not pairs_actual and not pairs_release:
        return []
    locked = {
        budget.pk: budget
        for budget in budgets_qs_select_for_update().filter(pk__in={b.pk for b, _ in pairs_actual + pairs_release})
    }
    held, committed_rates = _held(purchase_order=purchase_order, budget_ids=set(locked))
    user = getattr(by, "user", None)
    entries: list[BudgetEntry] = []
    released_minor: dict[tuple[int, str], int] = defaultdict(int)
    for part in charges_demand(
        [(locked[b.pk], c) for b, c in pairs_release], on=committed_on, rates=committed_rates, skip_missing=True
    ):
        key = (part.budget.pk, part.currency)
        still, still_source = held.get(key, (0, 0))
        amount, source = part.converted_minor, part.source_minor
        if amount > still:  # never more than the order holds (an over-invoiced quantity, a second invoice)
            amount, source = max(still, 0), max(still_source, 0)
        if amount <= 0:
            continue
        held[key] = (still - amount, still_source - source)
        released_minor[key] += amount
        entries.append(
            BudgetEntry(
                budget=part.budget,
                kind=K.COMMITMENT_RELEASE,
                amount_minor=-amount,
                requisition=requisition,
                purchase_order=purchase_order,
                invoice=invoice,
                source_amount_minor=-source,
                source_currency=part.currency,
                rate=part.rate,
                created_by=user,
                note=f"{note}: commitment turned into actual"[:300],
            )
        )
    rates = _actual_rates(pairs_actual, locked, rate_on, committed_rates)
    for part in charges_demand([(locked[b.pk], c) for b, c in pairs_actual], on=rate_on, rates=rates):
        key = (part.budget.pk, part.currency)
        variance = part.converted_minor - released_minor.get(key, 0)
        currency = part.budget.currency
        words = (
            f"{note}: actual {Money.from_minor(part.converted_minor, currency)} against "
            f"{Money.from_minor(released_minor.get(key, 0), currency)} committed"
            + (f", variance {_signed(variance, currency)}" if variance else "")
        )
        entries.append(
            BudgetEntry(
                budget=part.budget,
                kind=K.ACTUAL,
                amount_minor=part.converted_minor,
                requisition=requisition,
                purchase_order=purchase_order,
                invoice=invoice,
                variance_minor=variance,
                source_amount_minor=part.source_minor,
                source_currency=part.currency,
                rate=part.rate,
                created_by=user,
                note=words[:300],
            )
        )
    return ledger_write(entries)


def _actual_rates(
    pairs: list[tuple[Budget, Charge]],
    locked: dict[int, Budget],
    on: date,
    committed_rates: dict[tuple[int, str], Decimal],
) -> dict[tuple[int, str], Decimal]:
    """The stored rate of the invoice date per (budget, currency); the committed rate when the day has none."""
    rates: dict[tuple[int, str], Decimal] = {}
    looked_up: dict[tuple[str, str], Decimal | None] = {}
    for budget, charge in pairs:
        key = (budget.pk, charge.currency)
        if key in rates:
            continue
        currencies = (charge.currency, locked[budget.pk].currency)
        if currencies not in looked_up:
            looked_up[currencies] = exchange_rate_get(from_currency=currencies[0], to_currency=currencies[1], on=on)
        rate = looked_up[currencies] or committed_rates.get(key)
        if rate is None:
            raise NoExchangeRate(
                _("No exchange rate from %(currencies)s to %(currencies2)s is stored for %(on)s.")
                % {"currencies": currencies[0], "currencies2": currencies[1], "on": on}
            )
        rates[key] = rate
    return rates


@transaction.atomic
def funds_invoice_reverse(*, invoice: Any, by: Any, note: str) -> list[BudgetEntry]:
    """An accepted invoice is taken back (rejected before payment): its actuals are reversed and the commitment
    it released is held again, at the rates they were booked at. Nothing is written twice: only what the
    invoice's entries still add up to is reversed."""
    rows = [
        row
        for row in BudgetEntry.objects.filter(invoice=invoice)
        .values("budget_id", "kind", "source_currency", "purchase_order_id", "requisition_id")
        .annotate(total=Sum("amount_minor"), source=Sum("source_amount_minor"), variance=Sum("variance_minor"))
        .order_by("budget_id", "kind", "source_currency")
        if row["total"]
    ]
    budgets_select_for_update(row["budget_id"] for row in rows)
    user = getattr(by, "user", None)
    return ledger_write(
        [
            BudgetEntry(
                budget_id=row["budget_id"],
                kind=row["kind"],
                amount_minor=-row["total"],
                requisition_id=row["requisition_id"],
                purchase_order_id=row["purchase_order_id"],
                invoice=invoice,
                variance_minor=-(row["variance"] or 0),
                source_amount_minor=-row["source"],
                source_currency=row["source_currency"],
                rate=rate_stored(Decimal(row["total"]) / Decimal(row["source"])) if row["source"] else Decimal(1),
                created_by=user,
                note=f"{note}: reversed"[:300],
            )
            for row in rows
        ]
    )


@transaction.atomic
def funds_order_release(*, purchase_order: Any, by: Any, note: str) -> list[BudgetEntry]:
    """The order is closed (fully received and invoiced, or by a buyer): what it still holds on each budget is
    given back, one entry per budget and currency, at the rate it was committed at."""
    rows = [
        row
        for row in BudgetEntry.objects.filter(purchase_order=purchase_order, kind__in=COMMITMENT_KINDS)
        .values("budget_id", "source_currency", "requisition_id")
        .annotate(held=Sum("amount_minor"), source=Sum("source_amount_minor"))
        .order_by("budget_id", "source_currency")
        if row["held"]
    ]
    budgets_select_for_update(row["budget_id"] for row in rows)
    user = getattr(by, "user", None)
    return ledger_write(
        [
            BudgetEntry(
                budget_id=row["budget_id"],
                kind=K.COMMITMENT_RELEASE,
                amount_minor=-row["held"],
                requisition_id=row["requisition_id"],
                purchase_order=purchase_order,
                source_amount_minor=-row["source"],
                source_currency=row["source_currency"],
                rate=rate_stored(Decimal(row["held"]) / Decimal(row["source"])) if row["source"] else Decimal(1),
                created_by=user,
                note=f"{note}: remaining commitment released"[:300],
            )
            for row in rows
        ]
    )
