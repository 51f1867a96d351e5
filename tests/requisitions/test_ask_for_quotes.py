"""A buyer sees "Ask for quotes" on a requisition with free-text or unpriced lines, linking to a new request for
quotes from it; a requester sees none."""

from decimal import Decimal

import pytest

from procurement.models import Role
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import CostCentreFactory, EmployeeFactory, SupplierFactory


@pytest.fixture
def people(france):
    centre = CostCentreFactory(legal_entity=france, code="FR-Q")
    requester = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER], default_cost_centre=centre)
    buyer = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER, Role.BUYER], default_cost_centre=centre)
    return requester, buyer, centre


def requisition_with(france, requester, centre, price):
    requisition = requisition_create(by=requester, legal_entity=france, title="Calibration")
    requisition_line_add_free_text(
        requisition=requisition,
        by=requester,
        description="Calibration of the scales",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal(price), "EUR"),
        supplier=SupplierFactory(),
        cost_centre=centre,
    )
    return requisition


def test_a_buyer_is_offered_to_ask_for_quotes_on_free_text_lines(france, people, client):
    requester, buyer, centre = people
    requisition = requisition_with(france, requester, centre, "0")
    client.force_login(buyer.user)
    page = client.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert f'id="ask-for-quotes" href="/sourcing/new/?requisition={requisition.pk}"' in page
    quotes = client.get(f"/sourcing/new/?requisition={requisition.pk}")
    assert quotes.status_code == 200
    assert "Calibration of the scales" in quotes.content.decode()
    client.force_login(requester.user)
    assert 'id="ask-for-quotes"' not in client.get(f"/requisitions/{requisition.pk}/").content.decode()
