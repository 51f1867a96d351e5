"""Cart lines as punchout passes them to and from the cart's app, as plain data.

`CartLine`: a line of one of our carts as punchout documents read it (what we send a shop as ItemOut, or an
ERP as ItemIn or NEW_ITEM-*). `IncomingLine`: a line that comes into one of our carts from outside (a shop's
returned cart, or the ERP's lines of an edit or inspect punch-in), already mapped to our units and codes."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from procurement.models import CatalogItem, Supplier
from procurement.money import Money


@dataclass(frozen=True)
class CartLine:
    pk: int
    line_number: int
    description: str
    quantity: Decimal
    unit: str
    unit_price_minor: int
    currency: str
    price_basis_quantity: Decimal = Decimal(1)
    supplier_code: str = ""
    supplier_part_id: str = ""
    supplier_part_auxiliary_id: str = ""
    unspsc: str = ""
    lead_time_days: int | None = None
    manufacturer: str = ""
    manufacturer_part_id: str = ""
    catalog_item_id: int | None = None

    @property
    def unit_price(self) -> Money:
        return Money.from_minor(self.unit_price_minor, self.currency)


@dataclass(frozen=True)
class IncomingLine:
    """A line that comes into one of our carts from outside, already mapped to our units and codes."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Money
    supplier: Supplier | None
    supplier_part_id: str = ""
    supplier_part_auxiliary_id: str = ""
    price_basis_quantity: Decimal = Decimal(1)
    unspsc: str = ""
    lead_time_days: int | None = None
    manufacturer: str = ""
    manufacturer_part_id: str = ""
    catalog_item: CatalogItem | None = None
    extrinsics: dict[str, Any] = field(default_factory=dict)
    # The VAT rate in percent the supplier's cart gave for this line (its Tax), None when it gave none: the
    # entity's code with that rate applies instead of its default (procurement.taxes.tax_code_for_line).
    tax_rate: Decimal | None = None


class IncomingRow(NamedTuple):
    """An `IncomingLine` as a plain tuple, its fields in the same order with the same names and meaning: what a
    shop's returned cart of thousands of lines is read into (a tuple is built in one step, a frozen dataclass
    field by field). The cart's app reads either by attribute."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Money
    supplier: Supplier | None
    supplier_part_id: str
    supplier_part_auxiliary_id: str
    price_basis_quantity: Decimal
    unspsc: str
    lead_time_days: int | None
    manufacturer: str
    manufacturer_part_id: str
    catalog_item: CatalogItem | None
    extrinsics: dict[str, Any]
    tax_rate: Decimal | None
