"""A line of one of our carts as punchout documents read it: what we send a shop (ItemOut) or an ERP (ItemIn,
NEW_ITEM-*). Plain data: the cart's app fills it from its own rows."""

from dataclasses import dataclass
from decimal import Decimal

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
