"""Every cXML invoice sample posted to /cxml/inbound/ by its supplier, with the outcome we give written down
(the same table is in docs/invoices.md); repeats, duplicates and bad credentials."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from lxml import etree

from invoices.models import Invoice
from tests.factories_documents import CxmlSupplierFactory

from .conftest import Ordered, purchase_order
from .support import CXML_SAMPLES

INBOUND = "/cxml/inbound/"


def post(data: bytes):
    return Client(enforce_csrf_checks=True).post(INBOUND, data, content_type="text/xml")


def status(response) -> tuple[int, str]:
    element = etree.fromstring(response.content).find("Response/Status")
    return int(element.get("code")), (element.text or "").strip()


def sample(name: str) -> bytes:
    return (CXML_SAMPLES / f"InvoiceDetailRequest__officeluv__{name}.xml").read_bytes()


@dataclass(frozen=True)
class Outcome:
    """What a sample becomes: its supplier's credentials, the orders (payloadIDs) we hold for it, and the
    invoice we take (lines as (order line number or None, link note), tax, total, reasons)."""

    identity: str
    secret: str
    orders: tuple[str, ...]
    number: str
    lines: tuple[tuple[int | None, str], ...]
    tax: str
    total: str
    reasons: tuple[str, ...]
    # Why each line is on hold: nothing was received yet (three-way), and what else does not match the order
    # (the test orders 3 at 100.00 on each order line).
    line_reasons: tuple[tuple[str, ...], ...]


OUTCOMES = {
    # A line against order E14994 and a line against contract "l" only: the second stays unlinked, with why.
    "backed_and_unbacked": Outcome(
        "supplier-test",
        "TESTSECRET",
        ("E14994",),
        "INVOICENUMBER",
        ((1, "order {0}, line 1"), (None, "billed against contract l, not against an order")),
        "0.00",
        "220.00",
        (
            "the amounts add up to 220.00 USD, but the invoice says 0.00 USD is due",
            "line 1: 3 × 100 = 300.00, but the line says 200.00",
        ),
        (
            ("line amount 200.00 USD where 3 × 100.00 makes 300.00 USD", "invoiced 3, received 0"),
            ("no order line: billed against contract l, not against an order",),
        ),
    ),
    # One invoice billing two orders, a line each.
    "backed_by_multiple_pos": Outcome(
        "SupplierID",
        "123456secret",
        ("2252", "2253"),
        "INV00001",
        ((1, "order {0}, line 1"), (1, "order {1}, line 1")),
        "0.00",
        "220.00",
        ("the amounts add up to 220.00 USD, but the invoice says 0.00 USD is due",),
        (("invoiced 2, received 0",), ("invoiced 2, received 0",)),
    ),
    # Tax stated on the line (8.00 at 8.25 %, which is not 8.25 % of 365), plus shipping 30 and handling 5.
    "taxes_at_line": Outcome(
        "supplierid",
        "secret",
        ("123",),
        "3495",
        ((1, "order {0}, line 1"),),
        "8.00",
        "408.00",
        ("tax 8.25 % of 365.00 is 30.11, but the invoice says 8.00",),
        (
            (
                "invoiced 1, received 0",
                "unit price 365.00 vs 100.00 ordered, +265 % with no price tolerance",
                "tax 8.00 USD on the line where 8.25 % of 365.00 USD is 30.11 USD",
            ),
        ),
    ),
    # The same tax stated once, in the summary.
    "taxes_at_total": Outcome(
        "supplierid",
        "secret",
        ("123",),
        "3492",
        ((1, "order {0}, line 1"),),
        "8.00",
        "408.00",
        ("tax 8.25 % of 365.00 is 30.11, but the invoice says 8.00",),
        (("invoiced 1, received 0", "unit price 365.00 vs 100.00 ordered, +265 % with no price tolerance"),),
    ),
}


def supplier_and_orders(acme, outcome: Outcome):
    supplier = CxmlSupplierFactory(
        code=f"S-{outcome.identity.upper()}"[:30],
        order_to_identity=outcome.identity,
        order_shared_secret=outcome.secret,
    )
    orders = [
        purchase_order(supplier, acme, (Ordered("X", "3", "100"),), payload_id=payload, currency="USD")
        for payload in outcome.orders
    ]
    return supplier, orders


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_a_cxml_invoice_sample_is_taken_in_with_its_outcome(acme, name: str):
    # given the supplier of the sample, with its credentials, and the orders the sample names
    outcome = OUTCOMES[name]
    supplier, orders = supplier_and_orders(acme, outcome)

    # when the supplier posts the sample
    response = post(sample(name))

    # then it is answered 200 and the invoice holds what the sample says
    code, message = status(response)
    assert (response.status_code, code) == (200, 200), message
    invoice = Invoice.objects.get(supplier=supplier)
    numbers = [order.number for order in orders]
    assert (invoice.number, invoice.source, invoice.kind, invoice.status) == (
        outcome.number,
        "cxml",
        "invoice",
        "exception",
    )
    assert (invoice.legal_entity, invoice.currency) == (acme.france, "USD")
    assert sorted(invoice.purchase_orders.values_list("number", flat=True)) == sorted(numbers)
    assert [(line.po_line.line_number if line.po_line else None, line.link_note) for line in invoice.lines.all()] == [
        (number, note.format(*numbers)) for number, note in outcome.lines
    ]
    assert (str(invoice.tax.amount), str(invoice.total.amount)) == (outcome.tax, outcome.total)
    assert tuple(invoice.notes) == outcome.reasons
    # on hold: what the reader noticed first, then the match's reasons; nothing was received yet
    assert tuple(invoice.reasons[: len(outcome.reasons)]) == outcome.reasons
    assert invoice.reasons[len(outcome.reasons) :] == []
    assert [tuple(line.reasons) for line in invoice.lines.all()] == [
        tuple(reason.replace(" USD", "\N{NO-BREAK SPACE}USD") for reason in reasons) for reasons in outcome.line_reasons
    ]
    assert message.startswith(f"Invoice {outcome.number} received: {len(outcome.lines)} lines")
    # the document is kept, its shared secret masked
    assert outcome.secret not in invoice.document
    assert "<SharedSecret>********</SharedSecret>" in invoice.document


def test_the_sample_with_placeholders_is_refused_naming_the_date(acme):
    CxmlSupplierFactory(code="KYLE", order_to_identity="Kyle", order_shared_secret="Secret")

    response = post(sample("taxes_at_line_multiple"))

    assert response.status_code == 400
    assert status(response) == (
        400,
        "the invoiceDate 'invoice_date' of the InvoiceDetailRequestHeader is not a date",
    )
    assert Invoice.objects.count() == 0


def test_the_same_document_twice_is_taken_once(acme):
    supplier, _ = supplier_and_orders(acme, OUTCOMES["taxes_at_total"])
    post(sample("taxes_at_total"))

    response = post(sample("taxes_at_total"))

    code, message = status(response)
    assert (response.status_code, code) == (200, 200)
    assert message.startswith("Invoice 3492 received (already received: nothing changed): 1 lines")
    assert Invoice.objects.filter(supplier=supplier).count() == 1


def test_the_same_invoice_number_under_a_new_payload_is_a_duplicate(acme):
    supplier, _ = supplier_and_orders(acme, OUTCOMES["taxes_at_total"])
    post(sample("taxes_at_total"))
    again = sample("taxes_at_total").replace(b'payloadID="1240598937', b'payloadID="2240598937')

    response = post(again)

    assert response.status_code == 409
    code, message = status(response)
    assert code == 409
    assert message.startswith(f"Invoice 3492 of {supplier.name} for fiscal year 2009 was already received on ")
    assert message.endswith(": it is not taken twice.")


def test_a_payload_reused_for_another_invoice_is_refused(acme):
    supplier_and_orders(acme, OUTCOMES["taxes_at_total"])
    post(sample("taxes_at_total"))
    other = sample("taxes_at_total").replace(b'invoiceID="3492"', b'invoiceID="3493"')

    response = post(other)

    assert status(response) == (
        409,
        "payloadID 1240598937@devtrunk.coupahost.com was already used for invoice 3492: nothing was taken. "
        "A new document needs a new payloadID.",
    )


def test_wrong_credentials_are_refused_401(acme):
    CxmlSupplierFactory(code="SUPPLIERID", order_to_identity="supplierid", order_shared_secret="another")

    response = post(sample("taxes_at_total"))

    assert status(response) == (401, "Unknown supplier or wrong shared secret.")
    assert Invoice.objects.count() == 0


def test_a_cancellation_is_refused_406(acme):
    supplier_and_orders(acme, OUTCOMES["taxes_at_total"])
    data = sample("taxes_at_total").replace(b'operation="new"', b'operation="delete"')

    assert status(post(data)) == (406, "Invoice 3492 cannot be cancelled by cXML here: send a credit note instead.")


def test_an_invoice_naming_no_known_order_nor_buyer_is_refused(acme):
    CxmlSupplierFactory(code="SUPPLIERID", order_to_identity="supplierid", order_shared_secret="secret")

    response = post(sample("taxes_at_total"))

    assert status(response) == (400, "The invoice names none of our orders and no buyer.")


def test_a_confirmation_still_reaches_orders(acme):
    # given a document that is not an invoice; then the same endpoint hands it to orders, which answers it
    data = (CXML_SAMPLES / "ConfirmationRequest__derived__reject_whole_order.xml").read_bytes()

    code, message = status(post(data))

    assert (code, message) == (401, "Unknown supplier or wrong shared secret.")


def test_line_tax_is_kept_on_the_line(acme):
    supplier, _ = supplier_and_orders(acme, OUTCOMES["taxes_at_line"])
    post(sample("taxes_at_line"))

    line = Invoice.objects.get(supplier=supplier).lines.get()
    assert (line.tax_rate, line.tax_minor, line.tax_category, line.quantity, line.unit_price_minor) == (
        Decimal("8.250"),
        800,
        "",
        Decimal("1.000"),
        36500,
    )
