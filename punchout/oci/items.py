"""An OCI item (one `NEW_ITEM-*[n]` line) as a frozen dataclass, the field behind each of its text attributes,
and `OciError`. Quantities and prices are `Decimal`, never float."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from punchout.redact import redact_text

__all__ = ["STRING_ATTRIBUTES", "OciError", "OciItem"]


class OciError(ValueError):
    """An OCI form or call-up that cannot be read or written; names the item index and field when it can.

    The message is shown and logged, so a password field or a URL's user-info it might quote is masked.
    """

    def __init__(self, message: str, *, index: int | None = None, field: str | None = None) -> None:
        prefix = f"OCI item {index}: " if index is not None else ""
        message = redact_text(prefix + message)
        super().__init__(message)
        self.message = message
        self.index = index
        self.field = field


@dataclass(frozen=True, kw_only=True)
class OciItem:
    """One `NEW_ITEM-*[n]` line.

    `price` is what the catalog sent: the price of `price_unit` units (PRICEUNIT, 1 when absent or
    blank), so one unit costs `unit_price`. `quantity` and `price` are None when the catalog sent none.
    `description` is the (40-character) short text, `long_text` the joined LONGTEXT lines. Item fields
    outside the OCI standard (GTIN, TAX_RATE, vendor extensions …) are kept in `extra` by field name.
    """

    index: int
    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    price: Decimal | None = None
    currency: str = ""
    price_unit: Decimal = Decimal(1)
    lead_time: int | None = None
    long_text: str = ""
    material_number: str = ""
    material_group: str = ""
    vendor: str = ""
    vendor_material: str = ""
    manufacturer_code: str = ""
    manufacturer_material: str = ""
    service: bool = False
    contract: str = ""
    contract_item: str = ""
    ext_quote_id: str = ""
    ext_quote_item: str = ""
    ext_product_id: str = ""
    ext_schema_type: str = ""
    ext_category_id: str = ""
    ext_category: str = ""
    attachment: str = ""
    attachment_title: str = ""
    attachment_purpose: str = ""
    sld_sys_name: str = ""
    cust_field1: str = ""
    cust_field2: str = ""
    cust_field3: str = ""
    cust_field4: str = ""
    cust_field5: str = ""
    item_type: str = ""
    parent_id: str = ""
    tax: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def unit_price(self) -> Decimal | None:
        """The price of one unit: PRICE / PRICEUNIT (not rounded)."""
        if self.price is None:
            return None
        return self.price / self.price_unit

    @property
    def text(self) -> str:
        """The fullest text: the long text, else the description."""
        return self.long_text or self.description


# The OCI field behind each OciItem string attribute.
STRING_ATTRIBUTES: dict[str, str] = {
    "DESCRIPTION": "description",
    "UNIT": "unit",
    "CURRENCY": "currency",
    "MATNR": "material_number",
    "MATGROUP": "material_group",
    "VENDOR": "vendor",
    "VENDORMAT": "vendor_material",
    "MANUFACTCODE": "manufacturer_code",
    "MANUFACTMAT": "manufacturer_material",
    "CONTRACT": "contract",
    "CONTRACT_ITEM": "contract_item",
    "EXT_QUOTE_ID": "ext_quote_id",
    "EXT_QUOTE_ITEM": "ext_quote_item",
    "EXT_PRODUCT_ID": "ext_product_id",
    "EXT_SCHEMA_TYPE": "ext_schema_type",
    "EXT_CATEGORY_ID": "ext_category_id",
    "EXT_CATEGORY": "ext_category",
    "ATTACHMENT": "attachment",
    "ATTACHMENT_TITLE": "attachment_title",
    "ATTACHMENT_PURPOSE": "attachment_purpose",
    "SLD_SYS_NAME": "sld_sys_name",
    "CUST_FIELD1": "cust_field1",
    "CUST_FIELD2": "cust_field2",
    "CUST_FIELD3": "cust_field3",
    "CUST_FIELD4": "cust_field4",
    "CUST_FIELD5": "cust_field5",
    "ITEM_TYPE": "item_type",
    "PARENT_ID": "parent_id",
    "TAX": "tax",
}
