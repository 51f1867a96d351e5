"""What a supplier sends about our purchase order in cXML: the ConfirmationRequest and the ShipNoticeRequest.
No Django here.

Same conventions as the OrderRequest: frozen keyword-only dataclasses, Decimal quantities and money, text
stripped, the punchout leniency, and a 400 `InvalidDocument` naming the missing or unreadable part, e.g.
"ConfirmationItem 2 has no lineNumber". Each names our order by the OrderRequest's payloadID and/or its
orderID; its `header.sender` keeps the SharedSecret, to authenticate the supplier before acting on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .elements import DeploymentMode, Header, ItemIn, Money
from .envelope import parse_expected, read_deployment_mode, read_envelope, read_header
from .errors import InvalidDocument
from .line_items import read_item, read_line_number
from .values import (
    bounded_quantity,
    choices_of,
    parse_timestamp,
    read_attribute,
    read_choice,
    read_comments,
    read_extrinsics,
    read_number,
    read_optional_money,
    read_text,
)

__all__ = [
    "ConfirmationItem",
    "ConfirmationLineStatus",
    "ConfirmationOperation",
    "ConfirmationRequest",
    "ConfirmationStatusType",
    "ConfirmationType",
    "ShipNoticeLine",
    "ShipNoticeOperation",
    "ShipNoticePortion",
    "ShipNoticeRequest",
    "parse_confirmation_request",
    "parse_ship_notice_request",
    "read_confirmation_request",
    "read_ship_notice_request",
]

ConfirmationType = Literal[
    "accept", "allDetail", "detail", "backordered", "except", "reject", "requestToPay", "replace"
]

ConfirmationStatusType = Literal["accept", "allDetail", "detail", "backordered", "reject", "unknown", "requestToPay"]

# The 1.2.069 DTD allows new and update on a ConfirmationHeader; delete is read too, as older suppliers send it.
ConfirmationOperation = Literal["new", "update", "delete"]

ShipNoticeOperation = Literal["new", "update", "delete"]

# Confirmation types that only make sense with ConfirmationItems: they describe lines, not the whole order.
_TYPES_NEEDING_LINES = frozenset({"allDetail", "detail", "except"})


# ----------------------------------------------------------------------------------------- documents


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


# ------------------------------------------------------------------------------------------- reading

_CONFIRMATION_TYPES: dict[str, ConfirmationType] = choices_of(ConfirmationType)

_CONFIRMATION_STATUS_TYPES: dict[str, ConfirmationStatusType] = choices_of(ConfirmationStatusType)

_CONFIRMATION_OPERATIONS: dict[str, ConfirmationOperation] = choices_of(ConfirmationOperation)

_SHIP_NOTICE_OPERATIONS: dict[str, ShipNoticeOperation] = choices_of(ShipNoticeOperation)


def _quantity(element: Element, what: str) -> Decimal:
    raw = element.get("quantity")
    if raw is None or not raw.strip():
        raise InvalidDocument(f"{what} has no quantity")
    quantity = read_number(raw)
    if quantity is None:
        raise InvalidDocument(f"the quantity of {what} is not a number: {raw.strip()[:40]!r}")
    if quantity < 0:
        raise InvalidDocument(f"{what} has a negative quantity: {raw.strip()[:40]!r}")
    return bounded_quantity(quantity, f"the quantity of {what}")


def _order_reference(parent: Element, where: str) -> tuple[str | None, str | None, datetime | None]:
    """(orderID, DocumentReference payloadID, orderDate) of the OrderReference; refused when it names no order."""
    reference = parent.find("OrderReference")
    if reference is None:
        raise InvalidDocument(f"{where} has no OrderReference")
    document = reference.find("DocumentReference")
    order_id = read_attribute(reference, "orderID")
    payload_id = None if document is None else read_attribute(document, "payloadID")
    if order_id is None and payload_id is None:
        raise InvalidDocument(f"the OrderReference of {where} has no orderID and no DocumentReference payloadID")
    return order_id, payload_id, parse_timestamp(reference.get("orderDate"))


def _confirmation_status(element: Element, what: str) -> ConfirmationLineStatus:
    item_element = element.find("ItemIn")
    item = None
    if item_element is not None:
        try:
            item = read_item(item_element, 1, "ItemIn", ItemIn)
        except InvalidDocument as error:
            raise InvalidDocument(f"{what}: {error.message}") from None
    unit_price = (
        item.unit_price
        if item is not None
        else read_optional_money(element.find("UnitPrice"), f"the UnitPrice of {what}")
    )
    if unit_price is not None and unit_price.amount < 0:
        raise InvalidDocument(f"the UnitPrice of {what} is negative: a confirmed price is 0 or more")
    return ConfirmationLineStatus(
        type=read_choice(element.get("type"), _CONFIRMATION_STATUS_TYPES, None, f"the type of {what}"),
        quantity=_quantity(element, what),
        unit_of_measure=read_text(element.find("UnitOfMeasure")),
        unit_price=unit_price,
        delivery_date=parse_timestamp(element.get("deliveryDate")),
        shipment_date=parse_timestamp(element.get("shipmentDate")),
        comments=read_comments(element.iterfind("Comments")),
        extrinsics=read_extrinsics(element.iterfind("Extrinsic")),
        item=item,
    )


def _confirmation_item(element: Element, position: int) -> ConfirmationItem:
    what = f"ConfirmationItem {position}"
    line_number = read_line_number(element, what)
    statuses = tuple(
        _confirmation_status(status, f"ConfirmationStatus {number} of {what}")
        for number, status in enumerate(element.iterfind("ConfirmationStatus"), 1)
    )
    if not statuses:
        raise InvalidDocument(f"{what} has no ConfirmationStatus")
    return ConfirmationItem(
        line_number=line_number,
        quantity=_quantity(element, what),
        unit_of_measure=read_text(element.find("UnitOfMeasure")),
        statuses=statuses,
    )


def read_confirmation_request(root: Element, body: Element, request: Element | None) -> ConfirmationRequest:
    envelope = read_envelope(root)
    header = body.find("ConfirmationHeader")
    if header is None:
        raise InvalidDocument("the ConfirmationRequest has no ConfirmationHeader")
    confirmation_type = read_choice(header.get("type"), _CONFIRMATION_TYPES, None, "the ConfirmationHeader type")
    order_id, order_payload_id, order_date = _order_reference(body, "the ConfirmationRequest")
    items = tuple(
        _confirmation_item(element, position) for position, element in enumerate(body.iterfind("ConfirmationItem"), 1)
    )
    if not items and confirmation_type in _TYPES_NEEDING_LINES:
        raise InvalidDocument(f"the ConfirmationRequest of type {confirmation_type} has no ConfirmationItem")
    return ConfirmationRequest(
        header=read_header(root),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        type=confirmation_type,
        operation=read_choice(
            header.get("operation"), _CONFIRMATION_OPERATIONS, "new", "the ConfirmationHeader operation"
        ),
        confirm_id=(header.get("confirmID") or "").strip(),
        notice_date=parse_timestamp(header.get("noticeDate")),
        order_id=order_id,
        order_payload_id=order_payload_id,
        order_date=order_date,
        total=read_optional_money(header.find("Total"), "the ConfirmationHeader Total"),
        comments=read_comments(header.iterfind("Comments")),
        extrinsics=read_extrinsics(header.iterfind("Extrinsic")),
        items=items,
        deployment_mode="production" if request is None else read_deployment_mode(request),
        lang=envelope.lang,
    )


def _ship_notice_line(element: Element, what: str) -> ShipNoticeLine:
    return ShipNoticeLine(
        line_number=read_line_number(element, what),
        quantity=_quantity(element, what),
        unit_of_measure=read_text(element.find("UnitOfMeasure")),
        supplier_part_id=read_text(element.find("ItemID/SupplierPartID")) or None,
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


def read_ship_notice_request(root: Element, body: Element, request: Element | None) -> ShipNoticeRequest:
    envelope = read_envelope(root)
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
            identifiers.setdefault((element.get("domain") or "").strip(), read_text(element))
        tracking = control.find("ShipmentIdentifier")
    return ShipNoticeRequest(
        header=read_header(root),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        shipment_id=shipment_id,
        portions=portions,
        operation=read_choice(
            header.get("operation"), _SHIP_NOTICE_OPERATIONS, "new", "the ShipNoticeHeader operation"
        ),
        notice_date=parse_timestamp(header.get("noticeDate")),
        shipment_date=parse_timestamp(header.get("shipmentDate")),
        delivery_date=parse_timestamp(header.get("deliveryDate")),
        carrier=_carrier(identifiers),
        carrier_identifiers=identifiers,
        tracking_number=None if tracking is None else read_text(tracking) or None,
        tracking_url=None if tracking is None else read_attribute(tracking, "trackingURL"),
        comments=read_comments(header.iterfind("Comments")),
        deployment_mode="production" if request is None else read_deployment_mode(request),
        lang=envelope.lang,
    )


def parse_confirmation_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ConfirmationRequest:
    """Parse a supplier's ConfirmationRequest; 406 for any other document, 400 when a required part is missing.

    Refuses a confirmation without an OrderReference naming the order, a ConfirmationItem without
    lineNumber, quantity or ConfirmationStatus, and a detail, allDetail or except confirmation without lines.
    """
    return read_confirmation_request(*parse_expected(data, max_bytes, "ConfirmationRequest"))


def parse_ship_notice_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ShipNoticeRequest:
    """Parse a supplier's ShipNoticeRequest; 406 for any other document, 400 when a required part is missing.

    Refuses a notice without shipmentID or ShipNoticePortion, a portion without an OrderReference naming
    the order, and a ShipNoticeItem without lineNumber or quantity.
    """
    return read_ship_notice_request(*parse_expected(data, max_bytes, "ShipNoticeRequest"))
