"""Lines of goods, read and written: the ItemIn of a supplier's cart, the ItemOut we send in an edit or
inspect setup request and in an OrderRequest. No Django here.

Reading is written for speed (a cart may have thousands of lines) and refuses with a 400 `InvalidDocument`
naming the line: an item without quantity or price, a price that is not a number, a quantity or price
beyond what our columns hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from lxml.etree import _Element as Element

from .elements import Classification, ItemIn, ItemOut, LineItem, Money, PriceBasisQuantity, Tax
from .errors import InvalidDocument
from .limits import (
    AMOUNT_MAX_DECIMAL_PLACES,
    AMOUNT_MAX_INTEGER_DIGITS,
    LEAD_TIME_MAX_DAYS,
    LINE_NUMBER_MAX,
    QUANTITY_DECIMAL_PLACES,
)
from .tax_elements import read_tax, write_tax
from .values import (
    PLAIN_NUMBER,
    QUANTITY_INTEGER_DIGITS,
    XML_LANG,
    bounded,
    bounded_amount,
    bounded_int,
    bounded_quantity,
    clean_text,
    format_decimal,
    read_decimal,
    read_extrinsics,
    read_money,
    read_number,
    read_text,
    write_element,
    write_extrinsics,
    write_money,
)

__all__ = [
    "ItemRow",
    "read_item",
    "read_item_row",
    "read_line_number",
    "read_price_basis",
    "write_item",
]


def _description(element: Element) -> tuple[str, str]:
    """(description, short name): the Description's own text and its ShortName child."""
    short_name = ""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "ShortName":
            short_name = read_text(child)
        parts.append(child.tail or "")
    return "".join(parts).strip(), short_name


class ItemRow(NamedTuple):
    """One ItemIn or ItemOut as read, as a plain tuple: what `LineItem` holds, with the UnitPrice as `price` and
    `currency` and the classifications as (domain, value) pairs. A cart of thousands of lines is read into
    these (`read_item_row`); `to_item` makes the dataclass when one is wanted."""

    quantity: Decimal
    supplier_part_id: str
    price: Decimal
    currency: str
    unit_of_measure: str
    description: str
    description_lang: str
    short_name: str
    supplier_part_auxiliary_id: str | None
    buyer_part_id: str | None
    classifications: tuple[tuple[str, str], ...]
    manufacturer_part_id: str | None
    manufacturer_name: str | None
    url: str | None
    lead_time: int | None
    price_basis_quantity: PriceBasisQuantity | None
    extrinsics: Mapping[str, str]
    line_number: int | None
    tax: Tax | None

    @property
    def text(self) -> str:
        """The best single line of text: the description, else the short name (`LineItem.text`)."""
        return self.description or self.short_name

    def classification(self, domain: str) -> str | None:
        """The first classification value of a domain, compared case-insensitively (`LineItem.classification`)."""
        wanted = domain.casefold()
        for found, value in self.classifications:
            if found.casefold() == wanted:
                return value
        return None

    def to_item[LineT: (ItemIn, ItemOut)](self, cls: type[LineT]) -> LineT:
        return cls(
            quantity=self.quantity,
            supplier_part_id=self.supplier_part_id,
            supplier_part_auxiliary_id=self.supplier_part_auxiliary_id,
            buyer_part_id=self.buyer_part_id,
            unit_price=Money(amount=self.price, currency=self.currency),
            unit_of_measure=self.unit_of_measure,
            description=self.description,
            description_lang=self.description_lang,
            short_name=self.short_name,
            classifications=tuple(Classification(domain=domain, value=value) for domain, value in self.classifications),
            manufacturer_part_id=self.manufacturer_part_id,
            manufacturer_name=self.manufacturer_name,
            url=self.url,
            lead_time=self.lead_time,
            price_basis_quantity=self.price_basis_quantity,
            extrinsics=self.extrinsics,
            line_number=self.line_number,
            tax=self.tax,
        )


# Numbers that are plainly within our columns (see `limits`): read without the general checks, which give the
# same value for them. Anything else (signs, spaces, more digits) takes the general path and its precise error.
_PLAIN_QUANTITY = re.compile(rf"\d{{1,{QUANTITY_INTEGER_DIGITS}}}(?:\.\d{{0,{QUANTITY_DECIMAL_PLACES}}})?")
_PLAIN_AMOUNT = re.compile(rf"\d{{1,{AMOUNT_MAX_INTEGER_DIGITS}}}(?:\.\d{{0,{AMOUNT_MAX_DECIMAL_PLACES}}})?")
_SHORT_WHOLE = len(str(LINE_NUMBER_MAX)) - 1  # digits of a line number that always fits


def _quantity(element: Element, kind: str, position: int) -> Decimal:
    raw_quantity = element.get("quantity")
    if raw_quantity is not None and _PLAIN_QUANTITY.fullmatch(raw_quantity):
        return Decimal(raw_quantity)
    quantity = read_number(raw_quantity)
    if quantity is None or quantity < 0:
        line = f"{kind} {position}"
        if raw_quantity is None or not raw_quantity.strip():
            raise InvalidDocument(f"{line} has no quantity")
        if quantity is None:
            raise InvalidDocument(f"the quantity of {line} is not a number: {raw_quantity.strip()[:40]!r}")
        raise InvalidDocument(f"{line} has a negative quantity: {raw_quantity.strip()[:40]!r}")
    return bounded_quantity(quantity, f"the quantity of {kind} {position}")


def _unit_price(child: Element, kind: str, position: int) -> tuple[Decimal, str]:
    # Money comes first in UnitPrice; iterating is far cheaper than find() (ElementPath).
    money = next((grandchild for grandchild in child if grandchild.tag == "Money"), None)
    if money is not None:
        amount_text = money.text or ""
        currency = (money.get("currency") or "").strip().upper()
        if currency:
            if _PLAIN_AMOUNT.fullmatch(amount_text):
                return Decimal(amount_text), currency
            amount_text = amount_text.strip()
            if PLAIN_NUMBER.fullmatch(amount_text):
                return bounded_amount(Decimal(amount_text), f"the UnitPrice of {kind} {position}"), currency
    unit_price = read_money(money, f"the UnitPrice of {kind} {position}")  # raises the precise error
    return unit_price.amount, unit_price.currency


def read_item_row(element: Element, position: int, kind: str) -> ItemRow:
    """One ItemIn or ItemOut as an `ItemRow`; `position` counts from 1 and names the line in errors.

    Written for speed (a cart may have thousands of lines): one pass over the children, no XPath, no object
    per line but the tuple, error messages formatted only when there is an error.
    """
    quantity = _quantity(element, kind, position)
    supplier_part_id: str | None = None
    auxiliary_id: str | None = None
    buyer_part_id: str | None = None
    detail: Element | None = None
    tax_element: Element | None = None
    extrinsic_elements: list[Element] | None = None
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
                    auxiliary_id = read_text(part)
                elif part_tag == "BuyerPartID":
                    buyer_part_id = read_text(part)
        elif tag == "Extrinsic":
            if extrinsic_elements is None:
                extrinsic_elements = []
            extrinsic_elements.append(child)
        elif tag == "Tax":
            tax_element = child
    if supplier_part_id is None:
        raise InvalidDocument(f"{kind} {position} has no ItemID/SupplierPartID")
    if detail is None:
        raise InvalidDocument(f"{kind} {position} has no ItemDetail")

    price: Decimal | None = None
    currency = ""
    description: str | None = None
    short_name = ""
    description_lang = "en"
    unit_of_measure = ""
    classifications: tuple[tuple[str, str], ...] = ()
    basis: PriceBasisQuantity | None = None
    manufacturer_part_id = manufacturer_name = url = None
    lead_time: int | None = None
    for child in detail:
        tag = child.tag
        if tag == "UnitPrice":
            price, currency = _unit_price(child, kind, position)
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
                classifications += (((child.get("domain") or "").strip(), value),)
        elif tag == "PriceBasisQuantity":
            basis = read_price_basis(child, f"{kind} {position}")
        elif tag == "ManufacturerPartID":
            manufacturer_part_id = (child.text or "").strip()
        elif tag == "ManufacturerName":
            manufacturer_name = (child.text or "").strip()
        elif tag == "URL":
            url = (child.text or "").strip()
        elif tag == "LeadTime":
            lead_time = bounded_int(child.text, f"the LeadTime of {kind} {position}", LEAD_TIME_MAX_DAYS, " days")
        elif tag == "Extrinsic":
            if extrinsic_elements is None:
                extrinsic_elements = []
            extrinsic_elements.append(child)
    if price is None:
        raise InvalidDocument(f"{kind} {position} has no UnitPrice")

    raw_line_number = element.get("lineNumber")
    if raw_line_number is None:
        line_number = None
    elif len(raw_line_number) <= _SHORT_WHOLE and raw_line_number.isascii() and raw_line_number.isdigit():
        line_number = int(raw_line_number)
    else:
        line_number = bounded_int(raw_line_number, f"the lineNumber of {kind} {position}", LINE_NUMBER_MAX)
    return ItemRow(
        quantity,
        supplier_part_id,
        price,
        currency,
        unit_of_measure,
        description or "",
        description_lang,
        short_name,
        auxiliary_id,
        buyer_part_id,
        classifications,
        manufacturer_part_id,
        manufacturer_name,
        url,
        lead_time,
        basis,
        read_extrinsics(extrinsic_elements) if extrinsic_elements else {},
        line_number,
        None if tax_element is None else read_tax(tax_element, f"the Tax of {kind} {position}"),
    )


def read_item[LineT: (ItemIn, ItemOut)](element: Element, position: int, kind: str, cls: type[LineT]) -> LineT:
    """One ItemIn or ItemOut as its dataclass (`read_item_row` made `cls`)."""
    return read_item_row(element, position, kind).to_item(cls)


def read_price_basis(element: Element, line: str) -> PriceBasisQuantity:
    """A PriceBasisQuantity: the price is for `quantity` units, one ordered unit being `conversionFactor` of them."""
    basis_what = f"the PriceBasisQuantity quantity of {line}"
    factor_what = f"the PriceBasisQuantity conversionFactor of {line}"
    basis = PriceBasisQuantity(
        quantity=bounded_quantity(read_decimal(element.get("quantity"), basis_what), basis_what),
        conversion_factor=bounded(
            read_decimal(element.get("conversionFactor"), factor_what),
            factor_what,
            QUANTITY_INTEGER_DIGITS,
            AMOUNT_MAX_DECIMAL_PLACES,
        ),
        unit_of_measure=read_text(element.find("UnitOfMeasure")),
        description=read_text(element.find("Description")),
    )
    if basis.quantity <= 0 or basis.conversion_factor <= 0:
        # 0 means nothing: the price would be for no unit at all.
        raise InvalidDocument(f"the PriceBasisQuantity of {line} must have a quantity and conversionFactor above 0")
    return basis


def read_line_number(element: Element, what: str, default: int | None = None) -> int:
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


def write_price_basis(detail: Element, basis: PriceBasisQuantity, *, lang: str) -> None:
    """An ItemDetail's PriceBasisQuantity: the price is for `quantity` units (ItemIn, ItemOut alike)."""
    element = write_element(
        detail,
        "PriceBasisQuantity",
        quantity=format_decimal(basis.quantity),
        conversionFactor=format_decimal(basis.conversion_factor),
    )
    write_element(element, "UnitOfMeasure", basis.unit_of_measure)
    if basis.description:
        write_element(element, "Description", basis.description, lang=lang)


def write_item(parent: Element, tag: str, item: LineItem) -> None:
    line_number = None if item.line_number is None else str(item.line_number)
    element = write_element(parent, tag, quantity=format_decimal(item.quantity), lineNumber=line_number)
    item_id = write_element(element, "ItemID")
    write_element(item_id, "SupplierPartID", item.supplier_part_id)
    if item.supplier_part_auxiliary_id is not None:
        write_element(item_id, "SupplierPartAuxiliaryID", item.supplier_part_auxiliary_id)
    if item.buyer_part_id is not None:
        write_element(item_id, "BuyerPartID", item.buyer_part_id)
    detail = write_element(element, "ItemDetail")
    write_money(detail, "UnitPrice", item.unit_price)
    description = write_element(detail, "Description", lang=item.description_lang or "en")
    if item.short_name:
        short_name = write_element(description, "ShortName", item.short_name)
        short_name.tail = clean_text(item.description)
    else:
        description.text = clean_text(item.description)
    write_element(detail, "UnitOfMeasure", item.unit_of_measure)
    if item.price_basis_quantity is not None:
        write_price_basis(detail, item.price_basis_quantity, lang=item.description_lang or "en")
    # The DTD wants at least one Classification; an empty one means "not classified" to our parser.
    for classification in item.classifications or ():
        write_element(detail, "Classification", classification.value, domain=classification.domain)
    if not item.classifications:
        write_element(detail, "Classification", "", domain="UNSPSC")
    if item.manufacturer_part_id is not None:
        write_element(detail, "ManufacturerPartID", item.manufacturer_part_id)
    if item.manufacturer_name is not None:
        write_element(detail, "ManufacturerName", item.manufacturer_name)
    if item.url is not None:
        write_element(detail, "URL", item.url)
    if item.lead_time is not None:
        write_element(detail, "LeadTime", str(item.lead_time))
    write_extrinsics(detail, item.extrinsics)
    if item.tax is not None:
        write_tax(element, item.tax, lang=item.description_lang or "en")
