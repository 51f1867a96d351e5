from dataclasses import dataclass

import pytest

from budgets.models import Budget
from tests.factories import BudgetEntryFactory, BudgetFactory, Company, CostCentreFactory, company


@dataclass
class Budgets:
    lab: Budget
    engineering: Budget
    swedish_engineering: Budget
    swedish_operations: Budget


@pytest.fixture
def acme(db) -> Company:
    """The company of tests.factories.company(): alice asks, bob, carol and dave sign, erin is finance."""
    return company()


@pytest.fixture
def budgets(acme) -> Budgets:
    """This year's budgets of the company's cost centres.

    ACME-FR: FR-LAB a hard stop of 20,000 EUR of which 19,000 were spent before (1,000 left); FR-ENG warns only,
    1,000,000 EUR. ACME-SE: SE-ENG warns, 500,000 SEK; SE-OPS a hard stop of 200,000 SEK. FR-IT has no budget.
    alice charges FR-ENG by default and may charge FR-LAB and SE-ENG.
    """
    france, sweden = acme.france, acme.sweden
    lab = BudgetFactory(
        cost_centre=CostCentreFactory(legal_entity=france, code="FR-LAB", name="Laboratory"),
        amount_minor=20_000_00,
        control=Budget.Control.HARD,
    )
    BudgetEntryFactory(budget=lab, amount_minor=19_000_00)
    CostCentreFactory(legal_entity=france, code="FR-IT", name="Information technology")
    swedish_engineering = BudgetFactory(
        cost_centre=CostCentreFactory(legal_entity=sweden, code="SE-ENG", name="Utveckling"),
        amount_minor=500_000_00,
        control=Budget.Control.WARN,
    )
    acme.alice.cost_centres.set([lab.cost_centre, swedish_engineering.cost_centre])
    return Budgets(
        lab=lab,
        engineering=BudgetFactory(
            cost_centre=acme.alice.default_cost_centre, amount_minor=1_000_000_00, control=Budget.Control.WARN
        ),
        swedish_engineering=swedish_engineering,
        swedish_operations=BudgetFactory(
            cost_centre=CostCentreFactory(legal_entity=sweden, code="SE-OPS", name="Drift"),
            amount_minor=200_000_00,
            control=Budget.Control.HARD,
        ),
    )
