"""Suppliers' confirmations and ship notices at /cxml/inbound/: authenticated, applied once, answered in cXML."""

import pytest
from django.test import Client
from lxml import etree

from orders.models import PurchaseOrder, PurchaseOrderLine, SupplierDocument
from tests.punchout.support import sample

from .conftest import cxml_supplier, ordered

pytestmark = pytest.mark.usefixtures("auto_approve")

INBOUND = "/cxml/inbound/"


@pytest.fixture
def order(endpoint):
    """An order of two lines (10 and 20 pieces) at the supplier of the derived samples (supplier@supplier.com)."""
    supplier = cxml_supplier("SAMPLESUP", endpoint.url, secret="coyote")
    supplier.order_to_identity = "supplier@supplier.com"
    supplier.save()
    requisition = ordered([(supplier, "Widget", "10", "2.00"), (supplier, "Gadget", "20", "3.00")])
    return requisition.purchase_orders.get()


def for_order(name: str, order: PurchaseOrder) -> bytes:
    """A real sample, pointed at our order (its number and first payloadID)."""
    text = sample(name).decode("utf-8")
    payload = order.revisions.get(revision=1).payload_id
    return (
        text.replace('orderID="DO1234"', f'orderID="{order.number}"')
        .replace("1625586002.193314.7293@dev", payload)
        .encode()
    )


def post(body: bytes):
    return Client(enforce_csrf_checks=True).post(INBOUND, body, content_type="text/xml")


def status(response) -> tuple[int, str]:
    element = etree.fromstring(response.content).find("Response/Status")
    return int(element.get("code")), (element.text or "").strip()


def test_a_detail_confirmation_with_a_price_change_and_a_backorder_is_applied(order):
    response = post(for_order("ConfirmationRequest__derived__detail_pricechange_backorder_split.xml", order))
    assert response.status_code == 200 and status(response)[0] == 200
    order.refresh_from_db()
    widget, gadget = order.lines.order_by("line_number")
    assert (widget.status, widget.confirmed_quantity, widget.confirmed_unit_price_minor) == ("confirmed", 10, 225)
    assert (gadget.status, gadget.confirmed_quantity, gadget.backordered_quantity) == ("confirmed", 15, 5)
    assert order.status == PurchaseOrder.Status.CONFIRMED


def test_a_repeated_document_gets_the_first_answer_and_changes_nothing(order):
    body = for_order("ConfirmationRequest__derived__detail_pricechange_backorder_split.xml", order)
    first = post(body)
    PurchaseOrderLine.objects.filter(purchase_order=order).update(status="open")  # as if changed since
    again = post(body)
    assert again.content == first.content and again.status_code == 200
    assert SupplierDocument.objects.count() == 1
    assert set(order.lines.values_list("status", flat=True)) == {"open"}


def test_a_later_reject_supersedes_the_confirmation(order):
    post(for_order("ConfirmationRequest__derived__detail_pricechange_backorder_split.xml", order))
    response = post(for_order("ConfirmationRequest__derived__reject_whole_order.xml", order))
    assert status(response)[0] == 200
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.REJECTED
    assert set(order.lines.values_list("status", flat=True)) == {PurchaseOrderLine.Status.REJECTED}


def test_ship_notices_partial_then_whole(order):
    partial = post(for_order("ShipNoticeRequest__derived__partial_with_items.xml", order))
    assert status(partial)[0] == 200
    order.refresh_from_db()
    widget, gadget = order.lines.order_by("line_number")
    assert (widget.shipped_quantity, widget.status, gadget.shipped_quantity) == (10, "shipped", 15)
    assert order.status == PurchaseOrder.Status.PARTLY_SHIPPED
    shipment = order.shipments.get()
    assert (shipment.shipment_id, shipment.carrier, shipment.tracking_number) == (
        "ASN-2025-0042",
        "UPS",
        "1Z999AA10123456784",
    )


def test_refusals_are_cxml_statuses(order):
    body = for_order("ConfirmationRequest__derived__detail_pricechange_backorder_split.xml", order)
    wrong_secret = post(
        body.replace(b"<SharedSecret>coyote</SharedSecret>", b"<SharedSecret>roadrunner</SharedSecret>")
    )
    assert wrong_secret.status_code == 401 and status(wrong_secret)[0] == 401
    assert post(b"<cXML><Request><ConfirmationRequest>").status_code == 400
    unknown = post(
        body.replace(order.number.encode(), b"NOT-OURS").replace(order.revisions.get().payload_id.encode(), b"x@y")
    )
    assert unknown.status_code == 404 and "NOT-OURS" in status(unknown)[1]
    assert post(sample("OrderRequest__cxml-php__1.2.050.xml")).status_code == 406
    assert not SupplierDocument.objects.exists()
    assert set(order.lines.values_list("status", flat=True)) == {"open"}
