"""An order to a supplier without electronic ordering is marked as sent by a buyer; resend asks first (defect 17)."""

import re

import pytest

from orders.models import PurchaseOrder, Transmission
from procurement.events import AuditEvent
from procurement.models import Employee, Supplier
from tests.factories import api_token

from .conftest import cxml_supplier, ordered

pytestmark = pytest.mark.usefixtures("auto_approve")


def frank() -> Employee:
    return Employee.objects.select_related("user").get(user__username="frank")


@pytest.fixture
def by_hand(endpoint) -> PurchaseOrder:
    supplier = cxml_supplier("HANDSUP", endpoint.url)
    supplier.order_method = Supplier.OrderMethod.NONE
    supplier.save()
    order = ordered([(supplier, "Rack server", "1", "900.00")]).purchase_orders.get()
    assert order.status == PurchaseOrder.Status.MANUAL
    return order


def test_a_buyer_marks_an_order_sent_by_hand_after_confirming(by_hand, client):
    order = by_hand
    client.force_login(frank().user)
    page = client.get(f"/purchase-orders/{order.pk}/").content.decode()
    assert f'href="/purchase-orders/{order.pk}/mark_sent/confirm/"' in page and "not marked as sent yet" in page
    # Posting without the confirmation asks for it, and changes nothing
    asked = client.post(f"/purchase-orders/{order.pk}/mark_sent/")
    assert asked.status_code == 302 and asked["Location"] == f"/purchase-orders/{order.pk}/mark_sent/confirm/"
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.MANUAL
    confirmation = client.get(asked["Location"]).content.decode()
    assert f"Mark {order.number} as sent?" in confirmation and 'name="confirm" value="yes"' in confirmation
    assert "<script" not in confirmation.split('id="order-confirm"')[1]
    done = client.post(
        f"/purchase-orders/{order.pk}/mark_sent/", {"confirm": "yes", "note": "e-mailed to sales@handsup.example"}
    )
    assert done.status_code == 302
    order.refresh_from_db()
    transmission = order.transmissions.get()
    assert order.status == PurchaseOrder.Status.SENT
    assert (transmission.status, transmission.sent_by, transmission.sent_note) == (
        Transmission.Status.SENT,
        frank(),
        "e-mailed to sales@handsup.example",
    )
    assert transmission.sent_at is not None
    page = client.get(f"/purchase-orders/{order.pk}/").content.decode()
    when = transmission.sent_at.strftime("%Y-%m-%d %H:%M")
    assert re.search(
        rf'id="order-sent-by-hand">revision 1 marked as sent by {frank().display_name} on {when} UTC '
        r"\(e-mailed to sales@handsup.example\)",
        page,
    )
    assert "mark_sent/confirm/" not in page
    event = AuditEvent.objects.get(event_type="purchase_order.marked_sent")
    assert (event.actor, event.data["revision"], event.data["by"]) == (frank().user, 1, frank().display_name)
    # Twice is refused
    again = client.post(f"/purchase-orders/{order.pk}/mark_sent/", {"confirm": "yes"}, follow=True)
    assert "already marked as sent" in again.content.decode()


def test_the_api_marks_sent_and_shows_who_and_when(by_hand, api_client):
    order = by_hand
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(frank().user)}")
    too_long = api_client.post(f"/api/v1/purchase-orders/{order.pk}/mark-sent/", {"note": "x" * 301}, format="json")
    assert too_long.status_code == 400 and too_long.json()["code"] == "invalid"
    before = api_client.get(f"/api/v1/purchase-orders/{order.pk}/").json()
    assert before["status"] == "manual" and before["transmissions"][0]["sent_by"] is None
    response = api_client.post(f"/api/v1/purchase-orders/{order.pk}/mark-sent/", {"note": "phoned"}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    (sent,) = data["transmissions"]
    assert (data["status"], sent["status"], sent["sent_by"], sent["sent_note"]) == (
        "sent",
        "sent",
        frank().display_name,
        "phoned",
    )
    assert sent["sent_at"]
    again = api_client.post(f"/api/v1/purchase-orders/{order.pk}/mark-sent/", {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_sent"


def test_only_a_buyer_marks_sent(by_hand, api_client, client):
    alice = Employee.objects.get(user__username="alice")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice.user)}")
    response = api_client.post(f"/api/v1/purchase-orders/{by_hand.pk}/mark-sent/", {}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_a_buyer"
    by_hand.refresh_from_db()
    assert by_hand.status == PurchaseOrder.Status.MANUAL


def test_an_electronic_order_cannot_be_marked_sent_by_hand(endpoint, api_client):
    order = ordered([(cxml_supplier("ACMETOOLS", endpoint.url), "Drill", "1", "10")]).purchase_orders.get()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(frank().user)}")
    response = api_client.post(f"/api/v1/purchase-orders/{order.pk}/mark-sent/", {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "not_manual"


def test_resend_asks_for_confirmation_first(endpoint, client, django_capture_on_commit_callbacks):
    order = ordered([(cxml_supplier("ACMETOOLS", endpoint.url), "Drill", "1", "10")]).purchase_orders.get()
    client.force_login(frank().user)
    page = client.get(f"/purchase-orders/{order.pk}/").content.decode()
    assert f'href="/purchase-orders/{order.pk}/resend/confirm/"' in page
    asked = client.post(f"/purchase-orders/{order.pk}/resend/")
    assert asked["Location"] == f"/purchase-orders/{order.pk}/resend/confirm/"
    assert endpoint.calls == 0 and order.transmissions.get().attempts == 0
    confirmation = client.get(asked["Location"]).content.decode()
    assert f"Resend {order.number}?" in confirmation and "Yes, resend" in confirmation
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/purchase-orders/{order.pk}/resend/", {"confirm": "yes"})
    assert endpoint.calls == 1
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.SENT
