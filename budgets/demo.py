"""Demo budgets for the current year: FR-ENG large and warn-only, FR-LAB hard stop with 1,000 EUR left."""

from collections.abc import Callable
from datetime import date

from django.db import transaction

from procurement.models import CostCentre
from procurement.money import to_minor

from .ledger import ledger_write
from .models import Budget, BudgetEntry

BUDGETS = [
    # cost centre, amount, currency, control, spent before this system
    ("FR-ENG", "1000000", "EUR", Budget.Control.WARN, "0"),
    ("FR-LAB", "20000", "EUR", Budget.Control.HARD, "19000"),
    ("FR-IT", "50000", "EUR", Budget.Control.HARD, "0"),
    ("FR-FIN", "30000", "EUR", Budget.Control.WARN, "0"),
    ("FR-PUR", "30000", "EUR", Budget.Control.WARN, "0"),
    ("SE-ENG", "500000", "SEK", Budget.Control.WARN, "0"),
    ("SE-OPS", "200000", "SEK", Budget.Control.HARD, "0"),
]


@transaction.atomic
def seed(report: Callable[[str], None]) -> None:
    year = date.today().year
    for code, amount, currency, control, spent in BUDGETS:
        centre = CostCentre.objects.select_related("legal_entity").get(code=code)
        budget, created = Budget.objects.update_or_create(
            cost_centre=centre,
            period_label=str(year),
            gl_account="",
            unspsc_prefix="",
            defaults={
                "legal_entity": centre.legal_entity,
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "amount_minor": to_minor(amount, currency),
                "currency": currency,
                "control": control,
            },
        )
        if created and spent != "0":
            ledger_write(
                [
                    BudgetEntry(
                        budget=budget,
                        kind=BudgetEntry.Kind.ACTUAL,
                        amount_minor=to_minor(spent, currency),
                        source_amount_minor=to_minor(spent, currency),
                        source_currency=currency,
                        rate=1,
                        note="Spent before this system went live",
                    )
                ]
            )
    report(f"budgets {year}: FR-ENG 1,000,000 EUR (warn), FR-LAB 1,000 EUR left (hard stop), and others")
