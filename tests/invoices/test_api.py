"""The invoices API: upload an e-invoice, type a paper one, list them by order; errors as {"code", "message"}."""

import base64

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from invoices.models import Invoice

from .conftest import purchase_order
from .support import Line, facturx_pdf, invoice_data, plain_pdf, ubl_xml

UPLOAD = "/api/v1/invoices/upload/"
INVOICES = "/api/v1/invoices/"


def client_for(employee) -> APIClient:
    client = APIClient()
    client.force_authenticate(employee.user)
    return client


def upload(employee, data: bytes, name: str = "invoice.pdf", **fields):
    return client_for(employee).post(UPLOAD, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def test_a_buyer_uploads_a_factur_x_pdf(acme, durand):
    # given an order of ACME-FR at Durand
    order = purchase_order(durand, acme)
    pdf = facturx_pdf(invoice_data(order=order.number))

    # when frank, a buyer of ACME-FR, uploads Durand's Factur-X invoice
    response = upload(acme.frank, pdf, "F-2026-001.pdf")

    # then it is taken in, with its line linked to the order's first line and the PDF attached
    assert response.status_code == 201, response.json()
    body = response.json()
    first_line = order.lines.get(line_number=1)
    assert {key: body[key] for key in ("number", "supplier", "legal_entity", "status", "source", "kind")} == {
        "number": "F-2026-001",
        "supplier": "DURAND",
        "legal_entity": "ACME-FR",
        "status": "exception",
        "source": "facturx",
        "kind": "invoice",
    }
    assert (body["total"], body["tax"]) == (
        {"amount": "48.00", "currency": "EUR"},
        {"amount": "8.00", "currency": "EUR"},
    )
    assert (body["purchase_orders"], body["purchase_order_numbers"]) == ([order.pk], [order.number])
    (line,) = body["lines"]
    assert {key: line[key] for key in ("po_line", "quantity", "unit_price", "match", "reasons", "link")} == {
        "po_line": first_line.pk,
        "quantity": "5",
        "unit_price": {"amount": "8.00", "currency": "EUR"},
        "match": "exception",
        "reasons": ["invoiced 5, received 0"],
        "link": f"order {order.number}, line 1",
    }
    assert [a["filename"] for a in body["attachments"]] == ["F-2026-001.pdf"]

    # and the order's invoices list shows it
    listed = client_for(acme.frank).get(INVOICES, {"purchase_order": order.pk}).json()["results"]
    assert [invoice["number"] for invoice in listed] == ["F-2026-001"]


def test_a_requester_may_not_take_invoices_in(acme, durand):
    response = upload(acme.alice, ubl_xml(invoice_data()), "invoice.xml")

    assert response.status_code == 403
    assert response.json() == {"code": "not_allowed", "message": "Only a buyer or finance takes in supplier invoices."}
    assert Invoice.objects.count() == 0


def test_an_upload_that_is_not_an_invoice_is_refused_with_its_code(acme, durand):
    assert upload(acme.frank, plain_pdf()).json()["code"] == "invoice_not_supported"
    response = upload(acme.frank, b"<html>hello</html", "invoice.xml")
    assert response.status_code == 400
    assert response.json()["code"] == "invoice_unreadable"
    assert response.json()["message"].startswith("the file is not an invoice: the document is not well-formed XML")


def test_an_upload_without_a_file(acme, durand):
    response = client_for(acme.frank).post(UPLOAD, {}, format="multipart")

    assert (response.status_code, response.json()) == (
        400,
        {"code": "invoice_invalid", "message": "Send the invoice as the multipart field 'file'."},
    )


def test_a_duplicate_upload_is_409(acme, durand):
    upload(acme.frank, ubl_xml(invoice_data()), "invoice.xml")

    response = upload(acme.frank, ubl_xml(invoice_data()), "invoice.xml")

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_invoice"


def test_a_buyer_types_a_paper_invoice_with_its_pdf(acme, durand):
    order = purchase_order(durand, acme)
    second = order.lines.get(line_number=2)
    scan = plain_pdf("Facture F-77")

    response = client_for(acme.frank).post(
        INVOICES,
        {
            "legal_entity": "ACME-FR",
            "supplier": "DURAND",
            "number": "F-77",
            "invoice_date": "2026-11-21",
            "currency": "EUR",
            "purchase_order": order.pk,
            "lines": [{"po_line": second.pk, "quantity": "2", "unit_price": "12.50", "tax_rate": "20"}],
            "attachment": {"filename": "F-77.pdf", "content": base64.b64encode(scan).decode()},
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["total"], body["tax"]) == (
        "typed",
        {"amount": "30.00", "currency": "EUR"},
        {"amount": "5.00", "currency": "EUR"},
    )
    (line,) = body["lines"]
    assert (line["po_line"], line["description"], line["link"]) == (second.pk, "Item", f"order {order.number}, line 2")
    invoice = Invoice.objects.get(number="F-77")
    assert bytes(invoice.attachments.get().content) == scan
    assert invoice.created_by == acme.frank.user


def test_a_typed_invoice_names_every_bad_field(acme, durand):
    response = client_for(acme.frank).post(
        INVOICES,
        {
            "legal_entity": "ACME-FR",
            "supplier": "NOBODY",
            "number": "",
            "invoice_date": "21/11/2026",
            "currency": "EURO",
            "lines": [{"description": "Pens", "quantity": "1e3", "unit_price": "-1"}],
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invoice_invalid"
    assert body["errors"] == {
        "supplier": "No supplier 'NOBODY' is known.",
        "number": "Enter the supplier's invoice number.",
        "invoice_date": "'21/11/2026' is not a date (YYYY-MM-DD).",
        "currency": "'EURO' is not an ISO 4217 currency code.",
        "lines.1.quantity": "the quantity of line 1 is not a number: '1e3'",
        "lines.1.unit_price": "A price is 0 or more.",
    }
    assert body["message"] == "supplier: No supplier 'NOBODY' is known."


def test_a_buyer_of_another_entity_may_not_take_its_invoices_in(acme, durand):
    from procurement.models import Role
    from tests.factories import EmployeeFactory, LegalEntityFactory, UserFactory

    buyer = EmployeeFactory(
        user=UserFactory(username="bea"), legal_entities=[LegalEntityFactory(code="OTHER")], roles=[Role.BUYER]
    )

    response = upload(buyer, ubl_xml(invoice_data()), "invoice.xml")

    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")
    assert response.json()["message"] == "Only a buyer or finance of ACME-FR may take in its invoices."


def test_invoices_of_another_entity_are_not_listed(acme, durand):
    from tests.factories import EmployeeFactory, LegalEntityFactory, UserFactory

    upload(acme.frank, ubl_xml(invoice_data(lines=(Line("1", "P-1", "1", "1.00"),))), "invoice.xml")
    stranger = EmployeeFactory(user=UserFactory(username="sven"), legal_entities=[LegalEntityFactory(code="OTHER")])

    assert client_for(stranger).get(INVOICES).json() == {"results": []}
    assert client_for(stranger).get(f"{INVOICES}{Invoice.objects.get().pk}/").status_code == 404


def test_a_cxml_invoice_file_is_taken_from_the_supplier_identity(acme):
    from tests.factories_documents import CxmlSupplierFactory

    from .conftest import Ordered
    from .support import CXML_SAMPLES

    supplier = CxmlSupplierFactory(code="COUPA-SUP", order_to_identity="supplierid")
    purchase_order(supplier, acme, (Ordered("X", "1", "365"),), payload_id="123", currency="USD")
    data = (CXML_SAMPLES / "InvoiceDetailRequest__officeluv__taxes_at_total.xml").read_bytes()

    response = upload(acme.frank, data, "invoice.xml")

    assert response.status_code == 201, response.json()
    assert (response.json()["supplier"], response.json()["source"], response.json()["total"]["amount"]) == (
        "COUPA-SUP",
        "cxml",
        "408.00",
    )
