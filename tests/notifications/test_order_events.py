"""What buyers and requesters hear about orders: a supplier's confirmation and ship notice reach the requester,
a transmission that failed for good reaches the entity's buyers (in the app, by e-mail, and on the webhook)."""

import pytest
from django.core import mail
from django.test import Client

from notifications.models import Kind, Notification, WebhookDelivery
from notifications.webhooks import webhook_create
from tests.orders.conftest import auto_approve, cxml_supplier, endpoint, ordered, organisation  # noqa: F401
from tests.orders.supplier_documents import confirmation, item, ship_notice

pytestmark = pytest.mark.usefixtures("auto_approve")


@pytest.fixture
def order(endpoint, settings):  # noqa: F811
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    supplier = cxml_supplier("SAMPLESUP", endpoint.url, secret="coyote")
    supplier.order_to_identity = "supplier@supplier.com"
    supplier.save()
    requisition = ordered([(supplier, "Widget", "10", "2.00"), (supplier, "Gadget", "20", "3.00")])
    return requisition.purchase_orders.get()


def post(body: str):
    return Client().post("/cxml/inbound/", body.encode(), content_type="text/xml")


def test_a_confirmation_and_a_ship_notice_reach_the_requester(order, django_capture_on_commit_callbacks):
    hook, _secret = webhook_create(
        legal_entity=order.legal_entity,
        name="Chat",
        url="http://127.0.0.1:9/hook",
        events=[Kind.CONFIRMED, Kind.SHIPPED],
        by=None,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        answer = post(confirmation(order, item(1, "10", ("accept", "10", "")) + item(2, "20", ("accept", "15", ""))))
    assert answer.status_code == 200
    [confirmed] = Notification.objects.filter(kind=Kind.CONFIRMED)
    assert confirmed.recipient.username == "alice" and confirmed.link == f"/purchase-orders/{order.pk}/"
    assert confirmed.title.startswith(f"{order.number}: ") and "Line 2: 5 will not come." in confirmed.body

    with django_capture_on_commit_callbacks(execute=False):
        post(ship_notice(order, shipment_date="2026-12-02T10:00:00+01:00", delivery_date="2026-12-04T10:00:00+01:00"))
    [shipped] = Notification.objects.filter(kind=Kind.SHIPPED)
    assert shipped.recipient.username == "alice"
    assert "Carrier: UPS, tracking number: 1Z999" in shipped.body
    events = list(WebhookDelivery.objects.filter(webhook=hook).order_by("pk").values_list("event", "payload"))
    assert [event for event, _payload in events] == [Kind.CONFIRMED, Kind.SHIPPED]
    assert events[1][1]["data"]["tracking_number"] == "1Z999"
    assert events[1][1]["data"]["purchase_order"]["number"] == order.number
