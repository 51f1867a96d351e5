"""Requests for quotation in cXML: the QuoteRequest we send to a supplier and the QuoteMessage it answers with
(Quote.dtd). No Django here.

Same conventions as the other documents: frozen keyword-only dataclasses, Decimal quantities and money, text
stripped, and a 400 `InvalidDocument` naming the missing or unreadable part ("QuoteItemIn 2 has no
UnitPrice"). Numbers are bounded by `limits`.

What a QuoteMessage carries that we read: the quote's id, date, type and currency, the request it answers
(QuoteRequestReference/@requestID, our request's number), and per QuoteItemIn its lineNumber (our line),
UnitPrice, LeadTime (days), the validity (UnitPrice/PricingConditions/…/ValidityPeriod/@to, else the header's
`expiry_date` Extrinsic, as Ariba and cxml-php send it), Comments, and an alternative: an item marked
`<Alternative alternativeType="alternativeLine" basicLineNumber="n"/>` is an alternative offered for line n,
with its own Description.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .elements import DeploymentMode, Header, Money
from .envelope import (
    CXML_VERSION,
    DOCTYPE,
    new_root,
    parse_expected,
    read_deployment_mode,
    read_envelope,
    read_header,
    serialise,
    write_header,
)
from .errors import InvalidDocument
from .limits import LINE_NUMBER_MAX
from .line_items import read_line_number
from .values import (
    bounded_int,
    bounded_quantity,
    choices_of,
    format_decimal,
    format_timestamp,
    parse_timestamp,
    read_choice,
    read_comments,
    read_decimal,
    read_extrinsics,
    read_money,
    read_text,
    write_element,
    write_money,
)

__all__ = [
    "QuoteMessage",
    "QuoteMessageItem",
    "QuoteMessageType",
    "QuoteRequest",
    "QuoteRequestItem",
    "build_quote_request",
    "parse_quote_message",
]

QuoteMessageType = Literal["accept", "reject", "update", "final", "award"]
LEAD_TIME_DAYS_MAX = 3650
QUOTE_DOCTYPE = f'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/{CXML_VERSION}/Quote.dtd">'


@dataclass(frozen=True, kw_only=True)
class QuoteRequestItem:
    """One line asked for: a quantity of something described, with its specification in Comments."""

    line_number: int
    quantity: Decimal
    description: str
    unit_of_measure: str
    specification: str = ""
    classification: str = ""  # UNSPSC, when known


@dataclass(frozen=True, kw_only=True)
class QuoteRequest:
    """A request for quotation sent to one supplier: open from `open_date` until `close_date` (the due date)."""

    payload_id: str
    timestamp: datetime
    header: Header
    request_id: str
    request_date: datetime
    open_date: datetime
    close_date: datetime
    currency: str
    name: str
    items: tuple[QuoteRequestItem, ...]
    description: str = ""
    comments: str = ""
    lang: str = "en-US"
    deployment_mode: DeploymentMode = "production"


@dataclass(frozen=True, kw_only=True)
class QuoteMessageItem:
    line_number: int
    type: QuoteMessageType
    quantity: Decimal
    unit_price: Money
    description: str
    unit_of_measure: str
    lead_time_days: int | None
    valid_until: date | None
    comments: str
    alternative_for: int | None  # the line this item is an alternative to, or None for the line itself


@dataclass(frozen=True, kw_only=True)
class QuoteMessage:
    payload_id: str
    timestamp: datetime | None
    header: Header
    deployment_mode: DeploymentMode
    type: QuoteMessageType
    quote_id: str
    quote_date: datetime | None
    currency: str
    total: Money
    request_id: str  # the request it answers (QuoteRequestReference), "" when not named
    comments: str
    valid_until: date | None
    items: tuple[QuoteMessageItem, ...]
    extrinsics: dict[str, str]


# ------------------------------------------------------------------------------------------- writing


def build_quote_request(request: QuoteRequest) -> bytes:
    """The QuoteRequest to send to a supplier: UTF-8 cXML 1.2.069, valid against Quote.dtd (its DOCTYPE).

    Each line goes as a QuoteItemOut with its quantity, description, unit and (as Comments) specification; the
    unit price is 0 in the request's currency (the DTD wants one: it is what the supplier fills in). Raises
    ValueError for a request without lines, with repeated line numbers, or closing before it opens.
    """
    if not request.items:
        raise ValueError("a QuoteRequest needs at least one line")
    numbers = [item.line_number for item in request.items]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"a QuoteRequest's line numbers must differ: {numbers}")
    if request.close_date <= request.open_date:
        raise ValueError("a QuoteRequest must close after it opens")
    lang = request.lang or "en-US"
    root = new_root(request.payload_id, request.timestamp, lang)
    write_header(root, request.header, with_secret=True)
    body = write_element(write_element(root, "Request", deploymentMode=request.deployment_mode), "QuoteRequest")
    header = write_element(
        body,
        "QuoteRequestHeader",
        requestID=request.request_id,
        requestDate=format_timestamp(request.request_date),
        type="new",
        openDate=format_timestamp(request.open_date),
        closeDate=format_timestamp(request.close_date),
        currency=request.currency,
        lang=lang,
    )
    write_element(header, "Name", request.name, lang=lang)
    if request.description:
        write_element(header, "Description", request.description, lang=lang)
    if request.comments:
        write_element(header, "Comments", request.comments, lang=lang)
    zero = Money(amount=Decimal("0.00"), currency=request.currency)
    for item in request.items:
        element = write_element(
            body, "QuoteItemOut", quantity=format_decimal(item.quantity), lineNumber=str(item.line_number)
        )
        detail = write_element(element, "ItemDetail")
        write_money(detail, "UnitPrice", zero)
        write_element(detail, "Description", item.description, lang=lang)
        write_element(detail, "UnitOfMeasure", item.unit_of_measure)
        write_element(detail, "Classification", item.classification, domain="UNSPSC")
        if item.specification:
            write_element(element, "Comments", item.specification, lang=lang)
    # Quote documents have their own DTD: cXML.dtd's Request does not list QuoteRequest.
    return serialise(root).replace(DOCTYPE.encode("ascii"), QUOTE_DOCTYPE.encode("ascii"), 1)


# ------------------------------------------------------------------------------------------- reading

_TYPES: dict[str, QuoteMessageType] = choices_of(QuoteMessageType)


def _day(value: str | None) -> date | None:
    moment = parse_timestamp(value)
    return None if moment is None else moment.date()


def _item(element: Element, position: int, currency: str) -> QuoteMessageItem:
    what = f"QuoteItemIn {position}"
    line_number = read_line_number(element, what)
    detail = element.find("ItemDetail")
    if detail is None:
        raise InvalidDocument(f"{what} has no ItemDetail")
    price_element = detail.find("UnitPrice")
    if price_element is None:
        raise InvalidDocument(f"{what} has no UnitPrice")
    unit_price = read_money(price_element.find("Money"), f"the UnitPrice of {what}")
    if unit_price.amount < 0:
        raise InvalidDocument(f"the UnitPrice of {what} is negative")
    if unit_price.currency != currency:
        raise InvalidDocument(f"the UnitPrice of {what} is in {unit_price.currency}, the quote in {currency}")
    validity = price_element.find("PricingConditions/ValidityPeriods/ValidityPeriod")
    alternative = element.find("Alternative")
    alternative_for = None
    if alternative is not None and alternative.get("alternativeType") == "alternativeLine":
        basic = (alternative.get("basicLineNumber") or "").strip()
        if not basic.isascii() or not basic.isdigit() or len(basic) > len(str(LINE_NUMBER_MAX)):
            raise InvalidDocument(f"the Alternative of {what} names no basicLineNumber")
        alternative_for = int(basic)
    lead_time = detail.find("LeadTime")
    return QuoteMessageItem(
        line_number=line_number,
        type=read_choice(element.get("type"), _TYPES, None, f"the type of {what}"),
        quantity=bounded_quantity(
            read_decimal(element.get("quantity"), f"the quantity of {what}"), f"the quantity of {what}"
        ),
        unit_price=unit_price,
        description=read_text(detail.find("Description")),
        unit_of_measure=read_text(detail.find("UnitOfMeasure")),
        lead_time_days=None
        if lead_time is None
        else bounded_int(read_text(lead_time), f"the LeadTime of {what}", LEAD_TIME_DAYS_MAX, " days"),
        valid_until=None if validity is None else _day(validity.get("to")),
        comments=read_comments(element.findall("Comments")),
        alternative_for=alternative_for,
    )


def parse_quote_message(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> QuoteMessage:
    """A supplier's QuoteMessage read into a `QuoteMessage`; a 400 `InvalidDocument` naming what is missing or
    unreadable, a 406 for another kind of document."""
    root, body, wrapper = parse_expected(data, max_bytes, "QuoteMessage")
    envelope = read_envelope(root)
    header = body.find("QuoteMessageHeader")
    if header is None:
        raise InvalidDocument("the QuoteMessage has no QuoteMessageHeader")
    currency = (header.get("currency") or "").strip().upper()
    if not currency:
        raise InvalidDocument("the QuoteMessageHeader has no currency")
    total_element = header.find("Total")
    if total_element is None:
        raise InvalidDocument("the QuoteMessageHeader has no Total")
    quote_id = (header.get("quoteID") or "").strip()
    if not quote_id:
        raise InvalidDocument("the QuoteMessageHeader has no quoteID")
    reference = header.find("QuoteRequestReference")
    extrinsics = read_extrinsics(header.findall("Extrinsic"))
    items = tuple(_item(element, position, currency) for position, element in enumerate(body.findall("QuoteItemIn"), 1))
    return QuoteMessage(
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        header=read_header(root),
        deployment_mode=read_deployment_mode(wrapper),
        type=read_choice(header.get("type"), _TYPES, None, "the type of the QuoteMessageHeader"),
        quote_id=quote_id[:100],
        quote_date=parse_timestamp(header.get("quoteDate")),
        currency=currency,
        total=read_money(total_element.find("Money"), "the Total of the QuoteMessageHeader"),
        request_id=(reference.get("requestID") or "").strip()[:100] if reference is not None else "",
        comments=read_comments(header.findall("Comments")),
        valid_until=_day(extrinsics.get("expiry_date")),
        items=items,
        extrinsics=extrinsics,
    )
