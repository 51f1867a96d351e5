"""Who may receive, the receipts API (its contract), the ship-notice prefill and the receive page."""

import re
from decimal import Decimal

import pytest

from orders.models import PurchaseOrder, Shipment
from receiving.models import GoodsReceipt
from receiving.selectors import shipments_pending
from tests.factories import EmployeeFactory

from .conftest import api_as, order_of, person

pytestmark = pytest.mark.usefixtures("organisation")


def lines_of(order: PurchaseOrder) -> dict[int, int]:
    """line number → order line id"""
    return dict(order.lines.values_list("line_number", "pk"))


def test_the_api_posts_a_receipt_and_the_order_shows_its_counts():
    order = order_of([("Lab coat", "1", "30.00"), ("Safety glasses", "5", "12.00")])
    ids = lines_of(order)
    api = api_as(person("alice"))

    posted = api.post(
        f"/api/v1/purchase-orders/{order.pk}/receipts/",
        {"lines": [{"line": ids[2], "quantity": "3", "rejected": "1", "reason": "damaged"}], "note": "Dock 2"},
        format="json",
    )

    assert posted.status_code == 201, posted.json()
    body = posted.json()
    assert (body["number"], body["status"], body["note"], body["purchase_order_status"]) == (
        "GR-FR-ORG-000001", "posted", "Dock 2", "partly_received",
    )  # fmt: skip
    assert [(line["line"], line["quantity"], line["rejected"], line["reason"]) for line in body["lines"]] == [
        (ids[2], "3", "1", "damaged")
    ]
    shown = api.get(f"/api/v1/purchase-orders/{order.pk}/").json()
    assert shown["status"] == "partly_received"
    assert [(ln["id"], ln["quantity"], ln["received_quantity"], ln["invoiced_quantity"]) for ln in shown["lines"]] == [
        (ids[1], "1", "0", "0"),
        (ids[2], "5", "3", "0"),
    ]
    assert api.get(f"/api/v1/purchase-orders/{order.pk}/receipts/").json()["results"][0]["id"] == body["id"]
    assert api.get(f"/api/v1/receipts/{body['id']}/").json()["number"] == "GR-FR-ORG-000001"

    over = api.post(
        f"/api/v1/purchase-orders/{order.pk}/receipts/", {"lines": [{"line": ids[2], "quantity": "7"}]}, format="json"
    )
    assert (over.status_code, over.json()) == (
        400,
        {"code": "over_receipt", "message": "Line 2: 7 received, only 2 outstanding."},
    )

    reversed_ = api.post(f"/api/v1/receipts/{body['id']}/reverse/", {"reason": "Wrong order"}, format="json")
    assert reversed_.status_code == 200
    assert (reversed_.json()["status"], reversed_.json()["purchase_order_status"]) == ("reversed", "manual")
    assert api.post(f"/api/v1/receipts/{body['id']}/reverse/", {"reason": ""}, format="json").json() == {
        "code": "invalid",
        "message": "Say why the receipt is reversed.",
    }


def test_bad_api_bodies_are_refused_in_words():
    order = order_of([("Beakers", "4", "3.00")])
    api = api_as(person("alice"))
    url = f"/api/v1/purchase-orders/{order.pk}/receipts/"
    line = lines_of(order)[1]

    def refusal(body) -> tuple[int, str]:
        answer = api.post(url, body, format="json")
        return answer.status_code, answer.json()["message"]

    assert refusal({"lines": []}) == (400, "lines must be a list of the order lines that arrived.")
    assert refusal({"lines": [{"line": line, "quantity": "three"}]}) == (400, "lines[1]: 'three' is not a quantity.")
    assert refusal({"lines": [{"line": 999999, "quantity": "1"}]}) == (
        400,
        f"{order.number} has no line with id 999999.",
    )
    assert refusal({"lines": [{"line": line, "quantity": "1e3"}]}) == (400, "lines[1]: '1e3' is not a quantity.")


def test_the_requester_the_named_receiver_and_the_warehouse_may_receive_nobody_else(organisation, warehouse):
    bob = person("bob")
    order = order_of([("Microscope slides", "10", "1.00")], receiver=bob)
    url = f"/api/v1/purchase-orders/{order.pk}/receipts/"
    line = lines_of(order)[1]

    for who in (person("alice"), bob, warehouse):
        assert api_as(who).post(url, {"lines": [{"line": line, "quantity": "1"}]}, format="json").status_code == 201

    refused = api_as(person("frank")).post(url, {"lines": [{"line": line, "quantity": "1"}]}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "not_allowed",
        "message": f"You may not receive goods for {order.number}: only its requester, the receiver named on "
        f"{order.requisition.number} or the warehouse of FR-ORG may.",
    }
    swede = EmployeeFactory(legal_entities=[organisation.sweden], roles=["warehouse"])
    assert api_as(swede).post(url, {"lines": [{"line": line, "quantity": "1"}]}, format="json").status_code == 404
    assert api_as(swede).get(url).status_code == 404
    assert GoodsReceipt.objects.filter(purchase_order=order).count() == 3


def test_the_receive_page_offers_what_the_ship_notice_shipped_and_names_it(client):
    order = order_of([("Pipette tips", "10", "4.00"), ("Gloves", "4", "8.00")])
    ids = lines_of(order)
    first = Shipment.objects.create(
        purchase_order=order, shipment_id="SHIP-1", carrier="DHL", tracking_number="JD0001",
        lines=[{"line": "1", "quantity": "6"}],
    )  # fmt: skip
    second = Shipment.objects.create(purchase_order=order, shipment_id="SHIP-2", lines=[])  # the rest of the order
    client.force_login(person("alice").user)

    page = client.get(f"/receiving/orders/{order.pk}/").content.decode()

    assert "SHIP-1" in page and "DHL" in page and "JD0001" in page
    assert re.search(rf'name="quantity-{ids[1]}" value="6"', page)
    assert re.search(rf'name="quantity-{ids[2]}" value=""', page)
    assert 'inputmode="decimal"' in page

    client.post(
        f"/receiving/orders/{order.pk}/",
        {f"quantity-{ids[1]}": "6", f"quantity-{ids[2]}": "", "shipment": str(first.pk), "post": "yes"},
    )
    assert GoodsReceipt.objects.get().shipment == first
    pending = shipments_pending(order=order, lines=list(order.lines.order_by("line_number")))
    assert [(item.shipment.shipment_id, item.pending) for item in pending] == [
        ("SHIP-1", {}),
        ("SHIP-2", {ids[1]: Decimal(4), ids[2]: Decimal(4)}),
    ]
    page = client.get(f"/receiving/orders/{order.pk}/").content.decode()
    assert "SHIP-2" in page and re.search(rf'name="quantity-{ids[1]}" value="4"', page)
    assert second.pk


def test_the_receive_page_keeps_what_was_typed_fills_the_outstanding_and_posts(client):
    order = order_of([("Lab coat", "2", "30.00"), ("Safety glasses", "5", "12.00")])
    ids = lines_of(order)
    client.force_login(person("alice").user)
    url = f"/receiving/orders/{order.pk}/"

    bad = client.post(url, {f"quantity-{ids[1]}": "two", f"quantity-{ids[2]}": "3", "note": "Dock 2", "post": "yes"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Line 1: &#x27;two&#x27; is not a quantity." in text
    assert re.search(rf'name="quantity-{ids[1]}" value="two"', text) and "Dock 2</textarea>" in text

    filled = client.post(url, {f"quantity-{ids[1]}": "", "fill": "outstanding"}).content.decode()
    assert re.search(rf'name="quantity-{ids[1]}" value="2"', filled)
    assert re.search(rf'name="quantity-{ids[2]}" value="5"', filled)

    over = client.post(url, {f"quantity-{ids[2]}": "7", "post": "yes"})
    assert over.status_code == 400 and "Line 2: 7 received, only 5 outstanding." in over.content.decode()

    posted = client.post(url, {f"quantity-{ids[1]}": "2", f"quantity-{ids[2]}": "5", "post": "yes"}, follow=True)
    receipt = GoodsReceipt.objects.get()
    assert posted.redirect_chain[-1][0] == f"/receiving/receipts/{receipt.pk}/"
    assert f"{receipt.number} posted: {order.number} is received." in posted.content.decode()
    assert receipt.number in client.get(f"/purchase-orders/{order.pk}/").content.decode()
    assert f'data-order="{order.number}"' not in client.get("/receiving/").content.decode()

    no_reason = client.post(f"/receiving/receipts/{receipt.pk}/reverse/", {"reason": ""})
    assert no_reason.status_code == 400 and "Say why the receipt is reversed." in no_reason.content.decode()
    client.post(f"/receiving/receipts/{receipt.pk}/reverse/", {"reason": "Wrong dock"})
    receipt.refresh_from_db()
    assert receipt.status == "reversed"
    assert f'data-order="{order.number}"' in client.get("/receiving/").content.decode()


def test_someone_who_may_not_receive_gets_a_clear_403_page(client):
    order = order_of([("Beakers", "4", "3.00")])
    client.force_login(person("frank").user)

    page = client.get(f"/receiving/orders/{order.pk}/")

    assert page.status_code == 403 and f"You may not receive goods for {order.number}" in page.content.decode()
