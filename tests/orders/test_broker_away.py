"""A broker that is away (Redis restarting) when a committed write queues its task: the answer is still the
committed outcome, never a 500 that a retry would then find "already decided"; the order's outbox row waits for
the sweeper. Found by the production topology test (tests/topology)."""

import logging
from decimal import Decimal

import pytest

from orders.models import Transmission
from orders.transmission import transmissions_due
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.broker import broker_away  # noqa: F401 - the fixture
from tests.factories import api_token

from .conftest import alice, cxml_supplier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("auto_approve", "broker_away")]


def test_an_approval_while_the_broker_is_away_answers_its_outcome_and_the_order_waits_for_the_sweeper(
    api_client, endpoint, caplog
):
    # Given alice's cart for a supplier that takes cXML orders, approved at submission (the auto-approve rule)
    cart = requisition_create(by=alice(), legal_entity=alice().default_legal_entity, title="Broker away")
    requisition_line_add_free_text(
        requisition=cart,
        by=alice(),
        description="Pipette",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal("10.00"), "EUR"),
        supplier=cxml_supplier("AWAYSUP", endpoint.url),
        unspsc="41121500",
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice().user)}")

    # When she submits while the broker does not answer
    with caplog.at_level(logging.ERROR, logger="procurement.task_queue"):
        response = api_client.post(f"/api/v1/requisitions/{cart.pk}/submit/")

    # Then she gets the committed outcome, the order's send is due for the sweeper, and the log says why
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ordered"
    transmission = Transmission.objects.get(purchase_order__requisition=cart)
    assert transmission.status == Transmission.Status.PENDING and transmissions_due() == [transmission.pk]
    assert "task orders.purchase_order_transmit" in caplog.text and "not queued" in caplog.text
    assert not endpoint.calls
