"""Write cXML documents from the dataclasses of `documents`, as UTF-8 bytes valid against cXML 1.2.069.

Every document gets a fresh payloadID unless the dataclass carries one, an ISO 8601 timestamp with
offset, the 1.2.069 DOCTYPE, an XML declaration, `version` and `xml:lang`. Amounts are written from
Decimal without exponent. Characters XML 1.0 cannot carry (control characters) are dropped.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from lxml import etree
from lxml.etree import _Element as Element

from .documents import (
    Address,
    Contact,
    Credential,
    Header,
    LineItem,
    Money,
    ProfileRequest,
    ProfileResponse,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    Status,
)
from .errors import status_text

__all__ = [
    "CXML_VERSION",
    "DOCTYPE",
    "USER_AGENT",
    "build_profile_request",
    "build_profile_response",
    "build_punchout_order_message",
    "build_punchout_setup_request",
    "build_punchout_setup_response",
    "build_response",
    "format_decimal",
    "format_timestamp",
    "new_payload_id",
]

CXML_VERSION = "1.2.069"
DOCTYPE = f'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/{CXML_VERSION}/cXML.dtd">'
USER_AGENT = "Procurement punchout 1.0"
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@cache
def _hostname() -> str:
    name = re.sub(r"[^A-Za-z0-9.-]", "", socket.gethostname()) or "localhost"
    return name


def new_payload_id() -> str:
    """A unique payloadID: `<epoch millis>.<pid>.<random>@<hostname>`."""
    return f"{time.time_ns() // 1_000_000}.{os.getpid()}.{secrets.token_hex(8)}@{_hostname()}"


def format_timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 with offset, to the second (now when not given; a naive datetime is taken as UTC)."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def format_decimal(value: Decimal) -> str:
    """A Decimal as plain digits (`1E+2` becomes `100`), keeping its scale (`254.40` stays `254.40`)."""
    if not value.is_finite():
        raise ValueError(f"cannot write {value} as a cXML number")
    text = format(value, "f")
    return "0" if text in ("-0", "+0") else text


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _sub(parent: Element, tag: str, content: str | None = None, /, **attributes: str | None) -> Element:
    """A child element with text and attributes (`lang` is xml:lang; None values are left out)."""
    element = etree.SubElement(parent, tag)
    for name, value in attributes.items():
        if value is not None:
            element.set(_XML_LANG if name == "lang" else name, _clean(value))
    if content is not None:
        element.text = _clean(content)
    return element


def _root(payload_id: str, timestamp: datetime | None, lang: str) -> Element:
    root = etree.Element("cXML")
    root.set("payloadID", payload_id or new_payload_id())
    root.set("timestamp", format_timestamp(timestamp))
    root.set("version", CXML_VERSION)
    root.set(_XML_LANG, lang or "en-US")
    return root


def _serialise(root: Element) -> bytes:
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return _XML_DECLARATION + DOCTYPE.encode("ascii") + b"\n" + body


def _credential(parent: Element, credential: Credential, *, with_secret: bool) -> None:
    element = _sub(parent, "Credential", domain=credential.domain)
    _sub(element, "Identity", credential.identity)
    if with_secret and credential.shared_secret is not None:
        _sub(element, "SharedSecret", credential.shared_secret)


def _header(root: Element, header: Header, *, with_secret: bool) -> None:
    element = _sub(root, "Header")
    from_ = _sub(element, "From")
    for credential in header.from_credentials:
        _credential(from_, credential, with_secret=False)
    to = _sub(element, "To")
    for credential in header.to_credentials:
        _credential(to, credential, with_secret=False)
    sender = _sub(element, "Sender")
    _credential(sender, header.sender, with_secret=with_secret)
    _sub(sender, "UserAgent", header.user_agent or USER_AGENT)


def _money(parent: Element, tag: str, money: Money) -> Element:
    element = _sub(parent, tag)
    _sub(element, "Money", format_decimal(money.amount), currency=money.currency)
    return element


def _status(parent: Element, status: Status) -> None:
    _sub(
        parent,
        "Status",
        status.message,
        code=str(status.code),
        text=status_text(status.code, status.text),
        lang=status.lang or "en",
    )


def _extrinsics(parent: Element, extrinsics: Mapping[str, str]) -> None:
    for name, value in extrinsics.items():
        _sub(parent, "Extrinsic", value, name=name)


def _address(parent: Element, address: Address) -> None:
    element = _sub(parent, "Address", addressID=address.address_id)
    _sub(element, "Name", address.name, lang=address.lang)
    # PostalAddress needs at least one Street and a Country; without them only the name is sent.
    if address.street and address.country_code:
        postal = _sub(element, "PostalAddress")
        for line in address.deliver_to:
            _sub(postal, "DeliverTo", line)
        for line in address.street:
            _sub(postal, "Street", line)
        _sub(postal, "City", address.city)
        if address.state is not None:
            _sub(postal, "State", address.state)
        if address.postal_code is not None:
            _sub(postal, "PostalCode", address.postal_code)
        _sub(postal, "Country", address.country or address.country_code, isoCountryCode=address.country_code)
    if address.email:
        _sub(element, "Email", address.email)


def _contact(parent: Element, contact: Contact) -> None:
    element = _sub(parent, "Contact", role=contact.role)
    _sub(element, "Name", contact.name, lang=contact.lang)
    if contact.email:
        _sub(element, "Email", contact.email)


def _item(parent: Element, tag: str, item: LineItem) -> None:
    line_number = None if item.line_number is None else str(item.line_number)
    element = _sub(parent, tag, quantity=format_decimal(item.quantity), lineNumber=line_number)
    item_id = _sub(element, "ItemID")
    _sub(item_id, "SupplierPartID", item.supplier_part_id)
    if item.supplier_part_auxiliary_id is not None:
        _sub(item_id, "SupplierPartAuxiliaryID", item.supplier_part_auxiliary_id)
    if item.buyer_part_id is not None:
        _sub(item_id, "BuyerPartID", item.buyer_part_id)
    detail = _sub(element, "ItemDetail")
    _money(detail, "UnitPrice", item.unit_price)
    description = _sub(detail, "Description", lang=item.description_lang or "en")
    if item.short_name:
        short_name = _sub(description, "ShortName", item.short_name)
        short_name.tail = _clean(item.description)
    else:
        description.text = _clean(item.description)
    _sub(detail, "UnitOfMeasure", item.unit_of_measure)
    basis = item.price_basis_quantity
    if basis is not None:
        element_basis = _sub(
            detail,
            "PriceBasisQuantity",
            quantity=format_decimal(basis.quantity),
            conversionFactor=format_decimal(basis.conversion_factor),
        )
        _sub(element_basis, "UnitOfMeasure", basis.unit_of_measure)
        if basis.description:
            _sub(element_basis, "Description", basis.description, lang=item.description_lang or "en")
    # The DTD wants at least one Classification; an empty one means "not classified" to our parser.
    for classification in item.classifications or ():
        _sub(detail, "Classification", classification.value, domain=classification.domain)
    if not item.classifications:
        _sub(detail, "Classification", "", domain="UNSPSC")
    if item.manufacturer_part_id is not None:
        _sub(detail, "ManufacturerPartID", item.manufacturer_part_id)
    if item.manufacturer_name is not None:
        _sub(detail, "ManufacturerName", item.manufacturer_name)
    if item.url is not None:
        _sub(detail, "URL", item.url)
    if item.lead_time is not None:
        _sub(detail, "LeadTime", str(item.lead_time))
    _extrinsics(detail, item.extrinsics)


def build_punchout_setup_request(request: PunchOutSetupRequest) -> bytes:
    """A PunchOutSetupRequest to POST to a supplier; for edit and inspect, `items_out` are the current lines."""
    root = _root(request.payload_id, request.timestamp, request.lang)
    _header(root, request.header, with_secret=True)
    wrapper = _sub(root, "Request", deploymentMode=request.deployment_mode)
    body = _sub(wrapper, "PunchOutSetupRequest", operation=request.operation)
    _sub(body, "BuyerCookie", request.buyer_cookie)
    _extrinsics(body, request.extrinsics)
    if request.browser_form_post_url:
        _sub(_sub(body, "BrowserFormPost"), "URL", request.browser_form_post_url)
    for contact in request.contacts:
        _contact(body, contact)
    if request.supplier_setup_url:
        _sub(_sub(body, "SupplierSetup"), "URL", request.supplier_setup_url)
    if request.ship_to is not None:
        _address(_sub(body, "ShipTo"), request.ship_to)
    if request.selected_item is not None:
        item_id = _sub(_sub(body, "SelectedItem"), "ItemID")
        _sub(item_id, "SupplierPartID", request.selected_item)
        if request.selected_item_auxiliary_id is not None:
            _sub(item_id, "SupplierPartAuxiliaryID", request.selected_item_auxiliary_id)
    for item in request.items_out:
        _item(body, "ItemOut", item)
    return _serialise(root)


def build_punchout_setup_response(
    start_page_url: str, *, payload_id: str | None = None, lang: str = "en-US", status: Status | None = None
) -> bytes:
    """Our answer to an ERP's setup request: 200 OK and the StartPage URL its browser should open."""
    root = _root(payload_id or "", None, lang)
    response = _sub(root, "Response")
    _status(response, status or Status(code=200, text="OK"))
    _sub(_sub(_sub(response, "PunchOutSetupResponse"), "StartPage"), "URL", start_page_url)
    return _serialise(root)


def build_punchout_order_message(message: PunchOutOrderMessage) -> bytes:
    """A cart to post back to an ERP's BrowserFormPost URL.

    Shared secrets in the header are never written: this document travels through the browser.
    `total` defaults to the sum of the lines; an empty or mixed-currency cart must give it.
    """
    total = message.total or message.lines_total
    if total is None:
        raise ValueError("an empty or mixed-currency cart needs an explicit total")
    root = _root(message.payload_id, message.timestamp, message.lang)
    _header(root, message.header, with_secret=False)
    wrapper = _sub(root, "Message", deploymentMode=message.deployment_mode, inReplyTo=message.in_reply_to)
    if message.status is not None:
        _status(wrapper, message.status)
    body = _sub(wrapper, "PunchOutOrderMessage")
    _sub(body, "BuyerCookie", message.buyer_cookie)
    header = _sub(
        body, "PunchOutOrderMessageHeader", operationAllowed=message.operation_allowed, quoteStatus=message.quote_status
    )
    _money(header, "Total", total)
    if message.ship_to is not None:
        _address(_sub(header, "ShipTo"), message.ship_to)
    for tag, amount in (("Shipping", message.shipping), ("Tax", message.tax)):
        if amount is not None:
            element = _money(header, tag, amount)
            _sub(element, "Description", tag, lang="en")
    for item in message.items:
        _item(body, "ItemIn", item)
    return _serialise(root)


def build_response(status: Status, *, payload_id: str | None = None, lang: str = "en-US") -> bytes:
    """A bare Response/Status, e.g. an error answer (see `errors.error_response`)."""
    root = _root(payload_id or "", None, lang)
    _status(_sub(root, "Response"), status)
    return _serialise(root)


def build_profile_request(request: ProfileRequest) -> bytes:
    root = _root(request.payload_id, request.timestamp, request.lang)
    _header(root, request.header, with_secret=True)
    _sub(_sub(root, "Request", deploymentMode=request.deployment_mode), "ProfileRequest")
    return _serialise(root)


def _options(parent: Element, options: Iterable[tuple[str, str]]) -> None:
    for name, value in options:
        _sub(parent, "Option", value, name=name)


def build_profile_response(response: ProfileResponse) -> bytes:
    """The transactions we accept and their URLs."""
    if not response.transactions:
        raise ValueError("a ProfileResponse needs at least one transaction")
    root = _root(response.payload_id, response.timestamp, response.lang)
    wrapper = _sub(root, "Response")
    _status(wrapper, response.status)
    body = _sub(wrapper, "ProfileResponse", effectiveDate=format_timestamp(response.effective_date))
    _options(body, response.options.items())
    for transaction in response.transactions:
        element = _sub(body, "Transaction", requestName=transaction.request_name)
        _sub(element, "URL", transaction.url)
        _options(element, transaction.options.items())
    return _serialise(root)
