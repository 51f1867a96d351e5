"""A supplier that confirms less (or more) than ordered, or backorders: the line and the order say so (defect 9)."""

import html

import pytest

from orders.models import PurchaseOrder

from .inbound_support import post, status
from .supplier_documents import confirmation, item
from .test_supplier_dates import api_of, order_at, page_of

pytestmark = pytest.mark.usefixtures("auto_approve")


def confirm(order: PurchaseOrder, *statuses: tuple[str, str, str]) -> None:
    response = post(confirmation(order, item(1, "2.5", *statuses)))
    assert status(response)[0] == 200, response.content
    order.refresh_from_db()


def test_two_of_two_and_a_half_confirmed_is_flagged_short_on_the_line_and_the_order(endpoint, client, api_client):
    order = order_at(endpoint.url, quantity="2.5")
    confirm(order, ("accept", "2", ""))
    assert order.status == PurchaseOrder.Status.CONFIRMED_SHORT
    data = api_of(api_client, order)
    (line,) = data["lines"]
    assert (line["confirmed_quantity"], line["shortfall_quantity"], line["status_text"]) == (
        "2",
        "0.5",
        "Confirmed short",
    )
    assert (data["status"], data["status_text"], data["confirmed_short"]) == (
        "confirmed_short",
        "Confirmed short",
        True,
    )
    page = html.unescape(page_of(client, order))
    assert '<span class="status status-confirmed_short" id="order-status">Confirmed short</span>' in page
    assert "Confirmed short: line 1 2 of 2.5 confirmed, 0.5 short." in page
    assert order.supplier_documents.get().summary["short"] == [{"line": 1, "quantity": "0.5"}]


def test_a_full_confirmation_is_not_short(endpoint, api_client):
    order = order_at(endpoint.url, quantity="2.5")
    confirm(order, ("accept", "2.5", ""))
    data = api_of(api_client, order)
    assert (data["status"], data["confirmed_short"], data["lines"][0]["shortfall_quantity"]) == (
        "confirmed",
        False,
        "0",
    )


def test_more_than_ordered_is_flagged_and_not_short(endpoint, client, api_client):
    order = order_at(endpoint.url, quantity="2.5")
    confirm(order, ("accept", "3", ""))
    data = api_of(api_client, order)
    (line,) = data["lines"]
    assert (line["over_confirmed_quantity"], line["shortfall_quantity"]) == ("0.5", "0")
    assert (data["status"], data["over_confirmed"], data["confirmed_short"]) == ("confirmed", True, False)
    assert "More than ordered: line 1 3 of 2.5 confirmed, 0.5 more than ordered." in page_of(client, order)


def test_a_backorder_is_a_promise_not_a_shortfall(endpoint, client, api_client):
    order = order_at(endpoint.url, quantity="2.5")
    confirm(order, ("accept", "2", ""), ("backordered", "0.5", ""))
    data = api_of(api_client, order)
    (line,) = data["lines"]
    assert (line["shortfall_quantity"], line["backordered_quantity"], line["status_text"]) == (
        "0",
        "0.5",
        "Confirmed, part backordered",
    )
    assert (data["status"], data["backordered"], data["confirmed_short"]) == ("confirmed", True, False)
    assert "2 of 2.5 confirmed, 0.5 of 2.5 backordered" in page_of(client, order)


def test_all_backordered_reads_backordered_and_the_order_is_answered(endpoint, client, api_client):
    order = order_at(endpoint.url, quantity="2.5")
    confirm(order, ("backordered", "2.5", ""))
    data = api_of(api_client, order)
    (line,) = data["lines"]
    assert (line["status"], line["supplier_says"], line["shortfall_quantity"]) == (
        "backordered",
        "2.5 of 2.5 backordered",
        "0",
    )
    assert (data["status"], data["backordered"]) == ("confirmed", True)


def test_part_rejected_is_short(endpoint, api_client):
    order = order_at(endpoint.url, quantity="2.5")
    confirm(order, ("accept", "1.5", ""), ("reject", "1", ""))
    data = api_of(api_client, order)
    assert (data["status"], data["lines"][0]["shortfall_quantity"]) == ("confirmed_short", "1")
