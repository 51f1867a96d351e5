"""What people see: the budget check next to the cart, and the overview with its bars."""

from decimal import Decimal

import pytest

from procurement.models import CostCentre, Employee, LegalEntity
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text

pytestmark = pytest.mark.usefixtures("budgets")


def test_the_cart_page_warns_before_a_hard_stop_refuses(client):
    alice = Employee.objects.select_related("user").get(user__username="alice")
    cart = requisition_create(by=alice, legal_entity=LegalEntity.objects.get(code="ACME-FR"))
    requisition_line_add_free_text(
        requisition=cart,
        by=alice,
        description="Centrifuge",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal("1500"), "EUR"),
        cost_centre=CostCentre.objects.get(code="FR-LAB"),
    )
    client.force_login(alice.user)
    page = client.get(f"/requisitions/{cart.pk}/").content.decode()
    assert 'id="budget-check"' in page and "FR-LAB" in page
    assert "1,000.00\xa0EUR" in page and "-500.00\xa0EUR" in page
    assert "over the hard stop: refused unless a budget exception goes to finance" in page


def test_the_overview_draws_each_budget(client):
    client.force_login(Employee.objects.get(user__username="erin").user)
    page = client.get("/budgets/").content.decode()
    assert page.count('class="budget-bar"') == 2  # ACME-FR's budgets: FR-LAB and FR-ENG
    assert 'data-budget="FR-LAB"' in page and "actual 19,000.00\xa0EUR" in page
