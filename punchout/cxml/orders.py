"""Purchase orders in cXML: the OrderRequest we send, the ConfirmationRequest and ShipNoticeRequest we get back.

Same conventions as the punchout documents: frozen keyword-only dataclasses, Decimal money, text stripped.
The parsers use the one hardened XML parser and the punchout leniency (no DOCTYPE, a lowercase root, any
timestamp shape, missing xml:lang, whitespace). They refuse with a 400 `InvalidDocument` naming the missing
or unreadable part, e.g. "ConfirmationItem 2 has no lineNumber". Importing this module registers the three
parsers with `parse_document`.

Unlike the punchout builders, `build_order_request` never makes up a payloadID or timestamp: a retry of an
order must carry the identical payloadID, so the caller stores both with the order before the first send.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, get_args

from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .build import _address as _write_address
from .build import _extrinsics as _write_extrinsics
from .build import _header as _write_header
from .build import _money as _write_money
from .build import _root, _serialise, _sub, format_decimal, format_timestamp
from .documents import Address, Classification, DeploymentMode, Header, ItemIn, ItemOut, Money, PriceBasisQuantity
from .errors import InvalidDocument, UnexpectedDocument
from .limits import LINE_NUMBER_MAX
from .parse import (
    _address,
    _article,
    _body,
    _bounded_quantity,
    _deployment_mode,
    _envelope,
    _extrinsics,
    _header,
    _item,
    _money,
    _number,
    _optional_money,
    _parse_root,
    _text,
    parse_timestamp,
    register_document_parser,
)

__all__ = [
    "AccountingSegment",
    "ConfirmationItem",
    "ConfirmationLineStatus",
    "ConfirmationOperation",
    "ConfirmationRequest",
    "ConfirmationStatusType",
    "ConfirmationType",
    "Distribution",
    "OrderDocument",
    "OrderItem",
    "OrderRequest",
    "OrderType",
    "ShipNoticeLine",
    "ShipNoticeOperation",
    "ShipNoticePortion",
    "ShipNoticeRequest",
    "build_order_request",
    "parse_confirmation_request",
    "parse_order_request",
    "parse_ship_notice_request",
]

OrderType = Literal["new", "update", "delete"]
ConfirmationType = Literal[
    "accept", "allDetail", "detail", "backordered", "except", "reject", "requestToPay", "replace"
]
ConfirmationStatusType = Literal["accept", "allDetail", "detail", "backordered", "reject", "unknown", "requestToPay"]
# The 1.2.069 DTD allows new and update on a ConfirmationHeader; delete is read too, as older suppliers send it.
ConfirmationOperation = Literal["new", "update", "delete"]
ShipNoticeOperation = Literal["new", "update", "delete"]

# Confirmation types that only make sense with ConfirmationItems: they describe lines, not the whole order.
_TYPES_NEEDING_LINES = frozenset({"allDetail", "detail", "except"})


# ------------------------------------------------------------------------------------------- documents


@dataclass(frozen=True, kw_only=True)
class AccountingSegment:
    """One part of an account (cost centre, GL account …): written as AccountingSegment/Name, Description."""

    type: str
    id: str
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Distribution:
    """The share of a line's cost charged to one account."""

    accounting_name: str
    segments: tuple[AccountingSegment, ...]
    charge: Money


@dataclass(frozen=True, kw_only=True)
class OrderItem:
    """A line of an order (ItemOut)."""

    line_number: int
    quantity: Decimal
    supplier_part_id: str
    unit_price: Money
    description: str
    unit_of_measure: str
    supplier_part_auxiliary_id: str | None = None
    buyer_part_id: str | None = None
    classifications: tuple[Classification, ...] = ()
    requested_delivery_date: date | None = None
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    price_basis_quantity: PriceBasisQuantity | None = None
    distributions: tuple[Distribution, ...] = ()
    comments: str = ""
    extrinsics: Mapping[str, str] = field(default_factory=dict)

    @property
    def line_total(self) -> Decimal:
        """Quantity times the price of one ordered unit (see `LineItem.effective_unit_price`); not rounded."""
        basis = self.price_basis_quantity
        if basis is None or not basis.quantity:
            return self.quantity * self.unit_price.amount
        return self.quantity * self.unit_price.amount / basis.quantity * basis.conversion_factor


@dataclass(frozen=True, kw_only=True)
class OrderRequest:
    """A purchase order to send to a supplier (server to server, so the Sender's SharedSecret is written).

    `payload_id` and `timestamp` are the caller's: store them with the order and send the same pair on a
    retry, so the supplier can recognise the duplicate. For `order_type` update or delete,
    `document_reference_payload_id` is the payloadID of the order being replaced and `order_version`
    counts the versions (1 for the first). `timestamp` and `order_date` are None only on a parsed
    document whose dates could not be read.
    """

    header: Header
    payload_id: str
    timestamp: datetime | None
    order_id: str
    order_date: datetime | None
    total: Money
    bill_to: Address
    items: tuple[OrderItem, ...]
    order_type: OrderType = "new"
    order_version: int = 1
    ship_to: Address | None = None
    comments: str = ""
    extrinsics: Mapping[str, str] = field(default_factory=dict)
    document_reference_payload_id: str | None = None
    deployment_mode: DeploymentMode = "production"
    lang: str = "en-US"


@dataclass(frozen=True, kw_only=True)
class ConfirmationLineStatus:
    """What the supplier says about (part of) a line: e.g. 15 accepted and 5 backordered are two statuses.

    `unit_price` is the supplier's price when it gave one (the status's UnitPrice, or the ItemIn's for a
    substituted or changed item; then `item` holds the whole ItemIn).
    """

    type: ConfirmationStatusType
    quantity: Decimal
    unit_of_measure: str
    unit_price: Money | None = None
    delivery_date: datetime | None = None
    shipment_date: datetime | None = None
    comments: str = ""
    extrinsics: Mapping[str, str] = field(default_factory=dict)
    item: ItemIn | None = None


@dataclass(frozen=True, kw_only=True)
class ConfirmationItem:
    """The confirmation of one order line, identified by the order's `line_number`."""

    line_number: int
    quantity: Decimal
    unit_of_measure: str
    statuses: tuple[ConfirmationLineStatus, ...]

    def quantity_with_status(self, status_type: ConfirmationStatusType) -> Decimal:
        """The quantity of this line in statuses of one type (e.g. how many are backordered)."""
        return sum((status.quantity for status in self.statuses if status.type == status_type), Decimal(0))


@dataclass(frozen=True, kw_only=True)
class ConfirmationRequest:
    """A supplier's order confirmation.

    Match it to our order by `order_payload_id` (the OrderRequest's payloadID) when given, else by
    `order_id`; at least one is set. `type` accept or reject without `items` concerns the whole order.
    Authenticate the supplier with `header.sender` (its `shared_secret` is kept) before acting on it.
    """

    header: Header
    payload_id: str
    timestamp: datetime | None
    type: ConfirmationType
    order_id: str | None
    order_payload_id: str | None
    operation: ConfirmationOperation = "new"
    confirm_id: str = ""
    notice_date: datetime | None = None
    order_date: datetime | None = None
    total: Money | None = None
    comments: str = ""
    extrinsics: Mapping[str, str] = field(default_factory=dict)
    items: tuple[ConfirmationItem, ...] = ()
    deployment_mode: DeploymentMode = "production"
    lang: str = "en-US"

    def item(self, line_number: int) -> ConfirmationItem | None:
        return next((item for item in self.items if item.line_number == line_number), None)


@dataclass(frozen=True, kw_only=True)
class ShipNoticeLine:
    """A shipped quantity of one order line (ShipNoticeItem)."""

    line_number: int
    quantity: Decimal
    unit_of_measure: str
    supplier_part_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ShipNoticePortion:
    """What a shipment carries of one order; no `items` means the whole order shipped."""

    order_id: str | None
    order_payload_id: str | None
    order_date: datetime | None = None
    items: tuple[ShipNoticeLine, ...] = ()

    @property
    def whole_order(self) -> bool:
        return not self.items


@dataclass(frozen=True, kw_only=True)
class ShipNoticeRequest:
    """A supplier's advance shipping notice.

    `carrier` is the carrier's name (the companyName CarrierIdentifier, else the first one);
    `carrier_identifiers` has every identifier by domain (SCAC, companyName …). `tracking_number` is the
    first ShipmentIdentifier. Authenticate the supplier with `header.sender` before acting on it.
    """

    header: Header
    payload_id: str
    timestamp: datetime | None
    shipment_id: str
    portions: tuple[ShipNoticePortion, ...]
    operation: ShipNoticeOperation = "new"
    notice_date: datetime | None = None
    shipment_date: datetime | None = None
    delivery_date: datetime | None = None
    carrier: str | None = None
    carrier_identifiers: Mapping[str, str] = field(default_factory=dict)
    tracking_number: str | None = None
    tracking_url: str | None = None
    comments: str = ""
    deployment_mode: DeploymentMode = "production"
    lang: str = "en-US"


OrderDocument = OrderRequest | ConfirmationRequest | ShipNoticeRequest


# --------------------------------------------------------------------------------------------- writing


def _write_comments(parent: Element, comments: str, lang: str) -> None:
    if comments:
        _sub(parent, "Comments", comments, lang=lang)


def _write_distribution(parent: Element, distribution: Distribution, lang: str) -> None:
    element = _sub(parent, "Distribution")
    accounting = _sub(element, "Accounting", name=distribution.accounting_name)
    for segment in distribution.segments:
        segment_element = _sub(accounting, "AccountingSegment", id=segment.id)
        _sub(segment_element, "Name", segment.type, lang=lang)
        _sub(segment_element, "Description", segment.description, lang=lang)
    _write_money(element, "Charge", distribution.charge)


def _write_item(parent: Element, item: OrderItem, lang: str) -> None:
    delivery = None if item.requested_delivery_date is None else item.requested_delivery_date.isoformat()
    element = _sub(
        parent,
        "ItemOut",
        quantity=format_decimal(item.quantity),
        lineNumber=str(item.line_number),
        requestedDeliveryDate=delivery,
    )
    item_id = _sub(element, "ItemID")
    _sub(item_id, "SupplierPartID", item.supplier_part_id)
    if item.supplier_part_auxiliary_id is not None:
        _sub(item_id, "SupplierPartAuxiliaryID", item.supplier_part_auxiliary_id)
    if item.buyer_part_id is not None:
        _sub(item_id, "BuyerPartID", item.buyer_part_id)
    detail = _sub(element, "ItemDetail")
    _write_money(detail, "UnitPrice", item.unit_price)
    _sub(detail, "Description", item.description, lang=lang)
    _sub(detail, "UnitOfMeasure", item.unit_of_measure)
    basis = item.price_basis_quantity
    if basis is not None:
        basis_element = _sub(
            detail,
            "PriceBasisQuantity",
            quantity=format_decimal(basis.quantity),
            conversionFactor=format_decimal(basis.conversion_factor),
        )
        _sub(basis_element, "UnitOfMeasure", basis.unit_of_measure)
        if basis.description:
            _sub(basis_element, "Description", basis.description, lang=lang)
    for classification in item.classifications:
        _sub(detail, "Classification", classification.value, domain=classification.domain)
    if not item.classifications:  # the DTD wants one; an empty value reads back as "not classified"
        _sub(detail, "Classification", "", domain="UNSPSC")
    if item.manufacturer_part_id is not None:
        _sub(detail, "ManufacturerPartID", item.manufacturer_part_id)
    if item.manufacturer_name is not None:
        _sub(detail, "ManufacturerName", item.manufacturer_name)
    _write_extrinsics(detail, item.extrinsics)
    for distribution in item.distributions:
        _write_distribution(element, distribution, lang)
    _write_comments(element, item.comments, lang)


def build_order_request(order: OrderRequest) -> bytes:
    """The OrderRequest to POST to the supplier's order URL: UTF-8 cXML 1.2.069, valid against cXML.dtd.

    Writes the given payloadID and timestamp (never new ones) and the Sender's SharedSecret. Raises
    ValueError for an order that cannot be sent: no payloadID or timestamp, no lines, repeated line
    numbers, a Distribution without segments, or an update or delete without the payloadID of the order
    it replaces.
    """
    if not order.payload_id.strip():
        raise ValueError("an OrderRequest needs the payloadID stored with the order (a retry sends the same one)")
    if order.timestamp is None:
        raise ValueError("an OrderRequest needs the timestamp stored with the order (a retry sends the same one)")
    if order.order_date is None:
        raise ValueError("an OrderRequest needs an order date")
    if not order.items:
        raise ValueError("an OrderRequest needs at least one line")
    line_numbers = [item.line_number for item in order.items]
    if len(set(line_numbers)) != len(line_numbers):
        raise ValueError(f"an OrderRequest's line numbers must differ: {line_numbers}")
    for item in order.items:
        if any(not distribution.segments for distribution in item.distributions):
            raise ValueError(f"a Distribution of line {item.line_number} needs at least one accounting segment")
    if order.order_type != "new" and not order.document_reference_payload_id:
        article = "an" if order.order_type == "update" else "a"
        raise ValueError(f"{article} {order.order_type} OrderRequest needs the payloadID of the order it replaces")

    lang = order.lang or "en-US"
    root = _root(order.payload_id, order.timestamp, lang)
    _write_header(root, order.header, with_secret=True)
    body = _sub(_sub(root, "Request", deploymentMode=order.deployment_mode), "OrderRequest")
    header = _sub(
        body,
        "OrderRequestHeader",
        orderID=order.order_id,
        orderDate=format_timestamp(order.order_date),
        type=order.order_type,
        orderVersion=str(order.order_version),
    )
    # Element order is the DTD's: Total, ShipTo?, BillTo, …, Comments*, …, DocumentReference?, …, Extrinsic*.
    _write_money(header, "Total", order.total)
    if order.ship_to is not None:
        _write_address(_sub(header, "ShipTo"), order.ship_to)
    _write_address(_sub(header, "BillTo"), order.bill_to)
    _write_comments(header, order.comments, lang)
    if order.document_reference_payload_id:
        _sub(header, "DocumentReference", payloadID=order.document_reference_payload_id)
    _write_extrinsics(header, order.extrinsics)
    for item in order.items:
        _write_item(body, item, lang)
    return _serialise(root)


# --------------------------------------------------------------------------------------------- reading


def _comments(elements: Iterable[Element]) -> str:
    """The text of Comments elements, without their Attachment URLs; several are joined by line breaks."""
    found = []
    for element in elements:
        parts = [element.text or ""]
        parts.extend(child.tail or "" for child in element)
        text = "".join(parts).strip()
        if text:
            found.append(text)
    return "\n".join(found)


def _choice[T: str](value: str | None, choices: Mapping[str, T], default: T | None, what: str) -> T:
    """An enumerated attribute, compared case-insensitively; `default` when absent (or refused when None)."""
    text = (value or "").strip()
    if not text:
        if default is None:
            raise InvalidDocument(f"{what} is missing")
        return default
    found = choices.get(text.casefold())
    if found is None:
        allowed = ", ".join(choices.values())
        raise InvalidDocument(f"{what} {text!r} is not one of {allowed}")
    return found


def _choices[T: str](literal: object) -> dict[str, T]:
    return {value.casefold(): value for value in get_args(literal)}


_ORDER_TYPES: dict[str, OrderType] = _choices(OrderType)
_CONFIRMATION_TYPES: dict[str, ConfirmationType] = _choices(ConfirmationType)
_CONFIRMATION_STATUS_TYPES: dict[str, ConfirmationStatusType] = _choices(ConfirmationStatusType)
_CONFIRMATION_OPERATIONS: dict[str, ConfirmationOperation] = _choices(ConfirmationOperation)
_SHIP_NOTICE_OPERATIONS: dict[str, ShipNoticeOperation] = _choices(ShipNoticeOperation)


def _line_number(element: Element, what: str, default: int | None = None) -> int:
    raw = (element.get("lineNumber") or "").strip()
    if not raw:
        if default is None:
            raise InvalidDocument(f"{what} has no lineNumber")
        return default
    if not raw.isascii() or not raw.isdigit():
        raise InvalidDocument(f"the lineNumber of {what} is not a whole number: {raw[:40]!r}")
    number = int(raw) if len(raw.lstrip("0")) <= len(str(LINE_NUMBER_MAX)) else LINE_NUMBER_MAX + 1
    if number > LINE_NUMBER_MAX:
        raise InvalidDocument(f"the lineNumber of {what} is larger than {LINE_NUMBER_MAX}: it cannot be stored")
    return number


def _quantity(element: Element, what: str) -> Decimal:
    raw = element.get("quantity")
    if raw is None or not raw.strip():
        raise InvalidDocument(f"{what} has no quantity")
    quantity = _number(raw)
    if quantity is None:
        raise InvalidDocument(f"the quantity of {what} is not a number: {raw.strip()[:40]!r}")
    if quantity < 0:
        raise InvalidDocument(f"{what} has a negative quantity: {raw.strip()[:40]!r}")
    return _bounded_quantity(quantity, f"the quantity of {what}")


def _attribute(element: Element, name: str) -> str | None:
    return (element.get(name) or "").strip() or None


def _order_reference(parent: Element, where: str) -> tuple[str | None, str | None, datetime | None]:
    """(orderID, DocumentReference payloadID, orderDate) of the OrderReference; refused when it names no order."""
    reference = parent.find("OrderReference")
    if reference is None:
        raise InvalidDocument(f"{where} has no OrderReference")
    document = reference.find("DocumentReference")
    order_id = _attribute(reference, "orderID")
    payload_id = None if document is None else _attribute(document, "payloadID")
    if order_id is None and payload_id is None:
        raise InvalidDocument(f"the OrderReference of {where} has no orderID and no DocumentReference payloadID")
    return order_id, payload_id, parse_timestamp(reference.get("orderDate"))


def _segments(accounting: Element) -> tuple[AccountingSegment, ...]:
    segments = []
    for element in accounting:
        if element.tag == "AccountingSegment":  # 1.2.069: id attribute, Name and Description children
            segments.append(
                AccountingSegment(
                    type=_text(element.find("Name")),
                    id=(element.get("id") or "").strip(),
                    description=_text(element.find("Description")),
                )
            )
        elif element.tag == "Segment":  # the older, deprecated form Coupa still sends: all attributes
            segments.append(
                AccountingSegment(
                    type=(element.get("type") or "").strip(),
                    id=(element.get("id") or "").strip(),
                    description=(element.get("description") or "").strip(),
                )
            )
    return tuple(segments)


def _distribution(element: Element, line: str) -> Distribution:
    accounting = element.find("Accounting")
    if accounting is None:
        raise InvalidDocument(f"a Distribution of {line} has no Accounting")
    return Distribution(
        accounting_name=(accounting.get("name") or "").strip(),
        segments=_segments(accounting),
        charge=_money(element.find("Charge/Money"), f"the Distribution Charge of {line}"),
    )


def _requested_date(value: str | None) -> date | None:
    moment = parse_timestamp(value)
    return None if moment is None else moment.date()


def _order_item(element: Element, position: int) -> OrderItem:
    line = _item(element, position, "ItemOut", ItemOut)  # quantity, ItemID and ItemDetail, as for carts
    what = f"ItemOut {position}"
    return OrderItem(
        line_number=_line_number(element, what, default=position),  # cXML: the position when not given
        quantity=line.quantity,
        supplier_part_id=line.supplier_part_id,
        supplier_part_auxiliary_id=line.supplier_part_auxiliary_id,
        buyer_part_id=line.buyer_part_id,
        unit_price=line.unit_price,
        description=line.text,
        unit_of_measure=line.unit_of_measure,
        classifications=line.classifications,
        requested_delivery_date=_requested_date(element.get("requestedDeliveryDate")),
        manufacturer_part_id=line.manufacturer_part_id,
        manufacturer_name=line.manufacturer_name,
        price_basis_quantity=line.price_basis_quantity,
        distributions=tuple(_distribution(d, what) for d in element.iterfind("Distribution")),
        comments=_comments(element.iterfind("Comments")),
        extrinsics=line.extrinsics,
    )


def _parse_order_request(root: Element, body: Element, request: Element | None) -> OrderRequest:
    envelope = _envelope(root)
    header = body.find("OrderRequestHeader")
    if header is None:
        raise InvalidDocument("the OrderRequest has no OrderRequestHeader")
    order_id = (header.get("orderID") or "").strip()
    if not order_id:
        raise InvalidDocument("the OrderRequestHeader has no orderID")
    bill_to = _address(header.find("BillTo/Address"))
    if bill_to is None:
        raise InvalidDocument("the OrderRequestHeader has no BillTo Address")
    elements = body.findall("ItemOut")
    if not elements:
        raise InvalidDocument("the OrderRequest has no ItemOut")
    reference = header.find("DocumentReference")
    version = (header.get("orderVersion") or "").strip()
    return OrderRequest(
        header=_header(root),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        order_id=order_id,
        order_date=parse_timestamp(header.get("orderDate")),
        order_type=_choice(header.get("type"), _ORDER_TYPES, "new", "the OrderRequestHeader type"),
        order_version=int(version) if version.isascii() and version.isdigit() and len(version) <= 9 else 1,
        total=_money(header.find("Total/Money"), "the OrderRequestHeader Total"),
        bill_to=bill_to,
        ship_to=_address(header.find("ShipTo/Address")),
        items=tuple(_order_item(element, position) for position, element in enumerate(elements, 1)),
        comments=_comments(header.iterfind("Comments")),
        extrinsics=_extrinsics(header.iterfind("Extrinsic")),
        document_reference_payload_id=None if reference is None else _attribute(reference, "payloadID"),
        deployment_mode="production" if request is None else _deployment_mode(request),
        lang=envelope.lang,
    )


def _confirmation_status(element: Element, what: str) -> ConfirmationLineStatus:
    item_element = element.find("ItemIn")
    item = None
    if item_element is not None:
        try:
            item = _item(item_element, 1, "ItemIn", ItemIn)
        except InvalidDocument as error:
            raise InvalidDocument(f"{what}: {error.message}") from None
    unit_price = (
        item.unit_price if item is not None else _optional_money(element.find("UnitPrice"), f"the UnitPrice of {what}")
    )
    if unit_price is not None and unit_price.amount < 0:
        raise InvalidDocument(f"the UnitPrice of {what} is negative: a confirmed price is 0 or more")
    return ConfirmationLineStatus(
        type=_choice(element.get("type"), _CONFIRMATION_STATUS_TYPES, None, f"the type of {what}"),
        quantity=_quantity(element, what),
        unit_of_measure=_text(element.find("UnitOfMeasure")),
        unit_price=unit_price,
        delivery_date=parse_timestamp(element.get("deliveryDate")),
        shipment_date=parse_timestamp(element.get("shipmentDate")),
        comments=_comments(element.iterfind("Comments")),
        extrinsics=_extrinsics(element.iterfind("Extrinsic")),
        item=item,
    )


def _confirmation_item(element: Element, position: int) -> ConfirmationItem:
    what = f"ConfirmationItem {position}"
    line_number = _line_number(element, what)
    statuses = tuple(
        _confirmation_status(status, f"ConfirmationStatus {number} of {what}")
        for number, status in enumerate(element.iterfind("ConfirmationStatus"), 1)
    )
    if not statuses:
        raise InvalidDocument(f"{what} has no ConfirmationStatus")
    return ConfirmationItem(
        line_number=line_number,
        quantity=_quantity(element, what),
        unit_of_measure=_text(element.find("UnitOfMeasure")),
        statuses=statuses,
    )


def _parse_confirmation_request(root: Element, body: Element, request: Element | None) -> ConfirmationRequest:
    envelope = _envelope(root)
    header = body.find("ConfirmationHeader")
    if header is None:
        raise InvalidDocument("the ConfirmationRequest has no ConfirmationHeader")
    confirmation_type = _choice(header.get("type"), _CONFIRMATION_TYPES, None, "the ConfirmationHeader type")
    order_id, order_payload_id, order_date = _order_reference(body, "the ConfirmationRequest")
    items = tuple(
        _confirmation_item(element, position) for position, element in enumerate(body.iterfind("ConfirmationItem"), 1)
    )
    if not items and confirmation_type in _TYPES_NEEDING_LINES:
        raise InvalidDocument(f"the ConfirmationRequest of type {confirmation_type} has no ConfirmationItem")
    return ConfirmationRequest(
        header=_header(root),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        type=confirmation_type,
        operation=_choice(header.get("operation"), _CONFIRMATION_OPERATIONS, "new", "the ConfirmationHeader operation"),
        confirm_id=(header.get("confirmID") or "").strip(),
        notice_date=parse_timestamp(header.get("noticeDate")),
        order_id=order_id,
        order_payload_id=order_payload_id,
        order_date=order_date,
        total=_optional_money(header.find("Total"), "the ConfirmationHeader Total"),
        comments=_comments(header.iterfind("Comments")),
        extrinsics=_extrinsics(header.iterfind("Extrinsic")),
        items=items,
        deployment_mode="production" if request is None else _deployment_mode(request),
        lang=envelope.lang,
    )


def _ship_notice_line(element: Element, what: str) -> ShipNoticeLine:
    return ShipNoticeLine(
        line_number=_line_number(element, what),
        quantity=_quantity(element, what),
        unit_of_measure=_text(element.find("UnitOfMeasure")),
        supplier_part_id=_text(element.find("ItemID/SupplierPartID")) or None,
    )


def _ship_notice_portion(element: Element, position: int) -> ShipNoticePortion:
    what = f"ShipNoticePortion {position}"
    order_id, order_payload_id, order_date = _order_reference(element, what)
    return ShipNoticePortion(
        order_id=order_id,
        order_payload_id=order_payload_id,
        order_date=order_date,
        items=tuple(
            _ship_notice_line(item, f"ShipNoticeItem {number} of {what}")
            for number, item in enumerate(element.iterfind("ShipNoticeItem"), 1)
        ),
    )


def _carrier(identifiers: Mapping[str, str]) -> str | None:
    for domain, value in identifiers.items():
        if domain.casefold() == "companyname" and value:
            return value
    return next((value for value in identifiers.values() if value), None)


def _parse_ship_notice_request(root: Element, body: Element, request: Element | None) -> ShipNoticeRequest:
    envelope = _envelope(root)
    header = body.find("ShipNoticeHeader")
    if header is None:
        raise InvalidDocument("the ShipNoticeRequest has no ShipNoticeHeader")
    shipment_id = (header.get("shipmentID") or "").strip()
    if not shipment_id:
        raise InvalidDocument("the ShipNoticeHeader has no shipmentID")
    elements = body.iterfind("ShipNoticePortion")
    portions = tuple(_ship_notice_portion(element, position) for position, element in enumerate(elements, 1))
    if not portions:
        raise InvalidDocument("the ShipNoticeRequest has no ShipNoticePortion: it names no order")
    control = body.find("ShipControl")
    identifiers: dict[str, str] = {}
    tracking = None
    if control is not None:
        for element in control.iterfind("CarrierIdentifier"):
            identifiers.setdefault((element.get("domain") or "").strip(), _text(element))
        tracking = control.find("ShipmentIdentifier")
    return ShipNoticeRequest(
        header=_header(root),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        shipment_id=shipment_id,
        portions=portions,
        operation=_choice(header.get("operation"), _SHIP_NOTICE_OPERATIONS, "new", "the ShipNoticeHeader operation"),
        notice_date=parse_timestamp(header.get("noticeDate")),
        shipment_date=parse_timestamp(header.get("shipmentDate")),
        delivery_date=parse_timestamp(header.get("deliveryDate")),
        carrier=_carrier(identifiers),
        carrier_identifiers=identifiers,
        tracking_number=None if tracking is None else _text(tracking) or None,
        tracking_url=None if tracking is None else _attribute(tracking, "trackingURL"),
        comments=_comments(header.iterfind("Comments")),
        deployment_mode="production" if request is None else _deployment_mode(request),
        lang=envelope.lang,
    )


_ORDER_PARSERS: dict[str, Callable[[Element, Element, Element | None], OrderDocument]] = {
    "OrderRequest": _parse_order_request,
    "ConfirmationRequest": _parse_confirmation_request,
    "ShipNoticeRequest": _parse_ship_notice_request,
}
for _kind, _parser in _ORDER_PARSERS.items():
    register_document_parser(_kind, _parser)


def _parse_as(data: bytes, max_bytes: int, expected: str) -> OrderDocument:
    # Straight to this module's parser, not through the registry, so a re-registration cannot change it.
    root = _parse_root(data, max_bytes)
    kind, body, wrapper = _body(root)
    if kind != expected or body is None:
        got = f"{_article(kind)} {kind}"
        raise UnexpectedDocument(f"expected {_article(expected)} {expected}, got {got}", document_type=kind)
    return _ORDER_PARSERS[expected](root, body, wrapper)


def parse_order_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> OrderRequest:
    """Parse an OrderRequest (ours read back, or a buyer's); 406 for any other document, 400 when unreadable."""
    document = _parse_as(data, max_bytes, "OrderRequest")
    assert isinstance(document, OrderRequest)
    return document


def parse_confirmation_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ConfirmationRequest:
    """Parse a supplier's ConfirmationRequest; 406 for any other document, 400 when a required part is missing.

    Refuses a confirmation without an OrderReference naming the order, a ConfirmationItem without
    lineNumber, quantity or ConfirmationStatus, and a detail, allDetail or except confirmation without lines.
    """
    document = _parse_as(data, max_bytes, "ConfirmationRequest")
    assert isinstance(document, ConfirmationRequest)
    return document


def parse_ship_notice_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ShipNoticeRequest:
    """Parse a supplier's ShipNoticeRequest; 406 for any other document, 400 when a required part is missing.

    Refuses a notice without shipmentID or ShipNoticePortion, a portion without an OrderReference naming
    the order, and a ShipNoticeItem without lineNumber or quantity.
    """
    document = _parse_as(data, max_bytes, "ShipNoticeRequest")
    assert isinstance(document, ShipNoticeRequest)
    return document
