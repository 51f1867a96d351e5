"""The cXML InvoiceDetailRequest codec: the five real samples read field by field, valid against the official
InvoiceDetail.dtd, and every refusal a 400 naming the part."""

from decimal import Decimal
from functools import cache

import pytest
from lxml import etree

from punchout.cxml import (
    CXMLError,
    InvoiceDetailRequest,
    Money,
    UnexpectedDocument,
    parse_invoice_detail_request,
)

from .support import CXML_SAMPLES, FIXTURES, sample

INVOICE_DTD = FIXTURES / "cxml" / "dtd" / "1.2.069" / "InvoiceDetail.dtd"

INVOICE_SAMPLES = sorted(path.name for path in CXML_SAMPLES.glob("InvoiceDetailRequest__*.xml"))


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


@cache
def _invoice_dtd() -> etree.DTD:
    return etree.DTD(str(INVOICE_DTD))


def invoice_dtd_errors(document: bytes) -> list[str]:
    dtd = _invoice_dtd()
    root = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False))
    if dtd.validate(root):
        return []
    return [str(error) for error in dtd.error_log.filter_from_errors()]


@pytest.mark.parametrize("name", INVOICE_SAMPLES)
def test_every_invoice_sample_is_valid_against_the_invoice_dtd(name: str):
    # given a real supplier invoice; when the official 1.2.069 InvoiceDetail.dtd checks it; then it is valid
    # (the DTD does not type dates or currencies: taxes_at_line_multiple's placeholders pass it)
    assert invoice_dtd_errors(sample(name)) == []


def test_backed_and_unbacked_sample():
    # given Coupa's invoice with one line against an order and one against a contract only
    invoice = parse_invoice_detail_request(sample("InvoiceDetailRequest__officeluv__backed_and_unbacked.xml"))

    # then the header, both blocks and the summary are read as sent
    assert isinstance(invoice, InvoiceDetailRequest)
    assert (invoice.invoice_id, invoice.purpose, invoice.operation) == ("INVOICENUMBER", "standard", "new")
    assert invoice.invoice_date is not None and invoice.invoice_date.date().isoformat() == "2010-12-16"
    assert invoice.payment_term_days == 30
    assert invoice.header.from_.identity == "supplier-test"
    assert invoice.header.sender.shared_secret == "TESTSECRET"
    backed, unbacked = invoice.orders
    assert backed.reference.order_payload_id == "E14994" and backed.reference.backed
    assert unbacked.reference.backed is False
    assert unbacked.reference.agreement_payload_id == "l"
    line = backed.lines[0]
    assert (line.invoice_line_number, line.quantity, line.unit_of_measure, line.line_number) == (1, 3, "EA", 1)
    assert (line.unit_price, line.subtotal, line.description) == (usd("100"), usd("200"), "Item1")
    assert unbacked.lines[0].description == "Non PO or Contract Line Item Description"
    summary = invoice.summary
    assert (summary.subtotal, summary.shipping, summary.special_handling, summary.net) == (
        usd("220.00"),
        usd("0"),
        usd("0"),
        usd("0"),
    )
    assert summary.tax is not None and summary.tax.total == usd("0")
    # An empty <Money currency="USD"/> is an amount the sender did not know: absent, not an error.
    assert summary.tax.details[0].taxable_amount is None
    assert summary.tax.details[0].category == "tax"


def test_backed_by_multiple_pos_sample():
    invoice = parse_invoice_detail_request(sample("InvoiceDetailRequest__officeluv__backed_by_multiple_pos.xml"))

    assert [order.reference.order_payload_id for order in invoice.orders] == ["2252", "2253"]
    assert [(line.quantity, line.unit_price, line.subtotal) for line in invoice.lines] == [
        (Decimal("2.00"), usd("100"), usd("200")),
        (Decimal("2"), usd("10"), usd("20")),
    ]
    assert invoice.summary.subtotal == usd("220.00")


def test_taxes_at_line_sample():
    invoice = parse_invoice_detail_request(sample("InvoiceDetailRequest__officeluv__taxes_at_line.xml"))

    assert invoice.tax_in_line is True
    (line,) = invoice.lines
    assert line.tax is not None
    assert line.tax.total == usd("8")
    (detail,) = line.tax.details
    assert (detail.category, detail.rate, detail.taxable_amount, detail.tax_amount, detail.location) == (
        "CA",
        Decimal("8.25"),
        usd("365"),
        usd("8"),
        "CA",
    )
    summary = invoice.summary
    assert summary.tax is not None and summary.tax.total == usd("8") and summary.tax.details == ()
    assert (summary.shipping, summary.special_handling, summary.net) == (usd("30"), usd("5"), None)


def test_taxes_at_total_sample():
    invoice = parse_invoice_detail_request(sample("InvoiceDetailRequest__officeluv__taxes_at_total.xml"))

    assert invoice.tax_in_line is False
    assert invoice.lines[0].tax is None
    assert invoice.summary.tax is not None
    (detail,) = invoice.summary.tax.details
    assert (detail.rate, detail.tax_amount) == (Decimal("8.25"), usd("8"))


def test_taxes_at_line_multiple_sample_keeps_its_placeholders_for_the_next_layer():
    # given Coupa's template with an invoiceDate "invoice_date" and currency "currency_code"
    invoice = parse_invoice_detail_request(sample("InvoiceDetailRequest__officeluv__taxes_at_line_multiple.xml"))

    # then the codec reads it (dates are lenient here) and keeps the text for the invoice reader to refuse
    assert invoice.invoice_date is None
    assert invoice.invoice_date_text == "invoice_date"
    assert invoice.lines[0].unit_price == Money(amount=Decimal("10"), currency="CURRENCY_CODE")
    assert invoice.lines[0].supplier_part_id == "part-id"
    billed_from = invoice.partner("invoiceFrom")
    assert billed_from is not None
    assert (billed_from.country_code, dict(billed_from.identifiers)) == (
        "CA",
        {"taxNumber": "supplier_tax_registration"},
    )
    assert invoice.payment_term_days == 1 and invoice.payment_discount_percent == Decimal("1")
    assert invoice.summary.tax is not None
    assert [d.rate for d in invoice.summary.tax.details] == [
        Decimal("1"),
        Decimal("13"),
        Decimal("5"),
        Decimal("13"),
        Decimal("9.975"),
    ]
    assert invoice.summary.discount == Money(amount=Decimal("123"), currency="CURRENCY_CODE")


CREDIT_MEMO = """<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="cm-1@supplier" timestamp="2026-11-20T10:00:00+01:00">
  <Header>
    <From><Credential domain="DUNS"><Identity>supplier</Identity></Credential></From>
    <To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
    <Sender><Credential domain="DUNS"><Identity>supplier</Identity><SharedSecret>s</SharedSecret></Credential>
      <UserAgent>test</UserAgent></Sender>
  </Header>
  <Request>
    <InvoiceDetailRequest>
      <InvoiceDetailRequestHeader invoiceID="CN-7" purpose="{purpose}" invoiceDate="2026-11-20T10:00:00+01:00">
        <InvoiceDetailHeaderIndicator/>
        <InvoiceDetailLineIndicator/>
        <InvoiceIDInfo invoiceID="INV-5" invoiceDate="2026-11-01"/>
      </InvoiceDetailRequestHeader>
      {body}
      <InvoiceDetailSummary>
        <SubtotalAmount><Money currency="EUR">-40.00</Money></SubtotalAmount>
        <Tax><Money currency="EUR">-8.00</Money><Description xml:lang="en">VAT</Description>
          <TaxDetail category="vat" percentageRate="20"><TaxAmount><Money currency="EUR">-8.00</Money></TaxAmount>
          </TaxDetail></Tax>
        <NetAmount><Money currency="EUR">-48.00</Money></NetAmount>
      </InvoiceDetailSummary>
    </InvoiceDetailRequest>
  </Request>
</cXML>"""

HEADER_ORDER = """<InvoiceDetailHeaderOrder>
        <InvoiceDetailOrderInfo><OrderReference orderID="FR-PO-1"><DocumentReference payloadID="po-1@acme"/>
        </OrderReference></InvoiceDetailOrderInfo>
        <InvoiceDetailOrderSummary invoiceLineNumber="1">
          <SubtotalAmount><Money currency="EUR">-40.00</Money></SubtotalAmount>
        </InvoiceDetailOrderSummary>
      </InvoiceDetailHeaderOrder>"""

ITEM = """<InvoiceDetailOrder>
        <InvoiceDetailOrderInfo><OrderIDInfo orderID="FR-PO-1"/></InvoiceDetailOrderInfo>
        <InvoiceDetailItem invoiceLineNumber="1" {quantity}>
          <UnitOfMeasure>EA</UnitOfMeasure>
          <UnitPrice><Money currency="EUR">{price}</Money></UnitPrice>
          <InvoiceDetailItemReference lineNumber="{line}"><ItemID><SupplierPartID>P-1</SupplierPartID></ItemID>
          </InvoiceDetailItemReference>
        </InvoiceDetailItem>
      </InvoiceDetailOrder>"""


def credit_memo(purpose: str = "creditMemo", body: str = HEADER_ORDER) -> bytes:
    return CREDIT_MEMO.replace("{purpose}", purpose).replace("{body}", body).encode()


def item(quantity: str = 'quantity="-2"', price: str = "20.00", line: str = "1") -> str:
    return ITEM.replace("{quantity}", quantity).replace("{price}", price).replace("{line}", line)


def test_a_header_credit_memo_names_the_invoice_it_corrects():
    invoice = parse_invoice_detail_request(credit_memo())

    assert invoice.credit is True
    assert invoice.original_invoice_id == "INV-5"
    assert invoice.orders == ()
    (order,) = invoice.header_orders
    assert (order.reference.order_id, order.reference.order_payload_id) == ("FR-PO-1", "po-1@acme")
    assert order.subtotal == Money(amount=Decimal("-40.00"), currency="EUR")
    assert invoice.summary.net == Money(amount=Decimal("-48.00"), currency="EUR")


def test_a_line_level_credit_memo_reads_negative_quantities():
    invoice = parse_invoice_detail_request(credit_memo("lineLevelCreditMemo", item()))

    assert invoice.purpose == "lineLevelCreditMemo"
    (line,) = invoice.lines
    assert (line.quantity, line.supplier_part_id, line.line_number) == (Decimal("-2"), "P-1", 1)
    assert invoice.orders[0].reference.order_id == "FR-PO-1"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (credit_memo(body=""), "has no InvoiceDetailOrder and no InvoiceDetailHeaderOrder"),
        (credit_memo("sideways"), "the InvoiceDetailRequestHeader purpose 'sideways' is not one of"),
        (credit_memo(body=item(quantity="")), "InvoiceDetailItem 1 of InvoiceDetailOrder 1 has no quantity"),
        (
            credit_memo(body=item(quantity='quantity="1e3"')),
            "the quantity of InvoiceDetailItem 1 of InvoiceDetailOrder 1 is not a number: '1e3'",
        ),
        (
            credit_memo(body=item(quantity='quantity="12345678901"')),
            "the quantity of InvoiceDetailItem 1 of InvoiceDetailOrder 1 is larger than 9999999999.999",
        ),
        (
            credit_memo(body=item(price="123456789012345")),
            "the UnitPrice of InvoiceDetailItem 1 of InvoiceDetailOrder 1 has more than 14 digits",
        ),
        (
            credit_memo(body=item(line="x")),
            "the lineNumber of the item reference of InvoiceDetailItem 1 of InvoiceDetailOrder 1 is not a whole",
        ),
        (
            credit_memo().replace(b' invoiceID="CN-7"', b""),
            "the InvoiceDetailRequestHeader has no invoiceID",
        ),
        (
            credit_memo().replace(b'percentageRate="20"', b'percentageRate="20.1234"'),
            "the percentageRate of TaxDetail 1 of the Tax of the InvoiceDetailSummary has more than 3 decimals",
        ),
    ],
)
def test_a_bad_invoice_is_refused_with_a_400_naming_the_part(document: bytes, message: str):
    with pytest.raises(CXMLError) as refused:
        parse_invoice_detail_request(document)

    assert refused.value.status_code == 400
    assert message in refused.value.message


def test_another_document_is_refused_406():
    with pytest.raises(UnexpectedDocument) as refused:
        parse_invoice_detail_request(sample("ShipNoticeRequest__derived__partial_with_items.xml"))

    assert refused.value.status_code == 406
    assert refused.value.message == "expected an InvoiceDetailRequest, got a ShipNoticeRequest"


def test_a_credit_memo_we_write_down_is_valid_against_the_dtd():
    # given our derived credit memos (used by the ingestion tests); then the official DTD accepts them
    assert invoice_dtd_errors(credit_memo()) == []
    assert invoice_dtd_errors(credit_memo("lineLevelCreditMemo", item())) == []
