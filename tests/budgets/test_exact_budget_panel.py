"""Defect 12 of issue 13: the budget panel (cart page and approval inbox) agrees with the ledger to the cent.
"Left now" never counts the requisition itself, "left after" always does, and the parts of a split line add
up to the line exactly (largest remainder), so "this requisition" is the requisition's total."""

from datetime import date
from decimal import Decimal

import pytest

from budgets.models import Budget, BudgetEntry
from budgets.selectors import budget_advice, budget_impacts
from p2p.submit_to_order import requisition_submit
from procurement.models import Role
from procurement.money import Money
from requisitions.services import SplitSpec, requisition_line_add_free_text, requisition_line_splits_set
from tests.factories import CostCentreFactory, EmployeeFactory, requisition_for


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


@pytest.fixture
def split_cart(france):
    """A 100.01 EUR line split 50/50 over two GL accounts of one cost centre with a 1,000.00 EUR budget."""
    centre = CostCentreFactory(legal_entity=france, code="FR-LAB")
    manager = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER])
    requester = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER], manager=manager)
    requester.default_cost_centre = centre
    requester.save()
    requester.cost_centres.add(centre)
    today = date.today()
    Budget.objects.create(
        legal_entity=france,
        cost_centre=centre,
        period_label=str(today.year),
        period_start=date(today.year, 1, 1),
        period_end=date(today.year, 12, 31),
        amount_minor=100000,
        currency="EUR",
        control=Budget.Control.HARD,
    )
    cart = requisition_for(requester, france, title="Reagents")
    line = requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description="Reagents",
        quantity=Decimal(1),
        unit="EA",
        unit_price=eur("100.01"),
        cost_centre=centre,
    )
    requisition_line_splits_set(
        line=line,
        by=requester,
        splits=[
            SplitSpec(cost_centre=centre, percent=Decimal(50), gl_account="6000"),
            SplitSpec(cost_centre=centre, percent=Decimal(50), gl_account="6100"),
        ],
    )
    cart.refresh_from_db()
    return cart, requester


def panel(cart):
    [advice] = budget_advice(requisition=cart)
    return advice.available, advice.this_requisition, advice.after


def test_before_submission_the_panel_shows_the_whole_split_line(split_cart):
    cart, _ = split_cart
    assert cart.total == eur("100.01")
    assert panel(cart) == (eur("1000.00"), eur("100.01"), eur("899.99"))


def test_after_submission_left_now_excludes_and_left_after_includes_the_requisition(split_cart, client):
    cart, requester = split_cart
    requisition_submit(requisition=cart, by=requester)
    cart.refresh_from_db()
    # the ledger holds the whole line, to the cent
    assert sum(BudgetEntry.objects.filter(requisition=cart).values_list("amount_minor", flat=True)) == 10001
    # the cart page's panel
    assert panel(cart) == (eur("1000.00"), eur("100.01"), eur("899.99"))
    client.force_login(requester.user)
    page = client.get(f"/requisitions/{cart.pk}/").content.decode()
    assert "1,000.00\xa0EUR" in page and "100.01\xa0EUR" in page and "899.99\xa0EUR" in page
    # the approval inbox's budget impact
    [impact] = budget_impacts(requisition_ids={cart.pk})[cart.pk]
    assert (impact.left_now, impact.this_requisition, impact.available) == (
        eur("1000.00"),
        eur("100.01"),
        eur("899.99"),
    )
