"""The note to the supplier goes to the supplier; the justification never leaves the company (defect 13)."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from lxml import etree
from pypdf import PdfReader

from orders.models import PurchaseOrder
from orders.order_documents import order_pdf, order_request_document
from orders.transmission import transmission_send
from p2p.submit_to_order import requisition_submit
from procurement.models import Employee, Supplier
from procurement.money import Money
from punchout import cxml
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import api_token
from tests.punchout.support import dtd_errors

from .conftest import alice, cxml_supplier

pytestmark = pytest.mark.usefixtures("auto_approve")

SECRET_REASON = "Internal: replacing the broken unit before the audit; do not tell the vendor"
HEADER_NOTE = "Please deliver to gate 3, mornings only."
LINE_NOTE = "Calibrated for 40-200 Nm, certificate included."


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(content)).pages)


def noted_cart(supplier: Supplier) -> Requisition:
    cart = requisition_create(
        by=alice(),
        legal_entity=alice().default_legal_entity,
        title="Notes",
        justification=SECRET_REASON,
        supplier_note=HEADER_NOTE,
    )
    for description, note in (("Torque wrench", LINE_NOTE), ("Drill", "")):
        requisition_line_add_free_text(
            requisition=cart,
            by=alice(),
            description=description,
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal("120.00"), "EUR"),
            supplier=supplier,
            unspsc="41121500",
            supplier_note=note,
        )
    return cart


def test_the_order_request_carries_the_notes_and_not_the_justification(endpoint):
    requisition = requisition_submit(requisition=noted_cart(cxml_supplier("ACMETOOLS", endpoint.url)), by=alice())
    order = requisition.purchase_orders.get()
    assert (order.supplier_note, [line.supplier_note for line in order.lines.all()]) == (HEADER_NOTE, [LINE_NOTE, ""])
    document = order_request_document(order.revisions.get())
    assert dtd_errors(document) == []
    assert b"replacing the broken unit" not in document
    root = etree.fromstring(document)
    assert root.findtext("Request/OrderRequest/OrderRequestHeader/Comments") == HEADER_NOTE
    wrench, drill = root.iter("ItemOut")
    assert wrench.findtext("Comments") == LINE_NOTE and drill.find("Comments") is None
    parsed = cxml.parse_order_request(document)
    assert (parsed.comments, parsed.items[0].comments) == (HEADER_NOTE, LINE_NOTE)


def test_the_pdf_e_mailed_to_the_supplier_prints_the_notes_and_not_the_justification(endpoint, burotec):
    order = requisition_submit(requisition=noted_cart(burotec), by=alice()).purchase_orders.get()
    assert transmission_send(transmission_id=order.transmissions.get().pk) == "sent"
    (email,) = [m for m in mail.outbox if order.number in m.subject]
    text = pdf_text(email.attachments[0][1])
    assert HEADER_NOTE in text and f"Note: {LINE_NOTE}" in text
    assert "replacing the broken unit" not in text and "audit" not in text
    assert "replacing the broken unit" not in email.body


def test_an_update_keeps_the_note_and_says_what_changed_without_the_justification(endpoint):
    from orders.order_changes import LineChange
    from p2p.submit_to_order import purchase_order_change

    requisition = requisition_submit(requisition=noted_cart(cxml_supplier("ACMETOOLS", endpoint.url)), by=alice())
    order = requisition.purchase_orders.get()
    frank = Employee.objects.get(user__username="frank")
    purchase_order_change(order=order, by=frank, changes=[LineChange(2, quantity=Decimal(0))], note="Drill not needed")
    document = order_request_document(order.revisions.get(revision=2))
    comments = etree.fromstring(document).findtext(".//OrderRequestHeader/Comments")
    assert comments == f"{HEADER_NOTE}\n\nDrill not needed"
    assert b"replacing the broken unit" not in document
    assert "replacing the broken unit" not in pdf_text(order_pdf(PurchaseOrder.objects.get(pk=order.pk)))


def test_the_cart_page_keeps_the_notes_and_the_order_page_shows_them(endpoint, client):
    cart = requisition_create(by=alice(), legal_entity=alice().default_legal_entity, title="Page")
    line = requisition_line_add_free_text(
        requisition=cart,
        by=alice(),
        description="Torque wrench",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal("10.00"), "EUR"),
        supplier=cxml_supplier("ACMETOOLS", endpoint.url),
    )
    client.force_login(alice().user)
    page = client.get(f"/requisitions/{cart.pk}/").content.decode()
    assert 'name="supplier_note"' in page and f'name="supplier_note-{line.pk}"' in page
    client.post(
        f"/requisitions/{cart.pk}/save/",
        {
            "title": "Page",
            "justification": SECRET_REASON,
            "supplier_note": HEADER_NOTE,
            f"quantity-{line.pk}": "1",
            f"supplier_note-{line.pk}": LINE_NOTE,
            "action": "save",
        },
    )
    cart.refresh_from_db()
    line.refresh_from_db()
    assert (cart.justification, cart.supplier_note, line.supplier_note) == (SECRET_REASON, HEADER_NOTE, LINE_NOTE)
    order = requisition_submit(requisition=cart, by=alice()).purchase_orders.get()
    client.force_login(Employee.objects.get(user__username="frank").user)
    order_page = client.get(f"/purchase-orders/{order.pk}/").content.decode()
    assert HEADER_NOTE in order_page and LINE_NOTE in order_page


def test_the_api_takes_and_shows_the_notes(endpoint, api_client):
    supplier = cxml_supplier("ACMETOOLS", endpoint.url)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice().user)}")
    created = api_client.post(
        "/api/v1/requisitions/",
        {"title": "API", "justification": SECRET_REASON, "supplier_note": HEADER_NOTE},
        format="json",
    ).json()
    assert (created["justification"], created["supplier_note"]) == (SECRET_REASON, HEADER_NOTE)
    with_line = api_client.post(
        f"/api/v1/requisitions/{created['id']}/lines/",
        {
            "description": "Torque wrench",
            "quantity": "1",
            "unit_price": {"amount": "10.00", "currency": "EUR"},
            "supplier": supplier.code,
            "supplier_note": LINE_NOTE,
        },
        format="json",
    ).json()
    (line,) = with_line["lines"]
    assert line["supplier_note"] == LINE_NOTE
    changed = api_client.patch(
        f"/api/v1/requisitions/{created['id']}/lines/{line['id']}/", {"supplier_note": "Blue, please."}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["lines"][0]["supplier_note"] == "Blue, please."
    too_long = api_client.patch(f"/api/v1/requisitions/{created['id']}/", {"supplier_note": "x" * 1001}, format="json")
    assert too_long.status_code == 400 and too_long.json()["code"]
    assert Requisition.objects.get(pk=created["id"]).supplier_note == HEADER_NOTE
    requisition_submit(requisition=Requisition.objects.get(pk=created["id"]), by=alice())
    (order,) = api_client.get("/api/v1/purchase-orders/", {"requisition": created["id"]}).json()["results"]
    assert (order["supplier_note"], order["lines"][0]["supplier_note"]) == (HEADER_NOTE, "Blue, please.")


def test_a_justification_alone_never_reaches_the_supplier(endpoint):
    cart = requisition_create(
        by=alice(), legal_entity=alice().default_legal_entity, title="Quiet", justification=SECRET_REASON
    )
    requisition_line_add_free_text(
        requisition=cart,
        by=alice(),
        description="Torque wrench",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal("10.00"), "EUR"),
        supplier=cxml_supplier("ACMETOOLS", endpoint.url),
    )
    order = requisition_submit(requisition=cart, by=alice()).purchase_orders.get()
    document = order_request_document(order.revisions.get())
    assert b"replacing the broken unit" not in document and b"<Comments" not in document
    assert "replacing the broken unit" not in pdf_text(order_pdf(order))
