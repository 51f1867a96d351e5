"""Posting suppliers' documents to /cxml/inbound/ in tests: a real sample pointed at one of our orders."""

from django.test import Client
from lxml import etree

from orders.models import PurchaseOrder
from tests.punchout.support import sample

from .conftest import cxml_supplier, ordered

INBOUND = "/cxml/inbound/"
CONFIRMATION = "ConfirmationRequest__derived__detail_pricechange_backorder_split.xml"
SUPPLIER_SECRET = "coyote"  # the SharedSecret of the derived samples


def sample_supplier_order(url: str) -> PurchaseOrder:
    """An order of two lines (10 and 20 pieces, EUR) at the supplier of the derived samples."""
    supplier = cxml_supplier("SAMPLESUP", url, secret=SUPPLIER_SECRET)
    supplier.order_to_identity = "supplier@supplier.com"
    supplier.save()
    requisition = ordered([(supplier, "Widget", "10", "2.00"), (supplier, "Gadget", "20", "3.00")])
    return requisition.purchase_orders.get()


def for_order(name: str, order: PurchaseOrder) -> str:
    """A real sample's text, pointed at our order (its number and first payloadID)."""
    text = sample(name).decode("utf-8")
    payload = order.revisions.get(revision=1).payload_id
    return text.replace('orderID="DO1234"', f'orderID="{order.number}"').replace("1625586002.193314.7293@dev", payload)


def post(body: str | bytes):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Client(enforce_csrf_checks=True).post(INBOUND, data, content_type="text/xml")


def status(response) -> tuple[int, str]:
    element = etree.fromstring(response.content).find("Response/Status")
    return int(element.get("code")), (element.text or "").strip()
