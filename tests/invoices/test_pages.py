"""The invoice pages: upload an e-invoice, type a paper one (the form keeps what was typed and names each bad
field), read it; CSRF on every form."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from invoices.models import Invoice

from .conftest import purchase_order
from .support import facturx_pdf, invoice_data, plain_pdf


def browser(employee) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(employee.user)
    return client


def test_a_buyer_uploads_a_factur_x_pdf_and_reads_it(acme, durand):
    order = purchase_order(durand, acme)
    pdf = facturx_pdf(invoice_data(order=order.number))
    client = browser(acme.frank)

    response = client.post("/invoices/upload/", {"file": SimpleUploadedFile("F-2026-001.pdf", pdf)})

    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Invoice F-2026-001 · Fournitures Durand SARL" in page
    assert f"order {order.number}, line 1" in page
    assert "48.00\xa0EUR" in page
    download = client.get(f"/invoices/{invoice.pk}/attachments/{invoice.attachments.get().pk}/")
    assert (download.status_code, download["Content-Type"], bytes(download.content)) == (200, "application/pdf", pdf)
    assert download["Content-Disposition"] == 'attachment; filename="F-2026-001.pdf"'


def test_an_upload_that_is_not_an_invoice_says_why(acme, durand):
    response = browser(acme.frank).post("/invoices/upload/", {"file": SimpleUploadedFile("scan.pdf", plain_pdf())})

    assert response.status_code == 400
    assert "the PDF has no embedded invoice XML" in response.content.decode()


def test_the_typed_form_keeps_what_was_typed_and_names_each_bad_field(acme, durand):
    response = browser(acme.frank).post(
        "/invoices/new/",
        {
            "supplier": "DURAND",
            "number": "F-9",
            "invoice_date": "2026-11-31",
            "currency": "EUR",
            "kind": "invoice",
            "line_count": "2",
            "line-1-description": "Pens",
            "line-1-quantity": "three",
            "line-1-unit_price": "1.20",
            "line-1-unit": "EA",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "&#x27;2026-11-31&#x27; is not a date (YYYY-MM-DD)." in page
    assert "the quantity of line 1 is not a number: &#x27;three&#x27;" in page
    assert 'value="F-9"' in page and 'value="Pens"' in page and 'value="three"' in page
    assert Invoice.objects.count() == 0


def test_a_buyer_types_a_paper_invoice(acme, durand):
    order = purchase_order(durand, acme)
    client = browser(acme.frank)

    response = client.post(
        "/invoices/new/",
        {
            "supplier": "DURAND",
            "number": "F-10",
            "invoice_date": "2026-11-22",
            "currency": "EUR",
            "kind": "invoice",
            "purchase_order": order.number,
            "line_count": "1",
            "line-1-quantity": "5",
            "line-1-unit_price": "8.00",
            "line-1-unit": "EA",
            "line-1-tax_rate": "20",
            "line-1-po_line": str(order.lines.get(line_number=1).pk),
            "file": SimpleUploadedFile("F-10.pdf", plain_pdf("F-10")),
        },
    )

    invoice = Invoice.objects.get(number="F-10")
    assert response.status_code == 302
    assert (invoice.source, invoice.total_minor, invoice.lines.get().po_line.line_number) == ("typed", 4800, 1)
    assert invoice.attachments.get().filename == "F-10.pdf"


def test_a_requester_sees_that_only_buyers_take_invoices_in(acme, durand):
    page = browser(acme.alice).get("/invoices/upload/").content.decode()

    assert "Only a buyer or finance of ACME-FR may take in its invoices." in page


def test_the_pages_need_the_csrf_token(acme, durand):
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.frank.user)

    assert client.post("/invoices/upload/", {}).status_code == 403
    assert client.post("/invoices/new/", {}).status_code == 403
