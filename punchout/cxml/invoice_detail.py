"""A supplier's invoice in cXML: the InvoiceDetailRequest (InvoiceDetail.dtd). No Django here.

Same conventions as the other supplier documents: frozen keyword-only dataclasses, Decimal quantities and
money, text stripped, and a 400 `InvalidDocument` naming the missing or unreadable part, e.g.
"InvoiceDetailItem 2 of InvoiceDetailOrder 1 has no quantity". Numbers are bounded by `limits`.

Leniency, where real suppliers are sloppy and the meaning is clear: an empty `<Money currency="USD"/>`
(Coupa sends them for amounts it does not know) is read as absent; an unreadable invoiceDate is kept as
None with its text in `invoice_date_text`, for the caller to refuse with the field's name; a missing
summary Tax is read as no tax. Quantities and amounts may be negative (credit memos and line-level
credits carry negative numbers in cXML).

An invoice bills one or more orders (`orders`, each an InvoiceDetailOrder with its lines), or is a header
invoice (`header_orders`, InvoiceDetailHeaderOrder: an amount per order, no lines). A line whose
order block names no order (only a MasterAgreementReference or SupplierOrderInfo) is unbacked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .elements import DeploymentMode, Header, Money, PriceBasisQuantity
from .envelope import parse_expected, read_deployment_mode, read_envelope, read_header
from .errors import InvalidDocument
from .limits import LINE_NUMBER_MAX, TAX_RATE_DECIMAL_PLACES, TAX_RATE_INTEGER_DIGITS
from .line_items import read_price_basis
from .values import (
    bounded,
    bounded_amount,
    bounded_int,
    bounded_quantity,
    choices_of,
    parse_timestamp,
    read_attribute,
    read_choice,
    read_comments,
    read_decimal,
    read_extrinsics,
    read_text,
)

__all__ = [
    "InvoiceDetailHeaderOrder",
    "InvoiceDetailLine",
    "InvoiceDetailOrder",
    "InvoiceDetailRequest",
    "InvoiceDetailSummary",
    "InvoiceOperation",
    "InvoiceOrderReference",
    "InvoicePartner",
    "InvoicePurpose",
    "InvoiceTax",
    "InvoiceTaxDetail",
    "parse_invoice_detail_request",
    "read_invoice_detail_request",
]

InvoicePurpose = Literal["standard", "creditMemo", "debitMemo", "lineLevelCreditMemo", "lineLevelDebitMemo"]

InvoiceOperation = Literal["new", "delete"]

CREDIT_PURPOSES = frozenset({"creditMemo", "lineLevelCreditMemo"})


# ----------------------------------------------------------------------------------------- documents


@dataclass(frozen=True, kw_only=True)
class InvoiceTaxDetail:
    """One tax of a line or of the invoice: `category` as sent (vat, sales, HST …), `rate` in percent."""

    category: str
    tax_amount: Money | None
    rate: Decimal | None = None
    taxable_amount: Money | None = None
    purpose: str = ""
    location: str = ""
    description: str = ""
    exempt_detail: str | None = None  # zeroRated | exempt


@dataclass(frozen=True, kw_only=True)
class InvoiceTax:
    """A Tax element: its total (None when sent empty) and the TaxDetails behind it."""

    total: Money | None
    description: str = ""
    details: tuple[InvoiceTaxDetail, ...] = ()


@dataclass(frozen=True, kw_only=True)
class InvoiceOrderReference:
    """Which order a block of lines bills: our OrderRequest's payloadID and/or its orderID.

    `backed` is False when neither is given (a contract or a supplier's own order number only).
    """

    order_id: str | None = None
    order_payload_id: str | None = None
    order_date: datetime | None = None
    agreement_id: str | None = None
    agreement_payload_id: str | None = None
    supplier_order_id: str | None = None

    @property
    def backed(self) -> bool:
        return bool(self.order_id or self.order_payload_id)

    @property
    def label(self) -> str:
        """The order as a clerk would name it: its number, else our payloadID."""
        return self.order_id or self.order_payload_id or ""


@dataclass(frozen=True, kw_only=True)
class InvoiceDetailLine:
    """An InvoiceDetailItem (goods) or InvoiceDetailServiceItem (`service`), with the order line it bills
    (`line_number`, the InvoiceDetailItemReference lineNumber; None when a service line names none)."""

    invoice_line_number: int
    quantity: Decimal | None
    unit_of_measure: str
    unit_price: Money | None
    line_number: int | None
    supplier_part_id: str | None = None
    supplier_part_auxiliary_id: str | None = None
    description: str = ""
    subtotal: Money | None = None
    price_basis_quantity: PriceBasisQuantity | None = None
    tax: InvoiceTax | None = None
    shipping: Money | None = None
    special_handling: Money | None = None
    discount: Money | None = None
    gross: Money | None = None
    net: Money | None = None
    service: bool = False
    comments: str = ""
    extrinsics: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class InvoiceDetailOrder:
    """The lines billed against one order (or against no order: see `reference.backed`)."""

    reference: InvoiceOrderReference
    lines: tuple[InvoiceDetailLine, ...]


@dataclass(frozen=True, kw_only=True)
class InvoiceDetailHeaderOrder:
    """A header invoice of one order: an amount without lines (InvoiceDetailOrderSummary)."""

    reference: InvoiceOrderReference
    invoice_line_number: int
    subtotal: Money
    tax: InvoiceTax | None = None
    shipping: Money | None = None
    special_handling: Money | None = None
    discount: Money | None = None
    gross: Money | None = None
    net: Money | None = None
    comments: str = ""


@dataclass(frozen=True, kw_only=True)
class InvoiceDetailSummary:
    subtotal: Money | None
    tax: InvoiceTax | None
    shipping: Money | None = None
    special_handling: Money | None = None
    gross: Money | None = None
    discount: Money | None = None
    net: Money | None = None
    deposit: Money | None = None
    due: Money | None = None


@dataclass(frozen=True, kw_only=True)
class InvoicePartner:
    """An InvoicePartner: role (invoiceFrom, remitTo, billTo, soldTo …), name, country and its ids by domain
    (taxNumber, vatID, supplierTaxID …)."""

    role: str
    name: str
    address_id: str | None = None
    country_code: str = ""
    identifiers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class InvoiceDetailRequest:
    """A supplier's invoice (purpose standard, debit memo) or credit memo (creditMemo, lineLevelCreditMemo).

    `original_invoice_id` / `original_payload_id` name the invoice a credit memo corrects (InvoiceIDInfo,
    DocumentReference). `invoice_date` is None when the text (kept in `invoice_date_text`) is not a date.
    Authenticate the supplier with `header.sender` (its `shared_secret` is kept) before acting on it.
    """

    header: Header
    payload_id: str
    timestamp: datetime | None
    invoice_id: str
    invoice_date: datetime | None
    invoice_date_text: str
    summary: InvoiceDetailSummary
    purpose: InvoicePurpose = "standard"
    operation: InvoiceOperation = "new"
    information_only: bool = False
    tax_in_line: bool = False
    orders: tuple[InvoiceDetailOrder, ...] = ()
    header_orders: tuple[InvoiceDetailHeaderOrder, ...] = ()
    partners: tuple[InvoicePartner, ...] = ()
    payment_term_days: int | None = None
    payment_discount_percent: Decimal | None = None
    original_invoice_id: str | None = None
    original_payload_id: str | None = None
    comments: str = ""
    extrinsics: Mapping[str, str] = field(default_factory=dict)
    deployment_mode: DeploymentMode = "production"
    lang: str = "en-US"

    @property
    def credit(self) -> bool:
        return self.purpose in CREDIT_PURPOSES

    @property
    def lines(self) -> tuple[InvoiceDetailLine, ...]:
        return tuple(line for order in self.orders for line in order.lines)

    def partner(self, role: str) -> InvoicePartner | None:
        wanted = role.casefold()
        return next((p for p in self.partners if p.role.casefold() == wanted), None)


# ------------------------------------------------------------------------------------------- reading

_PURPOSES: dict[str, InvoicePurpose] = choices_of(InvoicePurpose)

_OPERATIONS: dict[str, InvoiceOperation] = choices_of(InvoiceOperation)

_YES = "yes"


def _amount(parent: Element | None, what: str) -> Money | None:
    """The Money inside `parent` (SubtotalAmount, TaxAmount …); None when `parent` is absent or its Money empty."""
    if parent is None:
        return None
    money = parent.find("Money")
    if money is None:
        raise InvalidDocument(f"{what} has no Money")
    text = (money.text or "").strip()
    if not text:
        return None  # <Money currency="USD"/>: an amount the sender did not know
    currency = (money.get("currency") or "").strip().upper()
    if not currency:
        raise InvalidDocument(f"{what} has no currency")
    return Money(amount=bounded_amount(read_decimal(text, what), what), currency=currency)


def _rate(element: Element, attribute: str, what: str) -> Decimal | None:
    raw = element.get(attribute)
    if raw is None or not raw.strip():
        return None
    return bounded(read_decimal(raw, what), what, TAX_RATE_INTEGER_DIGITS, TAX_RATE_DECIMAL_PLACES)


def _tax(element: Element | None, what: str) -> InvoiceTax | None:
    if element is None:
        return None
    details = []
    for number, detail in enumerate(element.iterfind("TaxDetail"), 1):
        detail_what = f"TaxDetail {number} of {what}"
        category = (detail.get("category") or "").strip()
        if not category:
            raise InvalidDocument(f"{detail_what} has no category")
        details.append(
            InvoiceTaxDetail(
                category=category,
                rate=_rate(detail, "percentageRate", f"the percentageRate of {detail_what}"),
                tax_amount=_amount(detail.find("TaxAmount"), f"the TaxAmount of {detail_what}"),
                taxable_amount=_amount(detail.find("TaxableAmount"), f"the TaxableAmount of {detail_what}"),
                purpose=(detail.get("purpose") or "").strip(),
                location=read_text(detail.find("TaxLocation")),
                description=read_text(detail.find("Description")),
                exempt_detail=read_attribute(detail, "exemptDetail"),
            )
        )
    return InvoiceTax(
        total=_amount(element, what), description=read_text(element.find("Description")), details=tuple(details)
    )


def _line_number(element: Element, attribute: str, what: str, *, required: bool) -> int | None:
    raw = (element.get(attribute) or "").strip()
    if not raw:
        if required:
            raise InvalidDocument(f"{what} has no {attribute}")
        return None
    number = bounded_int(raw, f"the {attribute} of {what}", LINE_NUMBER_MAX)
    if number is None:
        raise InvalidDocument(f"the {attribute} of {what} is not a whole number: {raw[:40]!r}")
    return number


def _quantity(element: Element, what: str, *, required: bool) -> Decimal | None:
    raw = element.get("quantity")
    if raw is None or not raw.strip():
        if required:
            raise InvalidDocument(f"{what} has no quantity")
        return None
    return bounded_quantity(read_decimal(raw, f"the quantity of {what}"), f"the quantity of {what}")


def _order_reference(info: Element | None, what: str) -> InvoiceOrderReference:
    if info is None:
        raise InvalidDocument(f"{what} has no InvoiceDetailOrderInfo")
    order_id = payload_id = agreement_id = agreement_payload_id = supplier_order_id = None
    order_date = None
    reference = info.find("OrderReference")
    if reference is not None:
        order_id = read_attribute(reference, "orderID")
        document = reference.find("DocumentReference")
        payload_id = None if document is None else read_attribute(document, "payloadID")
        order_date = parse_timestamp(reference.get("orderDate"))
    id_info = info.find("OrderIDInfo")
    if id_info is not None:
        order_id = order_id or read_attribute(id_info, "orderID")
        order_date = order_date or parse_timestamp(id_info.get("orderDate"))
    agreement = info.find("MasterAgreementReference")
    if agreement is not None:
        agreement_id = read_attribute(agreement, "agreementID")
        document = agreement.find("DocumentReference")
        agreement_payload_id = None if document is None else read_attribute(document, "payloadID")
    agreement_info = info.find("MasterAgreementIDInfo")
    if agreement_info is not None:
        agreement_id = agreement_id or read_attribute(agreement_info, "agreementID")
    supplier_info = info.find("SupplierOrderInfo")
    if supplier_info is not None:
        supplier_order_id = read_attribute(supplier_info, "orderID")
    return InvoiceOrderReference(
        order_id=order_id,
        order_payload_id=payload_id,
        order_date=order_date,
        agreement_id=agreement_id,
        agreement_payload_id=agreement_payload_id,
        supplier_order_id=supplier_order_id,
    )


def _description(element: Element | None) -> str:
    return "" if element is None else read_text(element.find("Description"))


def _line(element: Element, what: str) -> InvoiceDetailLine:
    service = element.tag == "InvoiceDetailServiceItem"
    reference = element.find("InvoiceDetailServiceItemReference" if service else "InvoiceDetailItemReference")
    if reference is None and not service:
        raise InvalidDocument(f"{what} has no InvoiceDetailItemReference")
    item_id = None if reference is None else reference.find("ItemID")
    unit_price = element.find("UnitPrice")
    unit_of_measure = read_text(element.find("UnitOfMeasure"))
    rate = element.find("UnitRate")
    if rate is not None:  # a service billed at a rate: Money per UnitOfMeasure
        unit_price = rate
        unit_of_measure = unit_of_measure or read_text(rate.find("UnitOfMeasure"))
    basis = element.find("PriceBasisQuantity")
    special = element.find("InvoiceDetailLineSpecialHandling")
    shipping = element.find("InvoiceDetailLineShipping")
    if unit_price is None and not service:
        raise InvalidDocument(f"{what} has no UnitPrice")
    subtotal = _amount(element.find("SubtotalAmount"), f"the SubtotalAmount of {what}")
    if service and subtotal is None:
        raise InvalidDocument(f"{what} has no SubtotalAmount")
    return InvoiceDetailLine(
        invoice_line_number=_line_number(element, "invoiceLineNumber", what, required=True) or 0,
        quantity=_quantity(element, what, required=not service),
        unit_of_measure=unit_of_measure,
        unit_price=None if unit_price is None else _amount(unit_price, f"the UnitPrice of {what}"),
        price_basis_quantity=None if basis is None else read_price_basis(basis, what),
        line_number=None
        if reference is None
        else _line_number(reference, "lineNumber", f"the item reference of {what}", required=False),
        supplier_part_id=None if item_id is None else (read_text(item_id.find("SupplierPartID")) or None),
        supplier_part_auxiliary_id=None
        if item_id is None
        else (read_text(item_id.find("SupplierPartAuxiliaryID")) or None),
        description=_description(reference),
        subtotal=subtotal,
        tax=_tax(element.find("Tax"), f"the Tax of {what}"),
        shipping=_amount(shipping, f"the InvoiceDetailLineShipping of {what}"),
        special_handling=_amount(special, f"the InvoiceDetailLineSpecialHandling of {what}"),
        discount=_amount(element.find("InvoiceDetailDiscount"), f"the InvoiceDetailDiscount of {what}"),
        gross=_amount(element.find("GrossAmount"), f"the GrossAmount of {what}"),
        net=_amount(element.find("NetAmount"), f"the NetAmount of {what}"),
        service=service,
        comments=read_comments(element.iterfind("Comments")),
        extrinsics=read_extrinsics(element.iterfind("Extrinsic")),
    )


def _order(element: Element, position: int) -> InvoiceDetailOrder:
    what = f"InvoiceDetailOrder {position}"
    reference = _order_reference(element.find("InvoiceDetailOrderInfo"), what)
    lines = tuple(
        _line(item, f"{item.tag} {number} of {what}")
        for number, item in enumerate(
            (child for child in element if child.tag in ("InvoiceDetailItem", "InvoiceDetailServiceItem")), 1
        )
    )
    if not lines:
        raise InvalidDocument(f"{what} has no InvoiceDetailItem or InvoiceDetailServiceItem")
    return InvoiceDetailOrder(reference=reference, lines=lines)


def _header_order(element: Element, position: int) -> InvoiceDetailHeaderOrder:
    what = f"InvoiceDetailHeaderOrder {position}"
    reference = _order_reference(element.find("InvoiceDetailOrderInfo"), what)
    summary = element.find("InvoiceDetailOrderSummary")
    if summary is None:
        raise InvalidDocument(f"{what} has no InvoiceDetailOrderSummary")
    subtotal = _amount(summary.find("SubtotalAmount"), f"the SubtotalAmount of {what}")
    if subtotal is None:
        raise InvalidDocument(f"{what} has no SubtotalAmount")
    shipping = summary.find("InvoiceDetailLineShipping")
    return InvoiceDetailHeaderOrder(
        reference=reference,
        invoice_line_number=_line_number(summary, "invoiceLineNumber", what, required=False) or position,
        subtotal=subtotal,
        tax=_tax(summary.find("Tax"), f"the Tax of {what}"),
        shipping=_amount(shipping, f"the InvoiceDetailLineShipping of {what}"),
        special_handling=_amount(
            summary.find("InvoiceDetailLineSpecialHandling"), f"the InvoiceDetailLineSpecialHandling of {what}"
        ),
        discount=_amount(summary.find("InvoiceDetailDiscount"), f"the InvoiceDetailDiscount of {what}"),
        gross=_amount(summary.find("GrossAmount"), f"the GrossAmount of {what}"),
        net=_amount(summary.find("NetAmount"), f"the NetAmount of {what}"),
        comments=read_comments(summary.iterfind("Comments")),
    )


def _summary(element: Element | None) -> InvoiceDetailSummary:
    if element is None:
        raise InvalidDocument("the InvoiceDetailRequest has no InvoiceDetailSummary")
    what = "the InvoiceDetailSummary"
    if element.find("SubtotalAmount") is None:
        raise InvalidDocument(f"{what} has no SubtotalAmount")
    return InvoiceDetailSummary(
        subtotal=_amount(element.find("SubtotalAmount"), f"the SubtotalAmount of {what}"),
        tax=_tax(element.find("Tax"), f"the Tax of {what}"),
        shipping=_amount(element.find("ShippingAmount"), f"the ShippingAmount of {what}"),
        special_handling=_amount(element.find("SpecialHandlingAmount"), f"the SpecialHandlingAmount of {what}"),
        gross=_amount(element.find("GrossAmount"), f"the GrossAmount of {what}"),
        discount=_amount(element.find("InvoiceDetailDiscount"), f"the InvoiceDetailDiscount of {what}"),
        net=_amount(element.find("NetAmount"), f"the NetAmount of {what}"),
        deposit=_amount(element.find("DepositAmount"), f"the DepositAmount of {what}"),
        due=_amount(element.find("DueAmount"), f"the DueAmount of {what}"),
    )


def _partner(element: Element) -> InvoicePartner:
    contact = element.find("Contact")
    country = None if contact is None else contact.find("PostalAddress/Country")
    identifiers: dict[str, str] = {}
    for reference in element.iterfind("IdReference"):
        domain = (reference.get("domain") or "").strip()
        identifier = (reference.get("identifier") or "").strip()
        if domain and identifier:
            identifiers.setdefault(domain, identifier)
    return InvoicePartner(
        role="" if contact is None else (contact.get("role") or "").strip(),
        name="" if contact is None else read_text(contact.find("Name")),
        address_id=None if contact is None else read_attribute(contact, "addressID"),
        country_code="" if country is None else (country.get("isoCountryCode") or "").strip().upper(),
        identifiers=identifiers,
    )


def _payment_term(header: Element) -> tuple[int | None, Decimal | None]:
    term = header.find("PaymentTerm")
    if term is not None:
        days = bounded_int(term.get("payInNumberOfDays"), "the PaymentTerm payInNumberOfDays", 99_999, " days")
        discount = term.find("Discount/DiscountPercent")
        percent = None if discount is None else _rate(discount, "percent", "the PaymentTerm DiscountPercent")
        return days, percent
    detailed = header.find("InvoiceDetailPaymentTerm")
    if detailed is not None:
        days = bounded_int(
            detailed.get("payInNumberOfDays"), "the InvoiceDetailPaymentTerm payInNumberOfDays", 99_999, " days"
        )
        return days, _rate(detailed, "percentageRate", "the InvoiceDetailPaymentTerm percentageRate")
    return None, None


def read_invoice_detail_request(root: Element, body: Element, request: Element | None) -> InvoiceDetailRequest:
    envelope = read_envelope(root)
    header = body.find("InvoiceDetailRequestHeader")
    if header is None:
        raise InvalidDocument("the InvoiceDetailRequest has no InvoiceDetailRequestHeader")
    invoice_id = (header.get("invoiceID") or "").strip()
    if not invoice_id:
        raise InvalidDocument("the InvoiceDetailRequestHeader has no invoiceID")
    orders = tuple(_order(element, position) for position, element in enumerate(body.iterfind("InvoiceDetailOrder"), 1))
    header_orders = tuple(
        _header_order(element, position)
        for position, element in enumerate(body.iterfind("InvoiceDetailHeaderOrder"), 1)
    )
    if not orders and not header_orders:
        raise InvalidDocument("the InvoiceDetailRequest has no InvoiceDetailOrder and no InvoiceDetailHeaderOrder")
    line_indicator = header.find("InvoiceDetailLineIndicator")
    original = header.find("InvoiceIDInfo")
    original_document = header.find("DocumentReference")
    days, discount = _payment_term(header)
    date_text = (header.get("invoiceDate") or "").strip()
    return InvoiceDetailRequest(
        header=read_header(root),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        invoice_id=invoice_id,
        invoice_date=parse_timestamp(date_text),
        invoice_date_text=date_text,
        purpose=read_choice(header.get("purpose"), _PURPOSES, "standard", "the InvoiceDetailRequestHeader purpose"),
        operation=read_choice(header.get("operation"), _OPERATIONS, "new", "the InvoiceDetailRequestHeader operation"),
        information_only=(header.get("isInformationOnly") or "").strip() == _YES,
        tax_in_line=line_indicator is not None and (line_indicator.get("isTaxInLine") or "").strip() == _YES,
        orders=orders,
        header_orders=header_orders,
        summary=_summary(body.find("InvoiceDetailSummary")),
        partners=tuple(_partner(element) for element in header.iterfind("InvoicePartner")),
        payment_term_days=days,
        payment_discount_percent=discount,
        original_invoice_id=None if original is None else read_attribute(original, "invoiceID"),
        original_payload_id=None if original_document is None else read_attribute(original_document, "payloadID"),
        comments=read_comments(header.iterfind("Comments")),
        extrinsics=read_extrinsics(header.iterfind("Extrinsic")),
        deployment_mode="production" if request is None else read_deployment_mode(request),
        lang=envelope.lang,
    )


def parse_invoice_detail_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> InvoiceDetailRequest:
    """Parse a supplier's InvoiceDetailRequest; 406 for any other document, 400 when a required part is missing.

    Refuses an invoice without invoiceID, InvoiceDetailSummary or any order block, an order block without
    InvoiceDetailOrderInfo or lines, an InvoiceDetailItem without invoiceLineNumber, quantity, UnitPrice or
    InvoiceDetailItemReference, and a number that is not a plain decimal or is beyond `limits`.
    """
    return read_invoice_detail_request(*parse_expected(data, max_bytes, "InvoiceDetailRequest"))
