"""Punchout in cXML: the PunchOutSetupRequest that opens a session at a shop, the PunchOutSetupResponse that
names its start page, and the PunchOutOrderMessage cart that comes back through the browser (from a
supplier's shop to us, and from us to an ERP). No Django here.

Strict where meaning would be guessed: a missing BuyerCookie, an ItemIn without quantity or price, or a
SharedSecret in a message that travelled through the browser are refused with a `CXMLError`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Literal
from urllib.parse import unquote_plus

from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .cart_rows import cut_plain_lines, read_item_rows
from .elements import Address, Contact, DeploymentMode, Header, ItemIn, ItemOut, Money, Status, Tax
from .envelope import (
    document_parts,
    new_root,
    parse_expected,
    parse_root,
    read_deployment_mode,
    read_envelope,
    read_header,
    read_response_status,
    read_status,
    serialise,
    write_header,
    write_status,
)
from .errors import (
    CXMLError,
    InvalidDocument,
    MalformedDocument,
    NotImplementedRequest,
    SecretInBrowser,
    UnexpectedDocument,
)
from .limits import AMOUNT_MAX_DECIMAL_PLACES
from .line_items import ItemRow, read_item, write_item
from .tax_elements import read_tax
from .values import (
    article,
    read_address,
    read_contact,
    read_extrinsics,
    read_optional_money,
    read_optional_text,
    read_text,
    write_address,
    write_contact,
    write_element,
    write_extrinsics,
    write_money,
)

__all__ = [
    "PunchOutOperation",
    "PunchOutOrderCart",
    "PunchOutOrderMessage",
    "PunchOutSetupRequest",
    "PunchOutSetupResponse",
    "build_punchout_order_message",
    "build_punchout_setup_request",
    "build_punchout_setup_response",
    "extract_cxml_from_form",
    "parse_punchout_order_cart",
    "parse_punchout_order_message",
    "parse_punchout_setup_request",
    "parse_punchout_setup_response",
    "read_punchout_order_cart",
    "read_punchout_order_message",
    "read_punchout_setup_request",
    "read_punchout_setup_response",
]

PunchOutOperation = Literal["create", "edit", "inspect"]


# ----------------------------------------------------------------------------------------- documents


@dataclass(frozen=True, kw_only=True)
class PunchOutSetupRequest:
    """A buyer opens a punchout session (create), or reopens a cart to change (edit) or look at (inspect) it.

    `browser_form_post_url` is None when the sender gave no BrowserFormPost (then no cart can come
    back); `extrinsics` keeps the sender's order and spelling of names (a repeated name keeps its first
    value).
    """

    header: Header
    buyer_cookie: str
    operation: PunchOutOperation = "create"
    browser_form_post_url: str | None = None
    supplier_setup_url: str | None = None
    extrinsics: Mapping[str, str] = field(default_factory=dict)
    contacts: tuple[Contact, ...] = ()
    ship_to: Address | None = None
    selected_item: str | None = None
    selected_item_auxiliary_id: str | None = None
    items_out: tuple[ItemOut, ...] = ()
    deployment_mode: DeploymentMode = "production"
    payload_id: str = ""
    timestamp: datetime | None = None
    lang: str = "en-US"

    @property
    def contact(self) -> Contact | None:
        return self.contacts[0] if self.contacts else None

    def extrinsic(self, name: str) -> str | None:
        """An extrinsic by name, case-insensitively (UserEmail, userEmail …)."""
        wanted = name.casefold()
        return next((value for key, value in self.extrinsics.items() if key.casefold() == wanted), None)


@dataclass(frozen=True, kw_only=True)
class PunchOutSetupResponse:
    """The supplier's answer to a setup request: where to send the browser.

    `start_page_url` is None only when `status` is not a success (the supplier refused the session).
    """

    status: Status
    start_page_url: str | None
    payload_id: str = ""
    timestamp: datetime | None = None
    lang: str = "en-US"


@dataclass(frozen=True, kw_only=True)
class PunchOutOrderMessage:
    """A supplier's cart posted back through the browser.

    How to read the lines for an edit or inspect session:
    - `status.code == 204` ("No Content", `is_no_change`): the user left the shop without changing the
      cart. Keep the requisition's current lines; do not replace them with `items` (usually empty).
    - no Status (or 200/201) and no `items`: the user emptied the cart; remove the session's lines.
    `total` is the supplier's own figure and may disagree with the lines; `lines_total` recomputes it.
    """

    header: Header
    buyer_cookie: str
    operation_allowed: PunchOutOperation = "create"
    total: Money | None = None
    shipping: Money | None = None
    tax: Money | None = None
    # The cart's Tax with its details (the rate the supplier charges); `tax` is its amount.
    tax_detail: Tax | None = None
    items: tuple[ItemIn, ...] = ()
    status: Status | None = None
    quote_status: str | None = None
    ship_to: Address | None = None
    deployment_mode: DeploymentMode = "production"
    in_reply_to: str | None = None
    payload_id: str = ""
    timestamp: datetime | None = None
    lang: str = "en-US"

    @property
    def is_no_change(self) -> bool:
        return self.status is not None and self.status.code == 204

    @property
    def lines_total(self) -> Money | None:
        """The sum of the lines, when they share one currency (None for an empty or mixed-currency cart)."""
        currencies = {item.unit_price.currency for item in self.items}
        if len(currencies) != 1:
            return None
        return Money(amount=sum((item.line_total for item in self.items), Decimal(0)), currency=currencies.pop())


@dataclass(frozen=True, kw_only=True)
class PunchOutOrderCart:
    """A PunchOutOrderMessage read for putting its lines into a cart: the same fields, with its lines as plain
    `ItemRow` tuples (`rows`) rather than `ItemIn` dataclasses. `message()` gives the PunchOutOrderMessage."""

    header: Header
    buyer_cookie: str
    operation_allowed: PunchOutOperation = "create"
    total: Money | None = None
    shipping: Money | None = None
    tax: Money | None = None
    tax_detail: Tax | None = None
    rows: tuple[ItemRow, ...] = ()
    status: Status | None = None
    quote_status: str | None = None
    ship_to: Address | None = None
    deployment_mode: DeploymentMode = "production"
    in_reply_to: str | None = None
    payload_id: str = ""
    timestamp: datetime | None = None
    lang: str = "en-US"

    @property
    def is_no_change(self) -> bool:
        return self.status is not None and self.status.code == 204

    def message(self) -> PunchOutOrderMessage:
        return PunchOutOrderMessage(
            header=self.header,
            buyer_cookie=self.buyer_cookie,
            operation_allowed=self.operation_allowed,
            total=self.total,
            shipping=self.shipping,
            tax=self.tax,
            tax_detail=self.tax_detail,
            items=tuple(row.to_item(ItemIn) for row in self.rows),
            status=self.status,
            quote_status=self.quote_status,
            ship_to=self.ship_to,
            deployment_mode=self.deployment_mode,
            in_reply_to=self.in_reply_to,
            payload_id=self.payload_id,
            timestamp=self.timestamp,
            lang=self.lang,
        )


# ------------------------------------------------------------------------------------------- reading


def _buyer_cookie(body: Element, kind: str) -> str:
    cookie = read_text(body.find("BuyerCookie"))
    if not cookie:
        raise InvalidDocument(f"the {kind} has no BuyerCookie")
    return cookie


def _operation(value: str | None, default: PunchOutOperation) -> PunchOutOperation | None:
    text = (value or "").strip().casefold()
    if not text:
        return default
    if text == "create":
        return "create"
    if text == "edit":
        return "edit"
    if text == "inspect":
        return "inspect"
    return None


def read_punchout_setup_request(root: Element, body: Element, request: Element) -> PunchOutSetupRequest:
    envelope = read_envelope(root)
    raw_operation = body.get("operation")
    operation = _operation(raw_operation, "create")
    if operation is None:
        raise NotImplementedRequest(
            f"PunchOutSetupRequest operation {raw_operation!r} is not supported; use create, edit or inspect"
        )
    selected = body.find("SelectedItem/ItemID")
    items_out = tuple(
        read_item(element, position, "ItemOut", ItemOut) for position, element in enumerate(body.iterfind("ItemOut"), 1)
    )
    return PunchOutSetupRequest(
        header=read_header(root),
        buyer_cookie=_buyer_cookie(body, "PunchOutSetupRequest"),
        operation=operation,
        browser_form_post_url=read_optional_text(body.find("BrowserFormPost/URL")) or None,
        supplier_setup_url=read_optional_text(body.find("SupplierSetup/URL")) or None,
        extrinsics=read_extrinsics(body.iterfind("Extrinsic")),
        contacts=tuple(read_contact(element) for element in body.iterfind("Contact")),
        ship_to=read_address(body.find("ShipTo/Address")),
        selected_item=None if selected is None else read_text(selected.find("SupplierPartID")),
        selected_item_auxiliary_id=(
            None if selected is None else read_optional_text(selected.find("SupplierPartAuxiliaryID"))
        ),
        items_out=items_out,
        deployment_mode=read_deployment_mode(request),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def read_punchout_order_message(root: Element, body: Element, message: Element) -> PunchOutOrderMessage:
    return read_punchout_order_cart(root, body, message).message()


def read_punchout_order_cart(
    root: Element, body: Element, message: Element, document: bytes | None = None
) -> PunchOutOrderCart:
    """The cart of a parsed PunchOutOrderMessage; `document`, the bytes it was parsed from, lets its plain lines be
    read from their own text (`read_item_rows`)."""
    return _read_cart(root, body, message, lambda: read_item_rows(body, "ItemIn", document))


def _read_cart(
    root: Element, body: Element, message: Element, read_rows: Callable[[], tuple[ItemRow, ...]]
) -> PunchOutOrderCart:
    """`read_punchout_order_cart` with the lines read by `read_rows` (where the general reader reads them, so that
    the same error comes first)."""
    envelope = read_envelope(root)
    header_element = root.find("Header")
    if header_element is not None:
        for secret in header_element.iter("SharedSecret"):
            if read_text(secret):
                raise SecretInBrowser(
                    "a shared secret must not travel through the browser: "
                    "the PunchOutOrderMessage carries a SharedSecret"
                )
    order_header = body.find("PunchOutOrderMessageHeader")
    operation: PunchOutOperation | None = "create"
    total = shipping = tax = None
    tax_detail = None
    quote_status = None
    ship_to = None
    if order_header is not None:
        # An unknown operationAllowed falls back to create, the one that permits the least.
        operation = _operation(order_header.get("operationAllowed"), "create") or "create"
        total = read_optional_money(order_header.find("Total"), "the cart Total")
        shipping = read_optional_money(order_header.find("Shipping"), "the cart Shipping")
        tax = read_optional_money(order_header.find("Tax"), "the cart Tax")
        tax_detail = read_tax(order_header.find("Tax"), "the cart Tax")
        quote_status = (order_header.get("quoteStatus") or "").strip() or None
        ship_to = read_address(order_header.find("ShipTo/Address"))
    rows = read_rows()
    return PunchOutOrderCart(
        header=read_header(root),
        buyer_cookie=_buyer_cookie(body, "PunchOutOrderMessage"),
        operation_allowed=operation or "create",
        total=total,
        shipping=shipping,
        tax=tax,
        tax_detail=tax_detail,
        rows=rows,
        status=read_status(message.find("Status")),
        quote_status=quote_status,
        ship_to=ship_to,
        deployment_mode=read_deployment_mode(message),
        in_reply_to=(message.get("inReplyTo") or "").strip() or None,
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def read_punchout_setup_response(root: Element, body: Element | None, response: Element) -> PunchOutSetupResponse:
    status = read_response_status(response)
    url = None if body is None else read_text(body.find("StartPage/URL")) or None
    if url is None and status.ok:
        raise InvalidDocument("the PunchOutSetupResponse has no StartPage URL")
    envelope = read_envelope(root)
    return PunchOutSetupResponse(
        status=status,
        start_page_url=url,
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def parse_punchout_setup_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PunchOutSetupRequest:
    """Parse a PunchOutSetupRequest (an ERP opening a session with us); 406 for any other document."""
    return read_punchout_setup_request(*parse_expected(data, max_bytes, "PunchOutSetupRequest"))


def parse_punchout_order_message(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PunchOutOrderMessage:
    """Parse a PunchOutOrderMessage (a supplier's cart, posted through the browser).

    Refuses (400) a message carrying a SharedSecret: it was visible to the user's browser, so the secret
    is burnt and the message proves nothing; the BuyerCookie and session token authenticate the cart.
    """
    return parse_punchout_order_cart(data, max_bytes=max_bytes).message()


def parse_punchout_order_cart(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PunchOutOrderCart:
    """`parse_punchout_order_message` with the lines as plain `ItemRow` tuples: for a cart of thousands of lines
    (the same checks, refusals and values; `.message()` gives the PunchOutOrderMessage).

    The plain lines are cut out of the text first (`cut_plain_lines`) and the rest, the skeleton, is parsed by the
    same safe parser; where the skeleton does not fit the document (or is refused), the whole document is parsed
    and read, so every refusal is the whole parse's."""
    lines = cut_plain_lines(data, max_bytes)
    if lines is not None:
        try:
            root, body, message = parse_expected(lines.skeleton, max_bytes, "PunchOutOrderMessage")
        except CXMLError:
            pass
        else:
            if lines.fits(root, body):
                return _read_cart(root, body, message, partial(lines.read, body))
    return read_punchout_order_cart(*parse_expected(data, max_bytes, "PunchOutOrderMessage"), bytes(data))


def parse_punchout_setup_response(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PunchOutSetupResponse:
    """Parse a supplier's answer to our setup request.

    A bare Response with an error Status becomes a PunchOutSetupResponse without a start page, so the
    caller reads `status` in both cases.
    """
    root = parse_root(data, max_bytes)
    kind, body, wrapper = document_parts(root)
    if kind == "Response" and wrapper is not None:
        return read_punchout_setup_response(root, None, wrapper)
    if kind != "PunchOutSetupResponse" or wrapper is None:
        raise UnexpectedDocument(f"expected a PunchOutSetupResponse, got {article(kind)} {kind}", document_type=kind)
    return read_punchout_setup_response(root, body, wrapper)


# ------------------------------------------------------------------------------------------- writing


def build_punchout_setup_request(request: PunchOutSetupRequest) -> bytes:
    """A PunchOutSetupRequest to POST to a supplier; for edit and inspect, `items_out` are the current lines."""
    root = new_root(request.payload_id, request.timestamp, request.lang)
    write_header(root, request.header, with_secret=True)
    wrapper = write_element(root, "Request", deploymentMode=request.deployment_mode)
    body = write_element(wrapper, "PunchOutSetupRequest", operation=request.operation)
    write_element(body, "BuyerCookie", request.buyer_cookie)
    write_extrinsics(body, request.extrinsics)
    if request.browser_form_post_url:
        write_element(write_element(body, "BrowserFormPost"), "URL", request.browser_form_post_url)
    for contact in request.contacts:
        write_contact(body, contact)
    if request.supplier_setup_url:
        write_element(write_element(body, "SupplierSetup"), "URL", request.supplier_setup_url)
    if request.ship_to is not None:
        write_address(write_element(body, "ShipTo"), request.ship_to)
    if request.selected_item is not None:
        item_id = write_element(write_element(body, "SelectedItem"), "ItemID")
        write_element(item_id, "SupplierPartID", request.selected_item)
        if request.selected_item_auxiliary_id is not None:
            write_element(item_id, "SupplierPartAuxiliaryID", request.selected_item_auxiliary_id)
    for item in request.items_out:
        write_item(body, "ItemOut", item)
    return serialise(root)


def build_punchout_setup_response(
    start_page_url: str, *, payload_id: str | None = None, lang: str = "en-US", status: Status | None = None
) -> bytes:
    """Our answer to an ERP's setup request: 200 OK and the StartPage URL its browser should open."""
    root = new_root(payload_id or "", None, lang)
    response = write_element(root, "Response")
    write_status(response, status or Status(code=200, text="OK"))
    write_element(write_element(write_element(response, "PunchOutSetupResponse"), "StartPage"), "URL", start_page_url)
    return serialise(root)


def build_punchout_order_message(message: PunchOutOrderMessage) -> bytes:
    """A cart to post back to an ERP's BrowserFormPost URL.

    Shared secrets in the header are never written: this document travels through the browser.
    `total` defaults to the sum of the lines; an empty or mixed-currency cart must give it.
    """
    total = message.total or message.lines_total
    if total is None:
        raise ValueError("an empty or mixed-currency cart needs an explicit total")
    if message.total is None and -int(total.amount.as_tuple().exponent) > AMOUNT_MAX_DECIMAL_PLACES:
        # The exact sum of the lines has more decimals than a cXML amount may carry (and our reader takes):
        # rounding it is a money rule of the caller, so the caller gives the Total.
        raise ValueError(
            f"the lines add up to more than {AMOUNT_MAX_DECIMAL_PLACES} decimals: give the cart's Total, rounded"
        )
    root = new_root(message.payload_id, message.timestamp, message.lang)
    write_header(root, message.header, with_secret=False)
    wrapper = write_element(root, "Message", deploymentMode=message.deployment_mode, inReplyTo=message.in_reply_to)
    if message.status is not None:
        write_status(wrapper, message.status)
    body = write_element(wrapper, "PunchOutOrderMessage")
    write_element(body, "BuyerCookie", message.buyer_cookie)
    header = write_element(
        body, "PunchOutOrderMessageHeader", operationAllowed=message.operation_allowed, quoteStatus=message.quote_status
    )
    write_money(header, "Total", total)
    if message.ship_to is not None:
        write_address(write_element(header, "ShipTo"), message.ship_to)
    for tag, amount in (("Shipping", message.shipping), ("Tax", message.tax)):
        if amount is not None:
            element = write_money(header, tag, amount)
            write_element(element, "Description", tag, lang="en")
    for item in message.items:
        write_item(body, "ItemIn", item)
    return serialise(root)


# ------------------------------------------------------------------------- the cart posted as a form

_FORM_FIELDS = ("cxml-base64", "cxml-urlencoded")

_ENCODING_DECLARATION = re.compile(r"""^(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


def extract_cxml_from_form(fields: Mapping[str, str] | Iterable[tuple[str, str]]) -> bytes:
    """The cXML document a supplier page posted back, as bytes ready for `parse_punchout_order_message`.

    Field names are matched case-insensitively (`cXML-base64`, `cxml-urlencoded` …); base64 wins when
    both are present. Base64 with line breaks, or with '+' turned into spaces by a sloppy form
    encoder, is repaired. A urlencoded document is re-encoded as UTF-8 (its XML declaration is
    rewritten to match, since the form layer has already decoded it to text).
    """
    pairs = fields.items() if isinstance(fields, Mapping) else fields
    found: dict[str, str] = {}
    for name, value in pairs:
        key = name.strip().casefold()
        if key in _FORM_FIELDS and key not in found:
            found[key] = value
    if "cxml-base64" in found:
        compact = found["cxml-base64"]
        if "\n" in compact or "\r" in compact or "\t" in compact:  # three C scans; the substitution costs far more
            compact = re.sub(r"[\r\n\t]", "", compact)
        compact = compact.strip().replace(" ", "+")
        compact += "=" * (-len(compact) % 4)
        try:
            return base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedDocument("the cxml-base64 form field is not valid base64") from None
    if "cxml-urlencoded" in found:
        text = found["cxml-urlencoded"]
        if text.lstrip()[:3].casefold() == "%3c":  # encoded twice by the supplier page
            text = unquote_plus(text)
        text = _ENCODING_DECLARATION.sub(r"\1\2UTF-8\2", text, count=1)
        return text.encode("utf-8")
    raise MalformedDocument("the form has no cxml-base64 or cxml-urlencoded field")
