"""The approval inbox shows budget impacts only through the reader its web edge hands in (budgets is a sibling).

With the reader handed in, tests/budgets/test_exact_budget_panel.py checks the figures to the cent."""

from decimal import Decimal

import pytest

from approvals.inbox import approval_inbox
from budgets.models import Budget
from budgets.selectors import budget_impacts
from p2p.submit_to_order import requisition_submit
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import BudgetFactory

pytestmark = pytest.mark.django_db


def test_the_inbox_shows_budget_impact_only_with_budgets_reader(acme):
    BudgetFactory(cost_centre=acme.alice.default_cost_centre, amount_minor=2_000_00, control=Budget.Control.HARD)
    cart = requisition_create(by=acme.alice, legal_entity=acme.france)
    requisition_line_add_free_text(
        requisition=cart,
        by=acme.alice,
        description="Oscilloscope",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal("800"), "EUR"),
    )
    requisition_submit(requisition=cart, by=acme.alice)

    [without] = approval_inbox(employee=acme.bob)
    [with_reader] = approval_inbox(employee=acme.bob, budget_impacts=budget_impacts)

    assert list(without.budget_impact) == []
    [impact] = with_reader.budget_impact
    assert (impact.this_requisition, impact.available) == (
        Money(Decimal("800.00"), "EUR"),
        Money(Decimal("1200.00"), "EUR"),
    )
