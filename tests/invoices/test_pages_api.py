"""The invoice pages and API as buyers, requesters, finance and the ERP see them; a buyer's close-out."""

from decimal import Decimal

import pytest

from invoices.matching import invoice_match
from invoices.models import InvoiceAttachment
from procurement.models import Role
from tests.factories import EmployeeFactory, LegalEntityFactory

from .helpers import invoice_for, ledger, ordered, po_lines, receive, tolerance


@pytest.fixture
def held(world):
    """Bolts: 5 ordered, 3 received, an invoice for 5 on hold."""
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "3")
    invoice = invoice_for(order, (line, "5", "8.00"), number="INV-5")
    invoice_match(invoice=invoice)
    return order, line, invoice


def test_the_api_lists_an_orders_invoices_with_the_match_line_by_line(world, held, api_client):
    order, line, invoice = held
    api_client.force_authenticate(world.buyer.user)
    response = api_client.get(f"/api/v1/invoices/?purchase_order={order.pk}")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert {key: row[key] for key in ("id", "number", "supplier", "status", "total", "tax")} == {
        "id": invoice.pk,
        "number": "INV-5",
        "supplier": "BOLTS",
        "status": "exception",
        "total": {"amount": "48.00", "currency": "EUR"},
        "tax": {"amount": "8.00", "currency": "EUR"},
    }
    [first] = row["lines"]
    assert {key: first[key] for key in ("po_line", "quantity", "unit_price", "match", "reasons")} == {
        "po_line": line.pk,
        "quantity": "5",
        "unit_price": {"amount": "8.00", "currency": "EUR"},
        "match": "exception",
        "reasons": ["invoiced 5, received 3"],
    }
    assert api_client.get(f"/api/v1/invoices/{invoice.pk}/").json()["lines"] == row["lines"]
    assert api_client.get("/api/v1/invoices/?purchase_order=x").json()["code"] == "invalid"


def test_another_entitys_people_see_nothing(world, held, api_client):
    _, _, invoice = held
    stranger = EmployeeFactory(legal_entities=[LegalEntityFactory(code="DE-TEST")], roles=[Role.BUYER])
    api_client.force_authenticate(stranger.user)
    assert api_client.get("/api/v1/invoices/").json() == {"results": []}
    response = api_client.get(f"/api/v1/invoices/{invoice.pk}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_erp_reports_a_payment(world, api_client):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    invoice = invoice_for(order, (line, "5", "8.00"))
    invoice_match(invoice=invoice)
    api_client.force_authenticate(world.requester.user)
    assert api_client.post(f"/api/v1/invoices/{invoice.pk}/paid/", {"paid_at": "2026-12-01"}).status_code == 403
    finance = EmployeeFactory(legal_entities=[world.france], roles=[Role.FINANCE])
    api_client.force_authenticate(finance.user)
    bad = api_client.post(f"/api/v1/invoices/{invoice.pk}/paid/", {"paid_at": "yesterday"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    paid = api_client.post(
        f"/api/v1/invoices/{invoice.pk}/paid/", {"paid_at": "2026-12-01T09:30:00Z", "reference": "PAY-1"}, format="json"
    )
    assert paid.status_code == 200
    assert (paid.json()["status"], paid.json()["payment_reference"]) == ("paid", "PAY-1")
    assert paid.json()["paid_at"] == "2026-12-01T09:30:00+00:00"


def test_buyers_see_invoices_on_hold_with_their_reasons(world, held, client):
    order, _, invoice = held
    client.force_login(world.buyer.user)
    page = client.get("/invoices/on-hold/").content.decode()
    assert "INV-5" in page and "Line 1: invoiced 5, received 3" in page
    detail = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "invoiced 5, received 3" in detail and order.number in detail
    assert "INV-5" in client.get(f"/invoices/?order={order.pk}").content.decode()
    assert "INV-5" in client.get(f"/purchase-orders/{order.pk}/").content.decode()


def test_attachments_only_for_the_entitys_people(world, held, client):
    _, _, invoice = held
    document = InvoiceAttachment.objects.create(
        invoice=invoice, filename="INV-5.pdf", content_type="application/pdf", size=4, sha256="0" * 64, content=b"%PDF"
    )
    client.force_login(world.buyer.user)
    response = client.get(f"/invoices/{invoice.pk}/attachments/{document.pk}/")
    assert (response.status_code, response.content) == (200, b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="INV-5.pdf"'
    stranger = EmployeeFactory(legal_entities=[LegalEntityFactory(code="DE-TEST")], roles=[Role.BUYER])
    client.force_login(stranger.user)
    assert client.get(f"/invoices/{invoice.pk}/attachments/{document.pk}/").status_code == 404


def test_a_buyer_closes_an_order_and_its_remaining_commitment_is_released(world, held, api_client):
    order, line, _ = held
    api_client.force_authenticate(world.requester.user)
    refused = api_client.post(f"/api/v1/purchase-orders/{order.pk}/close/", {"comment": "done"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_a_buyer")
    api_client.force_authenticate(world.buyer.user)
    no_reason = api_client.post(f"/api/v1/purchase-orders/{order.pk}/close/", {"comment": " "}, format="json")
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "progress_invalid")
    closed = api_client.post(
        f"/api/v1/purchase-orders/{order.pk}/close/", {"comment": "The last 2 will not come"}, format="json"
    )
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert ledger(order) == {"commitment": 4000, "commitment_release": -4000}
    order.refresh_from_db()
    assert order.requisition.status == "closed"
    line.refresh_from_db()
    assert line.received_quantity == Decimal(3)


def test_the_close_button_asks_for_a_reason(world, held, client):
    order, _, _ = held
    client.force_login(world.buyer.user)
    assert 'id="order-close"' in client.get(f"/purchase-orders/{order.pk}/").content.decode()
    assert 'name="comment"' in client.get(f"/purchase-orders/{order.pk}/close/confirm/").content.decode()
    client.post(f"/purchase-orders/{order.pk}/close/", {"confirm": "yes", "comment": "Short delivery accepted"})
    order.refresh_from_db()
    assert order.status == "closed"


def test_the_requisition_page_tells_the_whole_story(world, client):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "3")
    client.force_login(world.requester.user)
    page = client.get(f"/requisitions/{order.requisition_id}/").content.decode()
    story = page[page.index('id="requisition-story"') : page.index("</ol>", page.index('id="requisition-story"'))]
    assert 'story-done" data-step="approved"' in story
    assert 'story-done" data-step="ordered"' in story
    assert 'class="story-step " data-step="confirmed"' in story
    assert 'story-partly" data-step="received"' in story
    receive(order, line, "2")
    invoice_match(invoice=invoice_for(order, (line, "5", "8.00")))
    page = client.get(f"/requisitions/{order.requisition_id}/").content.decode()
    for step in ("received", "invoiced", "closed"):
        assert f'story-done" data-step="{step}"' in page
