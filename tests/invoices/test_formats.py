"""Reading supplier invoices into one document: official Peppol BIS 3.0 examples (UBL), Factur-X PDFs and CII
made with the factur-x library, the five cXML samples; each refusal names the field. No database."""

from datetime import date
from decimal import Decimal

import pytest

from invoices.formats import (
    InvoiceFormatError,
    SupplierInvoiceDocument,
    TaxBreakdown,
    Totals,
    read_invoice_file,
)

from .support import CXML_SAMPLES, Line, cii_xml, facturx_pdf, invoice_data, peppol, plain_pdf, ubl_xml

D = Decimal


def read(data: bytes) -> SupplierInvoiceDocument:
    return read_invoice_file(data).document


# ------------------------------------------------------------------------------------------- Peppol UBL


def test_peppol_base_example_is_read_term_by_term():
    # given the official Peppol BIS 3.0 base example
    document = read(peppol("base-example.xml"))

    # then every business term we use has the value the file states
    assert (document.format, document.kind, document.type_code) == ("ubl", "invoice", "380")
    assert (document.number, document.issue_date, document.due_date) == (
        "Snippet1",
        date(2017, 11, 13),
        date(2017, 12, 1),
    )
    assert document.currency == "EUR"
    seller = document.seller
    assert (seller.name, seller.vat_id, seller.country) == ("SupplierOfficialName Ltd", "GB1232434", "GB")
    assert (seller.endpoint_scheme, seller.endpoint_id) == ("0088", "9482348239847239874")
    assert document.buyer is not None
    assert (document.buyer.name, document.buyer.vat_id, document.buyer.country) == (
        "Buyer Official Name",
        "SE4598375937",
        "SE",
    )
    first, second = document.lines
    assert (first.line_id, first.quantity, first.unit_code, first.net_price, first.net_amount) == (
        "1",
        D(7),
        "DAY",
        D(400),
        D(2800),
    )
    assert (first.order_line_reference, first.tax_category, first.tax_rate) == ("123", "S", D("25.0"))
    assert first.description == "item name: Description of item"
    assert (second.quantity, second.net_amount) == (D(-3), D(-1500))
    (insurance,) = document.allowances_charges
    assert (insurance.charge, insurance.amount, insurance.reason) == (True, D(25), "Insurance")
    assert document.tax_breakdown == (
        TaxBreakdown(category="S", rate=D("25.0"), taxable_amount=D(1325), tax_amount=D("331.25")),
    )
    assert document.totals == Totals(
        line_net_total=D(1300),
        allowance_total=D(0),
        charge_total=D(25),
        tax_exclusive=D(1325),
        tax_total=D("331.25"),
        tax_inclusive=D("1656.25"),
        prepaid=D(0),
        payable=D("1656.25"),
    )
    assert document.notes == ()


def test_peppol_credit_note_names_the_invoice_it_corrects():
    document = read(peppol("base-creditnote-correction.xml"))

    assert (document.kind, document.type_code, document.number) == ("credit_note", "381", "Snippet1")
    assert document.corrected_invoice == "Snippet1"
    assert document.totals.payable == D("1656.25")


def test_peppol_allowances_charges_and_two_vat_categories():
    document = read(peppol("Allowance-example.xml"))

    assert [(a.charge, a.amount, a.reason, a.tax_rate) for a in document.allowances_charges] == [
        (False, D(200), "Discount", D(25)),
        (True, D(200), "Cleaning", D(25)),
    ]
    # line 1: 10 × 410 − allowance 101 + charge 1 = 4000: no note
    assert (document.lines[0].allowance_total, document.lines[0].charge_total) == (D(101), D(1))
    assert [(row.category, row.rate, row.tax_amount, row.exemption_reason) for row in document.tax_breakdown] == [
        ("S", D(25), D(1225), ""),
        ("E", D(0), D(0), "Reason for tax exempt"),
    ]
    assert document.totals.payable == D("6125.00")
    assert document.notes == ()


def test_peppol_exempt_invoice_in_pounds():
    document = read(peppol("vat-category-E.xml"))

    assert (document.currency, document.totals.tax_total, document.totals.payable) == ("GBP", D(0), D("1200.00"))
    assert document.tax_breakdown[0].exemption_reason == "VATEX-EU-F"


# -------------------------------------------------------------------------------- Factur-X and CII


TWO_LINES = (Line("1", "P-1", "5", "8.00"), Line("2", "P-2", "2", "12.50", "5.5"))


@pytest.mark.parametrize(
    ("make", "source"), [(facturx_pdf, "facturx"), (cii_xml, "cii"), (ubl_xml, "ubl")], ids=["pdf", "cii", "ubl"]
)
def test_an_invoice_made_by_the_library_reads_back_the_same(make, source):
    # given a French supplier's invoice of two lines against order FR-PO-000001, as a Factur-X PDF, CII or UBL
    data = make(invoice_data(lines=TWO_LINES))

    # when it is read
    read_back = read_invoice_file(data)
    document = read_back.document

    # then it is the invoice that was made
    assert (document.format, document.kind, document.number, document.issue_date) == (
        source,
        "invoice",
        "F-2026-001",
        date(2026, 11, 20),
    )
    assert document.order_reference == "FR-PO-000001"
    assert (document.seller.vat_id, document.buyer and document.buyer.vat_id) == ("FR40303265045", "FR83404833048")
    assert [
        (line.order_line_reference, line.seller_item_id, line.quantity, line.net_price, line.net_amount, line.tax_rate)
        for line in document.lines
    ] == [("1", "P-1", D(5), D("8.00"), D("40.00"), D(20)), ("2", "P-2", D(2), D("12.50"), D("25.00"), D("5.5"))]
    assert (document.totals.tax_exclusive, document.totals.tax_total, document.totals.payable) == (
        D("65.00"),
        D("9.38"),
        D("74.38"),
    )
    assert document.notes == ()
    # and a PDF is kept whole, beside the XML it carried
    assert read_back.pdf == (data if source == "facturx" else None)
    assert read_back.xml.lstrip().startswith(b"<?xml")


def test_a_factur_x_credit_note():
    document = read(facturx_pdf(invoice_data(number="AV-1", credit_note_of="F-2026-001")))

    assert (document.kind, document.type_code, document.corrected_invoice) == ("credit_note", "381", "F-2026-001")


# ------------------------------------------------------------------------------------------ cXML


def cxml_sample(name: str) -> SupplierInvoiceDocument:
    return read((CXML_SAMPLES / f"InvoiceDetailRequest__officeluv__{name}.xml").read_bytes())


def test_cxml_backed_and_unbacked():
    document = cxml_sample("backed_and_unbacked")

    assert (document.format, document.number, document.currency, document.issue_date) == (
        "cxml",
        "INVOICENUMBER",
        "USD",
        date(2010, 12, 16),
    )
    assert document.due_date == date(2011, 1, 15)
    assert document.seller.identifiers == ("supplier-test", "testidentity")
    backed, unbacked = document.lines
    assert (backed.order_reference, backed.order_line_reference, backed.unbacked_reason) == ("E14994", "1", "")
    assert (unbacked.order_reference, unbacked.order_line_reference) == (None, None)
    assert unbacked.unbacked_reason == "billed against contract l, not against an order"
    assert document.totals.payable == D("220.00")
    assert document.notes == (
        "the amounts add up to 220.00 USD, but the invoice says 0.00 USD is due",
        "line 1: 3 × 100 = 300.00, but the line says 200.00",
    )


def test_cxml_backed_by_two_orders():
    document = cxml_sample("backed_by_multiple_pos")

    assert document.order_references == ("2252", "2253")
    assert document.order_reference is None
    assert [(line.order_reference, line.order_line_reference, line.net_amount) for line in document.lines] == [
        ("2252", "1", D(200)),
        ("2253", "1", D(20)),
    ]


@pytest.mark.parametrize("name", ["taxes_at_line", "taxes_at_total"])
def test_cxml_tax_at_line_or_at_total(name: str):
    document = cxml_sample(name)

    (line,) = document.lines
    assert line.tax_amount == (D(8) if name == "taxes_at_line" else None)
    assert [(a.reason, a.amount) for a in document.allowances_charges] == [
        ("Shipping", D(30)),
        ("Special handling", D(5)),
    ]
    assert document.tax_breakdown == (
        TaxBreakdown(category="CA", rate=D("8.25"), taxable_amount=D(365), tax_amount=D(8)),
    )
    assert (document.totals.tax_exclusive, document.totals.tax_total, document.totals.payable) == (
        D(400),
        D(8),
        D(408),
    )
    assert document.notes == ("tax 8.25 % of 365.00 is 30.11, but the invoice says 8.00",)


def test_cxml_placeholder_date_is_refused_naming_the_field():
    with pytest.raises(InvoiceFormatError) as refused:
        cxml_sample("taxes_at_line_multiple")

    assert refused.value.code == "invoice_invalid"
    assert refused.value.message == "the invoiceDate 'invoice_date' of the InvoiceDetailRequestHeader is not a date"


def test_cxml_placeholder_currency_is_refused_naming_the_field():
    data = (CXML_SAMPLES / "InvoiceDetailRequest__officeluv__taxes_at_line_multiple.xml").read_bytes()
    data = data.replace(b'invoiceDate="invoice_date"', b'invoiceDate="2018-05-04"')

    with pytest.raises(InvoiceFormatError) as refused:
        read(data)

    assert refused.value.message == (
        "the currency of the InvoiceDetailSummary 'CURRENCY_CODE' is not an ISO 4217 currency code"
    )


# ------------------------------------------------------------------------------------------ refusals


def _refusal(data: bytes) -> InvoiceFormatError:
    with pytest.raises(InvoiceFormatError) as refused:
        read_invoice_file(data)
    return refused.value


def test_a_ubl_invoice_without_issue_date_fails_the_official_schema():
    data = peppol("base-example.xml").replace(b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>", b"")

    refused = _refusal(data)

    assert refused.code == "invoice_invalid"
    assert refused.message == (
        "the invoice does not follow the OASIS UBL 2.1 Invoice schema: line 9: Element 'DueDate': This element is "
        "not expected. Expected is one of ( CopyIndicator, UUID, IssueDate )."
    )


def test_a_ubl_amount_that_is_not_a_number_fails_the_schema_naming_it():
    data = peppol("base-example.xml").replace(b">1656.25</cbc:PayableAmount>", b">lots</cbc:PayableAmount>")

    refused = _refusal(data)

    assert refused.message == (
        "the invoice does not follow the OASIS UBL 2.1 Invoice schema: line 144: Element 'PayableAmount': 'lots' is "
        "not a valid value of the local atomic type."
    )


def test_a_ubl_amount_beyond_our_columns_is_refused_naming_the_business_term():
    data = peppol("base-example.xml").replace(
        b">1656.25</cbc:PayableAmount>", b">123456789012345678</cbc:PayableAmount>"
    )

    assert _refusal(data).message == (
        "BT-115 amount due for payment has more than 14 digits before the decimal point: it cannot be stored"
    )


def test_a_ubl_currency_that_is_not_iso_is_refused():
    data = peppol("base-example.xml").replace(b"<cbc:DocumentCurrencyCode>EUR<", b"<cbc:DocumentCurrencyCode>EURO<")

    assert _refusal(data).message == "BT-5 invoice currency code 'EURO' is not an ISO 4217 currency code"


def test_a_cii_date_that_is_not_a_date_is_refused_naming_it():
    data = cii_xml(invoice_data()).replace(b">20261120<", b">20261340<", 1)

    assert _refusal(data).message == "IssueDateTime is not a date (YYYYMMDD): '20261340'"


def test_a_plain_pdf_is_not_an_e_invoice():
    refused = _refusal(plain_pdf())

    assert refused.code == "invoice_not_supported"
    assert refused.message.startswith("the PDF has no embedded invoice XML")


def test_a_damaged_pdf_is_refused():
    refused = _refusal(b"%PDF-1.7\n" + b"\x00garbage" * 50)

    assert (refused.code, refused.message) == (
        "invoice_unreadable",
        "the PDF could not be opened: it is damaged or encrypted",
    )


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", "invoice_unreadable", "the file is empty"),
        (b"not xml at all", "invoice_unreadable", "the file is not an invoice: the document is not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
            "invoice_unreadable",
            "the file is not an invoice: entities are not allowed",
        ),
        (b"<Order/>", "invoice_not_supported", "<Order> is not an invoice we read"),
        (
            (CXML_SAMPLES / "ShipNoticeRequest__derived__partial_with_items.xml").read_bytes(),
            "invoice_not_supported",
            "this cXML document is a ShipNoticeRequest, not an InvoiceDetailRequest",
        ),
        (b" " * (10 * 1024 * 1024 + 1), "invoice_too_large", "the file is 10485761 bytes; the limit is 10485760"),
    ],
)
def test_what_is_not_an_invoice_is_refused_with_a_code(data: bytes, code: str, message: str):
    refused = _refusal(data)

    assert refused.code == code
    assert refused.message.startswith(message)


def test_a_swedish_supplier_invoices_a_french_buyer_under_reverse_charge():
    # given a Swedish seller invoicing ACME-FR without VAT: the buyer accounts for it (category AE)
    data = invoice_data(
        seller="Verktyg Sverige AB",
        seller_vat="SE556036079301",
        seller_country="SE",
        lines=(Line("1", "SV-1", "4", "250.00", rate="0", category="AE"),),
    )

    document = read(ubl_xml(data))

    assert (document.seller.vat_id, document.seller.country) == ("SE556036079301", "SE")
    assert (document.lines[0].tax_category, document.lines[0].tax_rate) == ("AE", D(0))
    assert document.tax_breakdown == (
        TaxBreakdown(
            category="AE",
            rate=D(0),
            taxable_amount=D("1000.00"),
            tax_amount=D("0.00"),
            exemption_reason="Reverse charge",
        ),
    )
    assert (document.totals.tax_total, document.totals.payable) == (D("0.00"), D("1000.00"))


def test_damaged_files_are_refused_never_raised():
    # given real invoices cut short, with a byte dropped or a byte changed at 60 places each
    import random

    rng = random.Random(16)
    samples = [peppol("base-example.xml"), cii_xml(invoice_data()), facturx_pdf(invoice_data())]
    variants = [
        variant
        for data in samples
        for cut in range(0, len(data), max(1, len(data) // 60))
        for variant in (
            data[:cut],
            data[:cut] + data[cut + 1 :],
            data[:cut] + bytes([rng.randrange(256)]) + data[cut + 1 :],
        )
    ]

    # when each is read, then it is read or refused with an InvoiceFormatError: nothing else escapes
    for variant in variants:
        try:
            read_invoice_file(variant)
        except InvoiceFormatError as refused:
            assert refused.code in {"invoice_unreadable", "invoice_not_supported", "invoice_invalid"}
