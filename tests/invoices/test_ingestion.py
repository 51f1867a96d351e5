"""Taking invoices in from UBL, CII and Factur-X: the supplier by its VAT number, the entity by the order or the
buyer's VAT number, line links, duplicates, credit notes, and the refusals, each in words."""

from datetime import date
from decimal import Decimal

import pytest

from invoices.errors import DuplicateInvoice, InvoiceRefused, UnknownBuyer, UnknownSupplier
from invoices.formats import read_invoice_file
from invoices.ingestion import invoice_receive
from invoices.models import Invoice

from .conftest import DURAND_VAT, Ordered, purchase_order
from .support import Line, facturx_pdf, invoice_data, peppol, ubl_xml


def receive(data: bytes, **kwargs) -> Invoice:
    read = read_invoice_file(data)
    return invoice_receive(document=read.document, source_xml=read.xml, pdf=read.pdf, **kwargs).invoice


def links(invoice: Invoice) -> list[tuple[int | None, str]]:
    return [(line.po_line.line_number if line.po_line else None, line.link_note) for line in invoice.lines.all()]


def test_a_factur_x_pdf_is_taken_in_against_its_order(acme, durand):
    # given an order of 5 × P-1 at 8.00 and 2 × P-2 at 12.50
    order = purchase_order(durand, acme)
    pdf = facturx_pdf(
        invoice_data(order=order.number, lines=(Line("1", "P-1", "5", "8.00"), Line("2", "P-2", "2", "12.50")))
    )

    # when Durand's Factur-X invoice is taken in
    invoice = receive(pdf, pdf_name="F-2026-001.pdf")

    # then it is Durand's, for ACME-FR, against the order, each line linked by its line number
    assert (invoice.supplier, invoice.legal_entity, invoice.source, invoice.kind) == (
        durand,
        acme.france,
        "facturx",
        "invoice",
    )
    assert (invoice.number, invoice.invoice_date, invoice.due_date, invoice.fiscal_year) == (
        "F-2026-001",
        date(2026, 11, 20),
        date(2026, 12, 1),
        2026,
    )
    assert list(invoice.purchase_orders.all()) == [order]
    assert links(invoice) == [(1, f"order {order.number}, line 1"), (2, f"order {order.number}, line 2")]
    line = invoice.lines.get(line_number=1)
    assert (line.quantity, line.unit, line.unit_price_minor, line.net_minor, line.tax_category, line.tax_rate) == (
        Decimal("5.000"),
        "C62",
        800,
        4000,
        "S",
        Decimal("20.000"),
    )
    assert line.tax_minor == 800
    assert (invoice.net_minor, invoice.tax_minor, invoice.total_minor, invoice.charges_minor) == (6500, 1300, 7800, 0)
    assert invoice.reasons == []
    # and the PDF is kept as the invoice's attachment, the XML as its document
    attachment = invoice.attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "F-2026-001.pdf",
        "application/pdf",
        len(pdf),
    )
    assert bytes(attachment.content) == pdf
    assert "<ram:ID>F-2026-001</ram:ID>" in invoice.document


def test_a_line_without_order_line_number_is_linked_by_supplier_part(acme, durand):
    order = purchase_order(durand, acme)
    data = ubl_xml(
        invoice_data(order=order.number, lines=(Line(None, "P-2", "2", "12.50"), Line(None, "P-9", "1", "3.00")))
    )

    invoice = receive(data)

    assert links(invoice) == [
        (2, f"order {order.number}, line 2, by supplier part P-2"),
        (None, f"order {order.number} has no line number and no line with part P-9"),
    ]


def test_an_invoice_naming_an_unknown_order_is_taken_for_the_buyer_by_vat_number(acme, durand):
    invoice = receive(ubl_xml(invoice_data(order="PO-OF-SOMEONE-ELSE")))

    assert invoice.legal_entity == acme.france
    assert links(invoice) == [(None, "order PO-OF-SOMEONE-ELSE is not one of our orders with this supplier")]


def test_the_same_number_in_the_same_fiscal_year_is_refused(acme, durand):
    order = purchase_order(durand, acme)
    receive(ubl_xml(invoice_data(order=order.number)))

    with pytest.raises(DuplicateInvoice) as refused:
        receive(facturx_pdf(invoice_data(order=order.number)))

    assert refused.value.status == 409
    assert refused.value.message.startswith(
        "Invoice F-2026-001 of Fournitures Durand SARL for fiscal year 2026 was already received on "
    )
    assert Invoice.objects.count() == 1


def test_the_same_number_next_fiscal_year_is_another_invoice(acme, durand):
    receive(ubl_xml(invoice_data()))

    later = receive(ubl_xml(invoice_data(issue=date(2027, 1, 5))))

    assert later.fiscal_year == 2027
    assert Invoice.objects.count() == 2


def test_the_same_amount_on_the_same_day_is_flagged_as_a_possible_duplicate(acme, durand):
    first = receive(ubl_xml(invoice_data(number="F-1")))

    second = receive(ubl_xml(invoice_data(number="F-1bis")))

    assert second.possible_duplicate_of == first
    assert second.notes == []
    assert second.status == "exception"
    assert (
        f"possibly a duplicate of invoice F-1 of {first.invoice_date.isoformat()} (same supplier, amount and date)"
        in second.reasons
    )


def test_a_credit_note_is_tied_to_the_invoice_it_corrects(acme, durand):
    order = purchase_order(durand, acme)
    invoice = receive(ubl_xml(invoice_data(order=order.number)))

    credit = receive(
        facturx_pdf(
            invoice_data(number="AV-1", order=None, credit_note_of="F-2026-001", lines=(Line("1", "P-1", "1", "8.00"),))
        )
    )

    assert (credit.kind, credit.corrects, credit.total_minor) == ("credit_note", invoice, 960)
    assert list(credit.purchase_orders.all()) == [order]
    assert credit.reasons == []


def test_a_credit_note_of_an_unknown_invoice_says_so(acme, durand):
    credit = receive(ubl_xml(invoice_data(number="AV-2", credit_note_of="F-404")))

    assert credit.corrects is None
    assert credit.notes == ["it corrects invoice F-404, which is not known here"]
    assert (credit.status, credit.reasons[0]) == ("exception", "it corrects invoice F-404, which is not known here")


def test_an_unknown_seller_is_refused_naming_its_vat_number(acme, durand):
    with pytest.raises(UnknownSupplier) as refused:
        receive(ubl_xml(invoice_data(seller_vat="DE123456789")))

    assert refused.value.message == (
        "No supplier with VAT number DE123456789 is known here: an administrator adds it to the supplier's "
        "tax id first."
    )


def test_an_unknown_buyer_is_refused(acme, durand):
    with pytest.raises(UnknownBuyer) as refused:
        receive(ubl_xml(invoice_data(order=None, buyer_vat="FR99999999999")))

    assert refused.value.message == (
        "The invoice names none of our orders and its buyer VAT number FR99999999999 is none of our legal entities."
    )


def test_an_invoice_for_another_entity_than_the_acting_one_is_refused(acme, durand):
    order = purchase_order(durand, acme)

    with pytest.raises(InvoiceRefused) as refused:
        receive(ubl_xml(invoice_data(order=order.number)), legal_entity=acme.sweden)

    assert refused.value.message == (
        "This invoice is for ACME-FR (Acme France SAS), not for ACME-SE: switch to ACME-FR to take it in."
    )


def test_a_peppol_invoice_with_a_negative_line_asks_for_a_credit_note(acme):
    # given the official Peppol base example (its seller registered with us, for the Swedish buyer)
    from tests.factories import SupplierFactory

    SupplierFactory(code="SNIPPET", tax_id="GB1232434")
    acme.sweden.tax_id = "SE4598375937"
    acme.sweden.save()

    with pytest.raises(InvoiceRefused) as refused:
        receive(peppol("base-example.xml"))

    assert (
        refused.value.message
        == "Line 2 bills a negative amount (-3 × 500): a return or a correction comes as a credit note."
    )


def test_a_peppol_invoice_in_sweden_by_the_supplier_vat_number(acme):
    from tests.factories import SupplierFactory

    supplier = SupplierFactory(code="SELLERCO", tax_id="GB 928 741 974")
    acme.sweden.tax_id = "DK12345678"
    acme.sweden.save()

    invoice = receive(peppol("vat-category-E.xml"), legal_entity=None)

    assert (invoice.supplier, invoice.currency, invoice.total_minor, invoice.tax_minor) == (supplier, "GBP", 120000, 0)
    assert invoice.lines.get().tax_category == "E"


def test_vat_numbers_compare_without_spaces(acme):
    from tests.factories import SupplierFactory

    SupplierFactory(code="DURAND2", tax_id="fr 40 303 265 045")

    invoice = receive(ubl_xml(invoice_data(seller_vat=DURAND_VAT)))

    assert invoice.supplier.code == "DURAND2"


def test_an_order_line_is_found_for_a_cxml_style_order_payload(acme, durand):
    order = purchase_order(durand, acme, (Ordered("P-1", "5", "8.00"),), payload_id="po-77@acme")

    invoice = receive(ubl_xml(invoice_data(order="po-77@acme", lines=(Line("1", "P-1", "5", "8.00"),))))

    assert links(invoice) == [(1, f"order {order.number}, line 1")]


def test_taking_an_invoice_in_costs_the_same_queries_for_2_or_20_lines(acme, durand):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(number: str, count: int) -> int:
        parts = tuple(Ordered(f"P-{n}", "1", "2.00") for n in range(1, count + 1))
        order = purchase_order(durand, acme, parts)
        lines = tuple(Line(str(n), f"P-{n}", "1", "2.00") for n in range(1, count + 1))
        read = read_invoice_file(ubl_xml(invoice_data(number=number, order=order.number, lines=lines)))
        with CaptureQueriesContext(connection) as captured:
            invoice_receive(document=read.document, source_xml=read.xml)
        return len(captured)

    assert queries("F-2", 2) == queries("F-20", 20)


def test_the_example_documents_of_an_order_are_taken_in_against_it(acme, durand):
    from invoices.example_documents import example_facturx_pdf, example_ubl_invoice

    # given an order (the example documents are for the demo data and docs/examples/)
    order = purchase_order(durand, acme)

    # when its example Factur-X PDF and Peppol UBL invoice (5 of line 2 instead of 2) are taken in
    pdf = receive(example_facturx_pdf(order, number="EX-1", issue_date=date(2026, 11, 20)))
    ubl = receive(example_ubl_invoice(order, number="EX-2", issue_date=date(2026, 11, 21), quantities={2: Decimal(5)}))

    # then every line is linked to its order line, with the quantities invoiced
    assert (pdf.source, ubl.source) == ("facturx", "ubl")
    assert [(line.order_line_number, line.quantity) for line in pdf.lines.all()] == [
        (1, Decimal("5.000")),
        (2, Decimal("2.000")),
    ]
    assert [(line.order_line_number, line.quantity) for line in ubl.lines.all()] == [
        (1, Decimal("5.000")),
        (2, Decimal("5.000")),
    ]
    assert (pdf.total_minor, ubl.total_minor, pdf.reasons, ubl.reasons) == (7800, 12300, [], [])
