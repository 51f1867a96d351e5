"""A broker that is away (Redis restarting) when a committed write queues its task: the answer is still the
committed outcome, never a 500 that a retry would then find "already decided"; the order's outbox row waits for
the sweeper. Found by the production topology test (tests/topology)."""

import logging
import socket
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from orders.models import Transmission
from orders.transmission import transmissions_due
from procurement import task_queue
from procurement.celery import app as celery_app
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text

from .conftest import alice, cxml_supplier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("auto_approve")]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once the socket is closed


def _forget_broker_connections() -> None:
    # Celery keeps one connection pool per app, made from broker_url on first use.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_away(monkeypatch):
    """Tasks are published, not run inline, to a broker that does not answer; publishing gives up quickly."""
    monkeypatch.setattr(
        task_queue, "PUBLISH_RETRY_POLICY", {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    )
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{closed_port()}/0", False
    _forget_broker_connections()
    yield
    conf.broker_url, conf.task_always_eager = saved
    _forget_broker_connections()


def test_an_approval_while_the_broker_is_away_answers_its_outcome_and_the_order_waits_for_the_sweeper(
    broker_away, api_client, endpoint, caplog
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
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice().user).key}")

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
