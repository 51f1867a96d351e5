"""Read cXML punchout documents into the dataclasses of `documents`.

Lenient where real systems are sloppy and the meaning is clear: no DOCTYPE, a lowercase `<cxml>` root,
timestamps in any shape (kept as None when unreadable, never refused), whitespace around URLs,
identities and cookies, CDATA, a Description holding only a ShortName, 10-digit UNSPSC codes.
Strict where meaning would be guessed: a missing BuyerCookie, an ItemIn without quantity or price, a
price that is not a number, or a SharedSecret in a message that travelled through the browser are
refused with a `CXMLError` carrying the cXML Status code to answer.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote_plus

from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES, XmlSafetyError, parse_xml

from .documents import (
    Address,
    Classification,
    Contact,
    Credential,
    DeploymentMode,
    Document,
    Header,
    ItemIn,
    ItemOut,
    Money,
    PriceBasisQuantity,
    ProfileRequest,
    ProfileResponse,
    ProfileTransaction,
    PunchOutOperation,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    PunchOutSetupResponse,
    Response,
    Status,
)
from .errors import (
    InvalidDocument,
    MalformedDocument,
    NotAPunchoutDocument,
    NotImplementedRequest,
    SecretInBrowser,
    UnexpectedDocument,
    from_xml_error,
)
from .limits import (
    AMOUNT_MAX_DECIMAL_PLACES,
    AMOUNT_MAX_INTEGER_DIGITS,
    LEAD_TIME_MAX_DAYS,
    LINE_NUMBER_MAX,
    QUANTITY_DECIMAL_PLACES,
    QUANTITY_MAX_DIGITS,
    bounded_decimal,
)

if TYPE_CHECKING:
    from .orders import OrderDocument  # orders imports this module

__all__ = [
    "KNOWN_DOCUMENT_TYPES",
    "PUNCHOUT_DOCUMENT_TYPES",
    "credential_matches",
    "document_type",
    "extract_cxml_from_form",
    "parse_document",
    "parse_profile_request",
    "parse_profile_response",
    "parse_punchout_order_message",
    "parse_punchout_setup_request",
    "parse_punchout_setup_response",
    "parse_response",
    "parse_timestamp",
    "register_document_parser",
]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# The document types of cXML (requests, messages, responses, and catalog documents with their own
# root). Those without a registered parser are answered 406 "not a punchout document".
KNOWN_DOCUMENT_TYPES = frozenset(
    {
        "AuthRequest",
        "CatalogUploadRequest",
        "ConfirmationRequest",
        "Contract",
        "CopyRequest",
        "DataRequest",
        "GetPendingRequest",
        "Index",
        "InvoiceDetailRequest",
        "MasterAgreementRequest",
        "OrderRequest",
        "OrderStatusRequest",
        "OrganizationDataRequest",
        "PaymentRemittanceRequest",
        "PaymentRemittanceStatusUpdateRequest",
        "ProductActivityMessage",
        "ProfileRequest",
        "ProfileResponse",
        "ProviderDoneMessage",
        "ProviderSetupRequest",
        "PunchOutOrderMessage",
        "PunchOutSetupRequest",
        "PunchOutSetupResponse",
        "PurchaseRequisitionRequest",
        "QuoteMessage",
        "QuoteRequest",
        "ReceiptRequest",
        "Response",
        "ServiceEntryRequest",
        "ShipNoticeRequest",
        "StatusUpdateRequest",
        "SubscriptionChangeMessage",
        "SubscriptionContentRequest",
        "SubscriptionListRequest",
        "Supplier",
        "SupplierChangeMessage",
        "SupplierDataRequest",
        "SupplierListRequest",
    }
)
PUNCHOUT_DOCUMENT_TYPES = frozenset(
    {
        "PunchOutSetupRequest",
        "PunchOutSetupResponse",
        "PunchOutOrderMessage",
        "ProfileRequest",
        "ProfileResponse",
        "Response",
    }
)
_ROOT_DOCUMENTS = frozenset({"Index", "Contract", "Supplier"})


# ---------------------------------------------------------------------------------------------- helpers


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _text(element: Element | None) -> str:
    """All text inside an element (CDATA included, markup ignored), stripped."""
    if element is None:
        return ""
    if not len(element):  # the common leaf case, without the cost of itertext
        return (element.text or "").strip()
    return "".join(element.itertext()).strip()


def _optional_text(element: Element | None) -> str | None:
    return None if element is None else _text(element)


def _children(element: Element) -> Iterable[Element]:
    return (child for child in element if isinstance(child.tag, str))


# Plain decimals only: no exponent (1E+26), NaN, Infinity or thousands separator; "1,5" is not a number.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_QUANTITY_INTEGER_DIGITS = QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES


def _bounded(value: Decimal, what: str, integer_digits: int, decimal_places: int) -> Decimal:
    """`value` within the limits our columns hold (see `limits`), else a 400 naming the field and the limit."""
    checked = bounded_decimal(value, integer_digits=integer_digits, decimal_places=decimal_places)
    if isinstance(checked, str):
        raise InvalidDocument(f"{what} {checked}: it cannot be stored")
    return checked


def _amount(value: Decimal, what: str) -> Decimal:
    return _bounded(value, what, AMOUNT_MAX_INTEGER_DIGITS, AMOUNT_MAX_DECIMAL_PLACES)


def _bounded_quantity(value: Decimal, what: str) -> Decimal:
    return _bounded(value, what, _QUANTITY_INTEGER_DIGITS, QUANTITY_DECIMAL_PLACES)


def _decimal(value: str | None, what: str) -> Decimal:
    text = (value or "").strip()
    if not text:
        raise InvalidDocument(f"{what} is empty")
    if not _NUMBER.fullmatch(text):
        raise InvalidDocument(f"{what} is not a number: {text[:40]!r}")
    return Decimal(text)


def _money(element: Element | None, what: str) -> Money:
    if element is None:
        raise InvalidDocument(f"{what} has no Money")
    currency = (element.get("currency") or "").strip().upper()
    if not currency:
        raise InvalidDocument(f"{what} has no currency")
    return Money(amount=_amount(_decimal(element.text, what), what), currency=currency)


def _optional_money(parent: Element | None, what: str) -> Money | None:
    if parent is None:
        return None
    return _money(parent.find("Money"), what)


def _int_or_none(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _bounded_int(value: str | None, what: str, largest: int, unit: str = "") -> int | None:
    """A whole number up to `largest` (None when it is not a whole number: read leniently), else a 400."""
    text = (value or "").strip().lstrip("0") or "0"
    number = _int_or_none(text) if len(text) <= len(str(largest)) else None
    if number is None and text.isascii() and text.isdigit():
        number = largest + 1  # too many digits to convert (Python refuses past 4,300)
    if number is not None and number > largest:
        raise InvalidDocument(f"{what} is larger than {largest}{unit}: it cannot be stored")
    return number


def _lang(element: Element | None, default: str = "en-US") -> str:
    if element is None:
        return default
    return (element.get(XML_LANG) or "").strip() or default


def _deployment_mode(element: Element) -> DeploymentMode:
    return "test" if (element.get("deploymentMode") or "").strip().casefold() == "test" else "production"


def parse_timestamp(value: str | None) -> datetime | None:
    """A cXML timestamp as a datetime, or None when it cannot be read (never an error).

    Reads ISO 8601 with or without a colon in the offset (`-0500`), with `Z`, or without an offset
    (then the datetime is naive), and the RFC 2822 / Ruby shapes some systems send
    (`Mon May 19 18:29:48 +0000 2008`).
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for shape in ("%a %b %d %H:%M:%S %z %Y", "%a %b %d %H:%M:%S %Y"):
        try:
            return datetime.strptime(text, shape)
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


# ------------------------------------------------------------------------------------------- envelope


def _parse_root(data: bytes, max_bytes: int) -> Element:
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except XmlSafetyError as error:
        raise from_xml_error(error) from None
    name = _local(root.tag)
    # A lowercase <cxml> root is invalid but its meaning is clear.
    if name.casefold() != "cxml" and name not in _ROOT_DOCUMENTS:
        raise MalformedDocument(f"not a cXML document: the root element is <{name}>")
    return root


def _body(root: Element) -> tuple[str, Element | None, Element | None]:
    """The document type, its element, and the Request/Message/Response element around it."""
    name = _local(root.tag)
    if name in _ROOT_DOCUMENTS:
        return name, root, None
    for wrapper in _children(root):
        kind = _local(wrapper.tag)
        if kind not in ("Request", "Message", "Response"):
            continue
        body = next((child for child in _children(wrapper) if _local(child.tag) != "Status"), None)
        if body is None:
            if kind == "Response":
                return "Response", None, wrapper
            raise InvalidDocument(f"the cXML {kind} is empty")
        return _local(body.tag), body, wrapper
    raise InvalidDocument("the cXML document has no Request, Message or Response")


def _credential(element: Element, where: str) -> Credential:
    identity = element.find("Identity")
    if identity is None:
        raise InvalidDocument(f"a {where} Credential has no Identity")
    secret = element.find("SharedSecret")
    return Credential(
        domain=(element.get("domain") or "").strip(),
        identity=_text(identity),
        shared_secret=None if secret is None else _text(secret),
    )


def _credentials(header: Element, where: str) -> list[Credential]:
    party = header.find(where)
    if party is None:
        raise InvalidDocument(f"the Header has no {where}")
    found = [_credential(c, where) for c in party.iterfind("Credential")]
    if not found:
        raise InvalidDocument(f"the Header's {where} has no Credential")
    return found


def _header(root: Element) -> Header:
    header = root.find("Header")
    if header is None:
        raise InvalidDocument("the cXML document has no Header")
    from_ = _credentials(header, "From")
    to = _credentials(header, "To")
    sender = _credentials(header, "Sender")
    user_agent = header.find("Sender/UserAgent")
    return Header(
        from_=from_[0],
        to=to[0],
        sender=sender[0],
        user_agent=_text(user_agent),
        from_extra=tuple(from_[1:]),
        to_extra=tuple(to[1:]),
    )


def _status(element: Element | None) -> Status | None:
    if element is None:
        return None
    code = (element.get("code") or "").strip()
    if not code.isdigit():
        raise InvalidDocument(f"the Status code is not a number: {code[:40]!r}")
    if not code.isascii() or len(code) != 3:
        raise InvalidDocument(f"the Status code is not a three-digit code: {code[:40]!r}")
    lang = (element.get(XML_LANG) or "").strip() or None
    return Status(code=int(code), text=(element.get("text") or "").strip(), message=_text(element), lang=lang)


class _Envelope(NamedTuple):
    payload_id: str
    timestamp: datetime | None
    lang: str


def _envelope(root: Element) -> _Envelope:
    return _Envelope((root.get("payloadID") or "").strip(), parse_timestamp(root.get("timestamp")), _lang(root))


# ----------------------------------------------------------------------------------------------- parts


def _phone(element: Element | None) -> str | None:
    if element is None:
        return None
    number = element.find("TelephoneNumber")
    if number is None:
        return _text(element) or None
    country = _text(number.find("CountryCode"))
    parts = [f"+{country}" if country else "", _text(number.find("AreaOrCityCode")), _text(number.find("Number"))]
    extension = _text(number.find("Extension"))
    formatted = " ".join(part for part in parts if part)
    return f"{formatted} ext. {extension}" if extension else formatted or None


def _address(element: Element | None) -> Address | None:
    if element is None:
        return None
    name = element.find("Name")
    postal = element.find("PostalAddress")
    country = None if postal is None else postal.find("Country")
    email = element.find("Email")
    return Address(
        name=_text(name),
        address_id=(element.get("addressID") or "").strip() or None,
        deliver_to=() if postal is None else tuple(_text(e) for e in postal.iterfind("DeliverTo")),
        street=() if postal is None else tuple(_text(e) for e in postal.iterfind("Street")),
        city=_text(None if postal is None else postal.find("City")),
        state=_optional_text(None if postal is None else postal.find("State")),
        postal_code=_optional_text(None if postal is None else postal.find("PostalCode")),
        country=_text(country),
        country_code=((country.get("isoCountryCode") if country is not None else None) or "").strip().upper()
        or (element.get("isoCountryCode") or "").strip().upper(),
        email=_optional_text(email),
        phone=_phone(element.find("Phone")),
        lang=_lang(name, "en"),
    )


def _contact(element: Element) -> Contact:
    name = element.find("Name")
    return Contact(
        name=_text(name),
        email=_optional_text(element.find("Email")),
        phone=_phone(element.find("Phone")),
        role=(element.get("role") or "").strip() or None,
        lang=_lang(name, "en"),
    )


def _extrinsics(elements: Iterable[Element]) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in elements:
        name = (element.get("name") or "").strip()
        if name and name not in found:
            found[name] = _text(element)
    return found


def _description(element: Element) -> tuple[str, str]:
    """(description, short name): the Description's own text and its ShortName child."""
    short_name = ""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "ShortName":
            short_name = _text(child)
        parts.append(child.tail or "")
    return "".join(parts).strip(), short_name


def _number(value: str | None) -> Decimal | None:
    """A plain decimal number (no exponent, NaN or thousands separator), or None when it is not one."""
    if value is None:
        return None
    text = value.strip()
    return Decimal(text) if _NUMBER.fullmatch(text) else None


def _item[LineT: (ItemIn, ItemOut)](element: Element, position: int, kind: str, cls: type[LineT]) -> LineT:
    """One ItemIn or ItemOut; `position` counts from 1 and names the line in errors.

    Written for speed (a cart may have thousands of lines): one pass over the children, no XPath,
    error messages formatted only when there is an error.
    """
    raw_quantity = element.get("quantity")
    quantity = _number(raw_quantity)
    if quantity is None or quantity < 0:
        line = f"{kind} {position}"
        if raw_quantity is None or not raw_quantity.strip():
            raise InvalidDocument(f"{line} has no quantity")
        if quantity is None:
            raise InvalidDocument(f"the quantity of {line} is not a number: {raw_quantity.strip()[:40]!r}")
        raise InvalidDocument(f"{line} has a negative quantity: {raw_quantity.strip()[:40]!r}")
    quantity = _bounded_quantity(quantity, f"the quantity of {kind} {position}")

    supplier_part_id: str | None = None
    auxiliary_id: str | None = None
    buyer_part_id: str | None = None
    detail: Element | None = None
    extrinsic_elements: list[Element] = []
    # Comments and processing instructions are gone (see xmlsafe), so every child is an element.
    for child in element:
        tag = child.tag
        if tag == "ItemDetail":
            detail = child
        elif tag == "ItemID":
            for part in child:
                part_tag = part.tag
                if part_tag == "SupplierPartID":
                    supplier_part_id = (part.text or "").strip()
                elif part_tag == "SupplierPartAuxiliaryID":
                    auxiliary_id = _text(part)
                elif part_tag == "BuyerPartID":
                    buyer_part_id = _text(part)
        elif tag == "Extrinsic":
            extrinsic_elements.append(child)
    if supplier_part_id is None:
        raise InvalidDocument(f"{kind} {position} has no ItemID/SupplierPartID")
    if detail is None:
        raise InvalidDocument(f"{kind} {position} has no ItemDetail")

    unit_price: Money | None = None
    description: str | None = None
    short_name = ""
    description_lang = "en"
    unit_of_measure = ""
    classifications: list[Classification] = []
    basis: PriceBasisQuantity | None = None
    manufacturer_part_id = manufacturer_name = url = None
    lead_time: int | None = None
    for child in detail:
        tag = child.tag
        if tag == "UnitPrice":
            # Money comes first in UnitPrice; iterating is far cheaper than find() (ElementPath).
            money = next((grandchild for grandchild in child if grandchild.tag == "Money"), None)
            amount_text = "" if money is None else (money.text or "").strip()
            currency = "" if money is None else (money.get("currency") or "").strip().upper()
            if currency and _NUMBER.fullmatch(amount_text):
                unit_price = Money(
                    amount=_amount(Decimal(amount_text), f"the UnitPrice of {kind} {position}"), currency=currency
                )
            else:
                unit_price = _money(money, f"the UnitPrice of {kind} {position}")  # raises the precise error
        elif tag == "Description":
            if description is None:  # further Descriptions are translations
                if len(child):
                    description, short_name = _description(child)
                else:
                    description = (child.text or "").strip()
                description_lang = (child.get(XML_LANG) or "").strip() or "en"
        elif tag == "UnitOfMeasure":
            unit_of_measure = (child.text or "").strip()
        elif tag == "Classification":
            value = (child.text or "").strip() or (child.get("code") or "").strip()
            if value:
                classifications.append(Classification(domain=(child.get("domain") or "").strip(), value=value))
        elif tag == "PriceBasisQuantity":
            line = f"{kind} {position}"
            basis_what = f"the PriceBasisQuantity quantity of {line}"
            factor_what = f"the PriceBasisQuantity conversionFactor of {line}"
            basis = PriceBasisQuantity(
                quantity=_bounded_quantity(_decimal(child.get("quantity"), basis_what), basis_what),
                conversion_factor=_bounded(
                    _decimal(child.get("conversionFactor"), factor_what),
                    factor_what,
                    _QUANTITY_INTEGER_DIGITS,
                    AMOUNT_MAX_DECIMAL_PLACES,
                ),
                unit_of_measure=_text(child.find("UnitOfMeasure")),
                description=_text(child.find("Description")),
            )
            if basis.quantity <= 0 or basis.conversion_factor <= 0:
                # The price is for `quantity` units, one ordered unit being `conversionFactor` of them: 0 means nothing.
                raise InvalidDocument(
                    f"the PriceBasisQuantity of {line} must have a quantity and conversionFactor above 0"
                )
        elif tag == "ManufacturerPartID":
            manufacturer_part_id = (child.text or "").strip()
        elif tag == "ManufacturerName":
            manufacturer_name = (child.text or "").strip()
        elif tag == "URL":
            url = (child.text or "").strip()
        elif tag == "LeadTime":
            lead_time = _bounded_int(child.text, f"the LeadTime of {kind} {position}", LEAD_TIME_MAX_DAYS, " days")
        elif tag == "Extrinsic":
            extrinsic_elements.append(child)
    if unit_price is None:
        raise InvalidDocument(f"{kind} {position} has no UnitPrice")

    line_number = element.get("lineNumber")
    return cls(
        quantity=quantity,
        supplier_part_id=supplier_part_id,
        supplier_part_auxiliary_id=auxiliary_id,
        buyer_part_id=buyer_part_id,
        unit_price=unit_price,
        unit_of_measure=unit_of_measure,
        description=description or "",
        description_lang=description_lang,
        short_name=short_name,
        classifications=tuple(classifications),
        manufacturer_part_id=manufacturer_part_id,
        manufacturer_name=manufacturer_name,
        url=url,
        lead_time=lead_time,
        price_basis_quantity=basis,
        extrinsics=_extrinsics(extrinsic_elements) if extrinsic_elements else {},
        line_number=None
        if line_number is None
        else _bounded_int(line_number, f"the lineNumber of {kind} {position}", LINE_NUMBER_MAX),
    )


def _buyer_cookie(body: Element, kind: str) -> str:
    cookie = _text(body.find("BuyerCookie"))
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


# ------------------------------------------------------------------------------------------- documents


def _parse_setup_request(root: Element, body: Element, request: Element) -> PunchOutSetupRequest:
    envelope = _envelope(root)
    raw_operation = body.get("operation")
    operation = _operation(raw_operation, "create")
    if operation is None:
        raise NotImplementedRequest(
            f"PunchOutSetupRequest operation {raw_operation!r} is not supported; use create, edit or inspect"
        )
    selected = body.find("SelectedItem/ItemID")
    items_out = tuple(
        _item(element, position, "ItemOut", ItemOut) for position, element in enumerate(body.iterfind("ItemOut"), 1)
    )
    return PunchOutSetupRequest(
        header=_header(root),
        buyer_cookie=_buyer_cookie(body, "PunchOutSetupRequest"),
        operation=operation,
        browser_form_post_url=_optional_text(body.find("BrowserFormPost/URL")) or None,
        supplier_setup_url=_optional_text(body.find("SupplierSetup/URL")) or None,
        extrinsics=_extrinsics(body.iterfind("Extrinsic")),
        contacts=tuple(_contact(element) for element in body.iterfind("Contact")),
        ship_to=_address(body.find("ShipTo/Address")),
        selected_item=None if selected is None else _text(selected.find("SupplierPartID")),
        selected_item_auxiliary_id=(
            None if selected is None else _optional_text(selected.find("SupplierPartAuxiliaryID"))
        ),
        items_out=items_out,
        deployment_mode=_deployment_mode(request),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def _parse_order_message(root: Element, body: Element, message: Element) -> PunchOutOrderMessage:
    envelope = _envelope(root)
    header_element = root.find("Header")
    if header_element is not None:
        for secret in header_element.iter("SharedSecret"):
            if _text(secret):
                raise SecretInBrowser(
                    "a shared secret must not travel through the browser: "
                    "the PunchOutOrderMessage carries a SharedSecret"
                )
    order_header = body.find("PunchOutOrderMessageHeader")
    operation: PunchOutOperation | None = "create"
    total = shipping = tax = None
    quote_status = None
    ship_to = None
    if order_header is not None:
        # An unknown operationAllowed falls back to create, the one that permits the least.
        operation = _operation(order_header.get("operationAllowed"), "create") or "create"
        total = _optional_money(order_header.find("Total"), "the cart Total")
        shipping = _optional_money(order_header.find("Shipping"), "the cart Shipping")
        tax = _optional_money(order_header.find("Tax"), "the cart Tax")
        quote_status = (order_header.get("quoteStatus") or "").strip() or None
        ship_to = _address(order_header.find("ShipTo/Address"))
    items = tuple(
        _item(element, position, "ItemIn", ItemIn) for position, element in enumerate(body.iterfind("ItemIn"), 1)
    )
    return PunchOutOrderMessage(
        header=_header(root),
        buyer_cookie=_buyer_cookie(body, "PunchOutOrderMessage"),
        operation_allowed=operation or "create",
        total=total,
        shipping=shipping,
        tax=tax,
        items=items,
        status=_status(message.find("Status")),
        quote_status=quote_status,
        ship_to=ship_to,
        deployment_mode=_deployment_mode(message),
        in_reply_to=(message.get("inReplyTo") or "").strip() or None,
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def _response_status(response: Element) -> Status:
    status = _status(response.find("Status"))
    if status is None:
        raise InvalidDocument("the Response has no Status")
    return status


def _parse_setup_response(root: Element, body: Element | None, response: Element) -> PunchOutSetupResponse:
    status = _response_status(response)
    url = None if body is None else _text(body.find("StartPage/URL")) or None
    if url is None and status.ok:
        raise InvalidDocument("the PunchOutSetupResponse has no StartPage URL")
    envelope = _envelope(root)
    return PunchOutSetupResponse(
        status=status,
        start_page_url=url,
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def _parse_bare_response(root: Element, body: Element | None, response: Element) -> Response:
    envelope = _envelope(root)
    return Response(
        status=_response_status(response),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def _parse_profile_request(root: Element, body: Element, request: Element) -> ProfileRequest:
    envelope = _envelope(root)
    return ProfileRequest(
        header=_header(root),
        deployment_mode=_deployment_mode(request),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def _options(element: Element) -> dict[str, str]:
    return _extrinsics(element.iterfind("Option"))


def _parse_profile_response(root: Element, body: Element, response: Element) -> ProfileResponse:
    envelope = _envelope(root)
    transactions = tuple(
        ProfileTransaction(
            request_name=(element.get("requestName") or "").strip(),
            url=_text(element.find("URL")),
            options=_options(element),
        )
        for element in body.iterfind("Transaction")
    )
    return ProfileResponse(
        transactions=transactions,
        status=_response_status(response),
        effective_date=parse_timestamp(body.get("effectiveDate")),
        options=_options(body),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


_PARSERS: dict[str, Callable[..., object]] = {
    "PunchOutSetupRequest": _parse_setup_request,
    "PunchOutOrderMessage": _parse_order_message,
    "PunchOutSetupResponse": _parse_setup_response,
    "Response": _parse_bare_response,
    "ProfileRequest": _parse_profile_request,
    "ProfileResponse": _parse_profile_response,
}


def register_document_parser(document_type: str, parser: Callable[[Element, Element, Element | None], object]) -> None:
    """Teach `parse_document` a new document type, e.g. OrderRequest or ConfirmationRequest.

    The parser gets the root element, the document's element (e.g. <OrderRequest>) and the
    Request/Message/Response element around it, and returns a dataclass.
    """
    _PARSERS[document_type] = parser


# ---------------------------------------------------------------------------------------------- public


def _dispatch(root: Element) -> object:
    kind, body, wrapper = _body(root)
    parser = _PARSERS.get(kind)
    if parser is None:
        if kind in KNOWN_DOCUMENT_TYPES:
            raise NotAPunchoutDocument(f"{_article(kind)} {kind} is not a punchout document", document_type=kind)
        raise NotImplementedRequest(f"{kind} is not a cXML document this system implements")
    return parser(root, body, wrapper)


def document_type(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The kind of cXML document: 'PunchOutSetupRequest', 'OrderRequest', 'Response', 'Index' …

    Raises `MalformedDocument` (400) for anything that is not a readable cXML document.
    """
    return _body(_parse_root(data, max_bytes))[0]


def parse_document(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document | OrderDocument:
    """Parse any punchout or order document (see `orders`) into its dataclass.

    Raises a `CXMLError`: 400 unreadable or missing a required part, 413 too large, 406 a cXML document
    this system does not read (InvoiceDetailRequest, StatusUpdateRequest …), 450 an unknown request.
    """
    return _dispatch(_parse_root(data, max_bytes))  # type: ignore[return-value]


def _parse_as[D](data: bytes, max_bytes: int, expected: type[D], allowed: tuple[str, ...]) -> D:
    root = _parse_root(data, max_bytes)
    kind = _body(root)[0]
    if kind not in allowed:
        raise UnexpectedDocument(f"expected a {allowed[0]}, got {_article(kind)} {kind}", document_type=kind)
    document = _dispatch(root)
    assert isinstance(document, expected)
    return document


def parse_punchout_setup_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PunchOutSetupRequest:
    """Parse a PunchOutSetupRequest (an ERP opening a session with us); 406 for any other document."""
    return _parse_as(data, max_bytes, PunchOutSetupRequest, ("PunchOutSetupRequest",))


def parse_punchout_order_message(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PunchOutOrderMessage:
    """Parse a PunchOutOrderMessage (a supplier's cart, posted through the browser).

    Refuses (400) a message carrying a SharedSecret: it was visible to the user's browser, so the secret
    is burnt and the message proves nothing; the BuyerCookie and session token authenticate the cart.
    """
    return _parse_as(data, max_bytes, PunchOutOrderMessage, ("PunchOutOrderMessage",))


def parse_punchout_setup_response(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PunchOutSetupResponse:
    """Parse a supplier's answer to our setup request.

    A bare Response with an error Status becomes a PunchOutSetupResponse without a start page, so the
    caller reads `status` in both cases.
    """
    root = _parse_root(data, max_bytes)
    kind, body, wrapper = _body(root)
    if kind == "Response" and wrapper is not None:
        return _parse_setup_response(root, None, wrapper)
    if kind != "PunchOutSetupResponse" or wrapper is None:
        raise UnexpectedDocument(f"expected a PunchOutSetupResponse, got {_article(kind)} {kind}", document_type=kind)
    return _parse_setup_response(root, body, wrapper)


def parse_response(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Response:
    """The Status of any cXML Response (e.g. the synchronous answer to an OrderRequest), ignoring its body."""
    root = _parse_root(data, max_bytes)
    response = root.find("Response")
    if response is None:
        kind = _body(root)[0]
        raise UnexpectedDocument(f"expected a Response, got {_article(kind)} {kind}", document_type=kind)
    return _parse_bare_response(root, None, response)


def parse_profile_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ProfileRequest:
    return _parse_as(data, max_bytes, ProfileRequest, ("ProfileRequest",))


def parse_profile_response(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ProfileResponse:
    return _parse_as(data, max_bytes, ProfileResponse, ("ProfileResponse",))


# ------------------------------------------------------------------------------------- form and auth

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
        compact = re.sub(r"[\r\n\t]", "", found["cxml-base64"]).strip().replace(" ", "+")
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


def credential_matches(presented: Credential, expected: Credential) -> bool:
    """Whether a presented credential is the expected one.

    Domains compare case-insensitively (DUNS, duns), identities exactly (after stripping), and when the
    expected credential has a shared secret the presented one must carry the same secret, compared in
    constant time.
    """
    same_party = (
        presented.domain.strip().casefold() == expected.domain.strip().casefold()
        and presented.identity.strip() == expected.identity.strip()
    )
    if expected.shared_secret is None:
        return same_party
    secret = (presented.shared_secret or "").encode("utf-8")
    secret_ok = hmac.compare_digest(secret, expected.shared_secret.encode("utf-8"))
    return same_party and secret_ok and presented.shared_secret is not None
