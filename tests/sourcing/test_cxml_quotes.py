"""The cXML of requests for quotation: the QuoteRequest we build is valid against the official Quote.dtd
(1.2.069); a supplier's QuoteMessage is read line by line, an alternative included."""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from punchout.cxml.elements import Credential, Header, Money
from punchout.cxml.errors import InvalidDocument
from punchout.cxml.quotes import QuoteRequest, QuoteRequestItem, build_quote_request, parse_quote_message
from tests.punchout.support import FIXTURES, sample

DOCUMENTS = Path(__file__).resolve().parent / "documents"
QUOTE_DTD = FIXTURES / "cxml" / "dtd" / "1.2.069" / "Quote.dtd"


@cache
def _quote_dtd() -> etree.DTD:
    return etree.DTD(str(QUOTE_DTD))


def quote_dtd_errors(document: bytes) -> list[str]:
    root = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    dtd = _quote_dtd()
    return [] if dtd.validate(root) else [str(error) for error in dtd.error_log.filter_from_errors()]


HEADER = Header(
    from_=Credential(domain="NetworkId", identity="AN-ACME-FR"),
    to=Credential(domain="NetworkId", identity="AN-BRAVO"),
    sender=Credential(domain="NetworkId", identity="AN-ACME-FR", shared_secret="acme-secret"),
)


def request(**changes) -> QuoteRequest:
    values = {
        "payload_id": "1.rfq@acme.example",
        "timestamp": datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        "header": HEADER,
        "request_id": "RFQ-ACME-FR-000001",
        "request_date": datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        "open_date": datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        "close_date": datetime(2026, 12, 11, 16, 0, tzinfo=UTC),
        "currency": "EUR",
        "name": "Lab equipment",
        "description": "Delivered to the Lyon lab.",
        "items": (
            QuoteRequestItem(
                line_number=1,
                quantity=Decimal(2),
                description="Centrifuge",
                unit_of_measure="EA",
                specification="4,000 rpm",
            ),
            QuoteRequestItem(line_number=2, quantity=Decimal("10.5"), description="Pipette tips", unit_of_measure="BX"),
        ),
    }
    values.update(changes)
    return QuoteRequest(**values)


def test_the_quote_request_we_send_is_valid_against_the_quote_dtd():
    document = build_quote_request(request())
    assert quote_dtd_errors(document) == []
    assert b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.069/Quote.dtd">' in document
    root = etree.fromstring(document)
    header = root.find("Request/QuoteRequest/QuoteRequestHeader")
    assert (header.get("requestID"), header.get("closeDate"), header.get("currency")) == (
        "RFQ-ACME-FR-000001",
        "2026-12-11T16:00:00+00:00",
        "EUR",
    )
    assert [
        (item.get("lineNumber"), item.get("quantity"), item.findtext("ItemDetail/Description"))
        for item in root.iter("QuoteItemOut")
    ] == [
        ("1", "2", "Centrifuge"),
        ("2", "10.5", "Pipette tips"),
    ]


def test_a_quote_request_without_lines_or_closing_before_it_opens_is_not_built():
    with pytest.raises(ValueError, match="at least one line"):
        build_quote_request(request(items=()))
    with pytest.raises(ValueError, match="close after it opens"):
        build_quote_request(request(close_date=datetime(2026, 12, 1, tzinfo=UTC)))


def test_a_quote_message_is_read_line_by_line_with_its_alternative():
    document = (DOCUMENTS / "quote_message.xml").read_bytes()
    assert quote_dtd_errors(document) == []  # the fixture itself is a valid QuoteMessage
    message = parse_quote_message(document)
    assert (
        message.quote_id,
        message.type,
        message.currency,
        message.total,
        message.request_id,
        message.valid_until,
    ) == (
        "Q-7781",
        "accept",
        "EUR",
        Money(amount=Decimal("610.00"), currency="EUR"),
        "1",
        date(2027, 2, 28),
    )
    assert message.header.sender.shared_secret == "bravo-secret"
    assert [
        (
            item.line_number,
            str(item.unit_price.amount),
            item.lead_time_days,
            item.valid_until,
            item.alternative_for,
            item.comments,
        )
        for item in message.items
    ] == [
        (1, "240.00", 12, None, None, ""),
        (2, "13.00", 3, date(2027, 1, 31), None, "Racked, sterile."),
        (3, "11.00", 3, None, 2, ""),
    ]


def test_the_cxml_php_sample_is_read():
    message = parse_quote_message(sample("QuoteMessage__cxml-php__1.2.060.xml"))
    assert (message.quote_id, message.type, message.total.amount, message.comments, message.items) == (
        "quoteId",
        "accept",
        Decimal("100.00"),
        "This is a comment",
        (),
    )


def test_a_quote_message_without_prices_or_with_a_foreign_currency_is_refused():
    document = (DOCUMENTS / "quote_message.xml").read_bytes()
    with pytest.raises(InvalidDocument, match="the UnitPrice of QuoteItemIn 1 is in USD, the quote in EUR"):
        parse_quote_message(document.replace(b'<Money currency="EUR">240.00', b'<Money currency="USD">240.00'))
    with pytest.raises(InvalidDocument, match="QuoteItemIn 1 has no UnitPrice"):
        parse_quote_message(document.replace(b'<UnitPrice><Money currency="EUR">240.00</Money></UnitPrice>', b""))


# Through the invitation's link: the supplier's system fetches the QuoteRequest and posts its QuoteMessage.


@pytest.fixture
def bravo_link(acme, invited):
    from .helpers import links, sent_rfq

    rfq = sent_rfq(invited)
    return rfq, links(rfq)["BRAVO"] + "cxml/"


def test_a_supplier_s_system_fetches_the_quote_request_by_its_link(bravo_link, client):
    rfq, path = bravo_link
    answer = client.get(path)
    assert (answer.status_code, answer["Content-Type"]) == (200, "text/xml; charset=utf-8")
    assert quote_dtd_errors(answer.content) == []
    root = etree.fromstring(answer.content)
    assert root.find("Request/QuoteRequest/QuoteRequestHeader").get("requestID") == rfq.number
    assert [item.findtext("ItemDetail/Description") for item in root.iter("QuoteItemOut")] == [
        "Centrifuge",
        "Pipette tips",
    ]


def test_a_quote_message_posted_to_the_link_is_the_supplier_s_quote(bravo_link, client):
    rfq, path = bravo_link
    document = (
        (DOCUMENTS / "quote_message.xml")
        .read_bytes()
        .replace(b'requestID="1"', rfq.number.encode().join([b'requestID="', b'"']))
    )
    answer = client.post(path, document, content_type="text/xml")
    assert (answer.status_code, etree.fromstring(answer.content).find("Response/Status").get("code")) == (200, "200")
    quote = rfq.quotes.get()
    assert (quote.invitation.supplier.code, quote.note) == ("BRAVO", "Free delivery to Lyon.")
    assert [
        (
            line.rfq_line.line_number,
            line.unit_price_minor,
            line.lead_time_days,
            line.valid_until,
            line.alternative_description,
            line.comment,
        )
        for line in quote.lines.select_related("rfq_line").order_by("rfq_line__line_number")
    ] == [
        (1, 240_00, 12, date(2027, 2, 28), "", ""),
        (
            2,
            13_00,
            3,
            date(2027, 1, 31),
            "Pipette tips, 200 µl, bulk bag",
            "Racked, sterile. Alternative: Pipette tips, 200 µl, bulk bag at 11.00 EUR.",
        ),
    ]
    # another request's answer, or one after the due date, is refused in cXML
    other = client.post(path, document.replace(rfq.number.encode(), b"RFQ-OTHER-1"), content_type="text/xml")
    assert (other.status_code, etree.fromstring(other.content).find("Response/Status").text) == (
        400,
        f"The QuoteMessage answers RFQ-OTHER-1, not {rfq.number}.",
    )
    from .helpers import due_passes

    due_passes(rfq)
    late = client.post(path, document, content_type="text/xml")
    assert late.status_code == 410
    assert "has passed: quotes are no longer accepted." in etree.fromstring(late.content).find("Response/Status").text


def test_what_is_not_a_readable_quote_message_is_answered_with_a_cxml_refusal(bravo_link, client):
    _rfq, path = bravo_link
    bombs = [
        b"",
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE cXML [<!ENTITY x "boom">]><cXML>&x;</cXML>',
        (DOCUMENTS / "quote_message.xml").read_bytes().replace(b">240.00<", b">1E+30<"),
        (DOCUMENTS / "quote_message.xml").read_bytes().replace(b'lineNumber="2"', b'lineNumber="99"'),
    ]
    for body in bombs:
        answer = client.post(path, body, content_type="text/xml")
        assert (answer.status_code, etree.fromstring(answer.content).find("Response/Status").get("code")) == (
            400,
            "400",
        ), body[:60]
    assert client.post(path[:-10] + "xx/cxml/", b"", content_type="text/xml").status_code == 404
