"""The purchase order in cXML: the OrderRequest we send to a supplier (and read back). No Django here.

Frozen keyword-only dataclasses, Decimal money, text stripped. The parser uses the one hardened XML parser
and the punchout leniency (no DOCTYPE, a lowercase root, any timestamp shape, missing xml:lang,
whitespace); it refuses with a 400 `InvalidDocument` naming the missing or unreadable part.

Unlike the punchout builders, `build_order_request` never makes up a payloadID or timestamp: a retry of an
order must carry the identical payloadID, so the caller stores both with the order before the first send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .elements import Address, Classification, DeploymentMode, Header, ItemOut, Money, PriceBasisQuantity, Tax
from .envelope import (
    new_root,
    parse_expected,
    read_deployment_mode,
    read_envelope,
    read_header,
    serialise,
    write_header,
)
from .errors import InvalidDocument
from .line_items import read_item, read_line_number, write_price_basis
from .tax_elements import read_tax, write_tax
from .values import (
    choices_of,
    format_decimal,
    format_timestamp,
    parse_timestamp,
    read_address,
    read_attribute,
    read_choice,
    read_comments,
    read_extrinsics,
    read_money,
    read_text,
    write_address,
    write_element,
    write_extrinsics,
    write_money,
)

__all__ = [
    "AccountingSegment",
    "Distribution",
    "OrderItem",
    "OrderRequest",
    "OrderType",
    "PaymentTerm",
    "build_order_request",
    "parse_order_request",
    "read_order_request",
]

OrderType = Literal["new", "update", "delete"]


# ----------------------------------------------------------------------------------------- documents


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
    tax: Tax | None = None  # the line's tax (ItemOut/Tax), apart from its amount

    @property
    def line_total(self) -> Decimal:
        """Quantity times the price of one ordered unit (see `LineItem.effective_unit_price`); not rounded."""
        basis = self.price_basis_quantity
        if basis is None or not basis.quantity:
            return self.quantity * self.unit_price.amount
        return self.quantity * self.unit_price.amount / basis.quantity * basis.conversion_factor


@dataclass(frozen=True, kw_only=True)
class PaymentTerm:
    """OrderRequestHeader/PaymentTerm: pay within `pay_in_days` of the invoice; with `discount_percent`, a
    discount term (that much off when paid within those days), without it the net term. Net 30 with 2 %
    within 10 days is two terms: (10, 2) and (30, None)."""

    pay_in_days: int
    discount_percent: Decimal | None = None


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
    tax: Tax | None = None  # the order's tax (OrderRequestHeader/Tax); `total` stays without it
    payment_terms: tuple[PaymentTerm, ...] = ()  # the contract's terms, discount terms first


# ------------------------------------------------------------------------------------------- writing


def _write_comments(parent: Element, comments: str, lang: str) -> None:
    if comments:
        write_element(parent, "Comments", comments, lang=lang)


def _write_distribution(parent: Element, distribution: Distribution, lang: str) -> None:
    element = write_element(parent, "Distribution")
    accounting = write_element(element, "Accounting", name=distribution.accounting_name)
    for segment in distribution.segments:
        segment_element = write_element(accounting, "AccountingSegment", id=segment.id)
        write_element(segment_element, "Name", segment.type, lang=lang)
        write_element(segment_element, "Description", segment.description, lang=lang)
    write_money(element, "Charge", distribution.charge)


def _write_order_item(parent: Element, item: OrderItem, lang: str) -> None:
    delivery = None if item.requested_delivery_date is None else item.requested_delivery_date.isoformat()
    element = write_element(
        parent,
        "ItemOut",
        quantity=format_decimal(item.quantity),
        lineNumber=str(item.line_number),
        requestedDeliveryDate=delivery,
    )
    item_id = write_element(element, "ItemID")
    write_element(item_id, "SupplierPartID", item.supplier_part_id)
    if item.supplier_part_auxiliary_id is not None:
        write_element(item_id, "SupplierPartAuxiliaryID", item.supplier_part_auxiliary_id)
    if item.buyer_part_id is not None:
        write_element(item_id, "BuyerPartID", item.buyer_part_id)
    detail = write_element(element, "ItemDetail")
    write_money(detail, "UnitPrice", item.unit_price)
    write_element(detail, "Description", item.description, lang=lang)
    write_element(detail, "UnitOfMeasure", item.unit_of_measure)
    if item.price_basis_quantity is not None:
        write_price_basis(detail, item.price_basis_quantity, lang=lang)
    for classification in item.classifications:
        write_element(detail, "Classification", classification.value, domain=classification.domain)
    if not item.classifications:  # the DTD wants one; an empty value reads back as "not classified"
        write_element(detail, "Classification", "", domain="UNSPSC")
    if item.manufacturer_part_id is not None:
        write_element(detail, "ManufacturerPartID", item.manufacturer_part_id)
    if item.manufacturer_name is not None:
        write_element(detail, "ManufacturerName", item.manufacturer_name)
    write_extrinsics(detail, item.extrinsics)
    if item.tax is not None:  # after ItemDetail (and ShipTo, Shipping), before Distribution
        write_tax(element, item.tax, lang=lang)
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
    root = new_root(order.payload_id, order.timestamp, lang)
    write_header(root, order.header, with_secret=True)
    body = write_element(write_element(root, "Request", deploymentMode=order.deployment_mode), "OrderRequest")
    header = write_element(
        body,
        "OrderRequestHeader",
        orderID=order.order_id,
        orderDate=format_timestamp(order.order_date),
        type=order.order_type,
        orderVersion=str(order.order_version),
    )
    # Element order is the DTD's: Total, ShipTo?, BillTo, …, Comments*, …, DocumentReference?, …, Extrinsic*.
    write_money(header, "Total", order.total)
    if order.ship_to is not None:
        write_address(write_element(header, "ShipTo"), order.ship_to)
    write_address(write_element(header, "BillTo"), order.bill_to)
    if order.tax is not None:  # after BillTo (and Shipping), before Comments
        write_tax(header, order.tax, lang=lang)
    for term in order.payment_terms:  # after Tax (and Payment), before Comments
        element = write_element(header, "PaymentTerm", payInNumberOfDays=str(term.pay_in_days))
        if term.discount_percent is not None:
            discount = write_element(element, "Discount")
            write_element(discount, "DiscountPercent", percent=format_decimal(term.discount_percent))
    _write_comments(header, order.comments, lang)
    if order.document_reference_payload_id:
        write_element(header, "DocumentReference", payloadID=order.document_reference_payload_id)
    write_extrinsics(header, order.extrinsics)
    for item in order.items:
        _write_order_item(body, item, lang)
    return serialise(root)


# ------------------------------------------------------------------------------------------- reading

_ORDER_TYPES: dict[str, OrderType] = choices_of(OrderType)


def _segments(accounting: Element) -> tuple[AccountingSegment, ...]:
    segments = []
    for element in accounting:
        if element.tag == "AccountingSegment":  # 1.2.069: id attribute, Name and Description children
            segments.append(
                AccountingSegment(
                    type=read_text(element.find("Name")),
                    id=(element.get("id") or "").strip(),
                    description=read_text(element.find("Description")),
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
        charge=read_money(element.find("Charge/Money"), f"the Distribution Charge of {line}"),
    )


def _requested_date(value: str | None) -> date | None:
    moment = parse_timestamp(value)
    return None if moment is None else moment.date()


def _order_item(element: Element, position: int) -> OrderItem:
    line = read_item(element, position, "ItemOut", ItemOut)  # quantity, ItemID and ItemDetail, as for carts
    what = f"ItemOut {position}"
    return OrderItem(
        line_number=read_line_number(element, what, default=position),  # cXML: the position when not given
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
        comments=read_comments(element.iterfind("Comments")),
        extrinsics=line.extrinsics,
        tax=line.tax,
    )


def read_order_request(root: Element, body: Element, request: Element | None) -> OrderRequest:
    envelope = read_envelope(root)
    header = body.find("OrderRequestHeader")
    if header is None:
        raise InvalidDocument("the OrderRequest has no OrderRequestHeader")
    order_id = (header.get("orderID") or "").strip()
    if not order_id:
        raise InvalidDocument("the OrderRequestHeader has no orderID")
    bill_to = read_address(header.find("BillTo/Address"))
    if bill_to is None:
        raise InvalidDocument("the OrderRequestHeader has no BillTo Address")
    elements = body.findall("ItemOut")
    if not elements:
        raise InvalidDocument("the OrderRequest has no ItemOut")
    reference = header.find("DocumentReference")
    version = (header.get("orderVersion") or "").strip()
    return OrderRequest(
        header=read_header(root),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        order_id=order_id,
        order_date=parse_timestamp(header.get("orderDate")),
        order_type=read_choice(header.get("type"), _ORDER_TYPES, "new", "the OrderRequestHeader type"),
        order_version=int(version) if version.isascii() and version.isdigit() and len(version) <= 9 else 1,
        total=read_money(header.find("Total/Money"), "the OrderRequestHeader Total"),
        bill_to=bill_to,
        ship_to=read_address(header.find("ShipTo/Address")),
        items=tuple(_order_item(element, position) for position, element in enumerate(elements, 1)),
        comments=read_comments(header.iterfind("Comments")),
        extrinsics=read_extrinsics(header.iterfind("Extrinsic")),
        document_reference_payload_id=None if reference is None else read_attribute(reference, "payloadID"),
        deployment_mode="production" if request is None else read_deployment_mode(request),
        lang=envelope.lang,
        tax=read_tax(header.find("Tax"), "the OrderRequestHeader Tax"),
        payment_terms=tuple(_payment_term(element) for element in header.iterfind("PaymentTerm")),
    )


def _payment_term(element: Element) -> PaymentTerm:
    days = (element.get("payInNumberOfDays") or "").strip()
    if not (days.isascii() and days.isdigit() and len(days) <= 4):
        raise InvalidDocument(f"a PaymentTerm has payInNumberOfDays {days[:20]!r}")
    percent = element.find("Discount/DiscountPercent")
    discount = None
    if percent is not None:
        try:
            discount = Decimal((percent.get("percent") or "").strip())
        except ArithmeticError:
            discount = None
        if discount is None or not discount.is_finite() or abs(discount) > 100:
            raise InvalidDocument("a PaymentTerm's DiscountPercent is not a percentage")
    return PaymentTerm(pay_in_days=int(days), discount_percent=discount)


def parse_order_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> OrderRequest:
    """Parse an OrderRequest (ours read back, or a buyer's); 406 for any other document, 400 when unreadable."""
    return read_order_request(*parse_expected(data, max_bytes, "OrderRequest"))
