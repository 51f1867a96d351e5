"""The checks of one uploaded catalog line: each value read from its text, bounded, and every problem said in the
reader's language. The same rules as the core's `CatalogItem` (its validators), so what passes here publishes."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from procurement.models.validators import QUANTITY_STEP
from procurement.money import MAX_TYPED_PRICE, currency_digits, decimal_text, is_currency, to_minor

from .formats import CatalogRow

UNIT = re.compile(r"^[A-Z0-9]{2,3}$")  # a UN/CEFACT Recommendation 20 code (EA, C62, KGM, BX)
UNSPSC = re.compile(r"^\d{8}$")  # a commodity: 8 digits
URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
MAX_QUANTITY = Decimal("1000000000")  # order multiples, minimums and pack sizes: beyond this it is a typing slip
MAX_LEAD_TIME_DAYS = 3650
LIMITS = {"sku": 64, "name": 200, "description": 4000, "manufacturer": 100, "manufacturer_part_id": 64}


@dataclass
class CheckedLine:
    """A line's values as they would be published, and what is wrong with it (empty: it can be published)."""

    line_number: int
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)


def _decimal(text: str) -> Decimal | None:
    """A plain decimal (`12.50`), or None: no exponent (`1E3`), no infinity, no thousands separator."""
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _quantity(text: str, label: str, errors: list[str], *, default: Decimal | None) -> Decimal | None:
    if not text:
        return default
    value = _decimal(text)
    if value is None or value <= 0 or value > MAX_QUANTITY or value != value.quantize(QUANTITY_STEP):
        errors.append(
            _("%(field)s must be a number above 0 with at most 3 decimals, not “%(value)s”.")
            % {"field": label, "value": text[:20]}
        )
        return default
    return value


def line_check(row: CatalogRow, *, supplier_currency: str, default_unspsc: str = "") -> CheckedLine:
    """Read and check one line of an upload for a supplier who sells in `supplier_currency`."""
    errors: list[str] = []
    if "columns" in row.problems:
        errors.append(_("The line has fewer fields than the header."))
    if "price_quantity" in row.problems:
        errors.append(_("The price is for several units (PRICE_QUANTITY): give the price of one order unit."))
    if "price_factor" in row.problems:
        errors.append(_("The price factor is not a number."))
    for name, limit in LIMITS.items():
        if len(getattr(row, name)) > limit:
            errors.append(_("%(field)s is longer than %(limit)s characters.") % {"field": name, "limit": limit})
    if not row.sku:
        errors.append(_("The supplier part id (SKU) is missing."))
    if not row.name:
        errors.append(_("The name is missing."))
    unspsc = row.unspsc or default_unspsc
    if not UNSPSC.fullmatch(unspsc):
        errors.append(
            _("The UNSPSC code must have 8 digits, not “%(value)s”.") % {"value": unspsc[:20]}
            if unspsc
            else _("The UNSPSC code is missing.")
        )
    if not UNIT.fullmatch(row.unit):
        errors.append(
            _("The unit must be a UN/CEFACT code such as EA or C62, not “%(value)s”.") % {"value": row.unit[:20]}
        )
    currency = row.currency or supplier_currency
    if currency != supplier_currency:
        errors.append(
            _("The price is in %(currency)s; this supplier sells in %(supplier_currency)s.")
            % {"currency": currency[:10], "supplier_currency": supplier_currency}
        )
    price_minor = None
    price = _decimal(row.price)
    if price is None:
        errors.append(
            _("The price must be a number such as 12.50, not “%(value)s”.") % {"value": row.price[:20]}
            if row.price
            else _("The price is missing.")
        )
    elif price < 0:
        errors.append(_("A price cannot be negative."))
    elif price > MAX_TYPED_PRICE:
        errors.append(_("A price can be at most %(limit)s.") % {"limit": decimal_text(MAX_TYPED_PRICE, 2)})
    elif is_currency(supplier_currency):
        digits = currency_digits(supplier_currency)
        if price != price.quantize(Decimal(1).scaleb(-digits)):
            errors.append(
                _("%(value)s has more decimals than %(currency)s has (%(digits)s).")
                % {"value": row.price[:20], "currency": supplier_currency, "digits": digits}
            )
        else:
            price_minor = to_minor(price, supplier_currency)
    lead_time = 0
    if row.lead_time_days:
        if not row.lead_time_days.isdigit() or int(row.lead_time_days) > MAX_LEAD_TIME_DAYS:
            errors.append(
                _("The lead time must be a whole number of days up to %(limit)s, not “%(value)s”.")
                % {"limit": MAX_LEAD_TIME_DAYS, "value": row.lead_time_days[:20]}
            )
        else:
            lead_time = int(row.lead_time_days)
    pack_size = _quantity(row.pack_size, _("The pack size"), errors, default=None)
    multiple = _quantity(row.order_multiple, _("The order multiple"), errors, default=QUANTITY_STEP)
    minimum = _quantity(row.minimum_quantity, _("The minimum quantity"), errors, default=None)
    assert multiple is not None
    if minimum is None:
        minimum = multiple
    elif minimum % multiple:
        errors.append(
            _("The minimum quantity %(minimum)s is not a whole multiple of the order multiple %(multiple)s.")
            % {"minimum": decimal_text(minimum), "multiple": decimal_text(multiple)}
        )
    for name, value in (("image_url", row.image_url), ("datasheet_url", row.datasheet_url)):
        if value and (len(value) > 500 or not URL.fullmatch(value)):
            errors.append(_("%(field)s must be an http(s) address of at most 500 characters.") % {"field": name})
    values: dict[str, Any] = {
        "sku": row.sku[:64],
        "name": row.name[:200],
        "description": row.description[:4000],
        "unspsc": unspsc[:8],
        "unit": row.unit[:3],
        "price_minor": price_minor,
        "currency": supplier_currency,
        "lead_time_days": lead_time,
        "manufacturer": row.manufacturer[:100],
        "manufacturer_part_id": row.manufacturer_part_id[:64],
        "pack_size": pack_size,
        "order_multiple": multiple,
        "minimum_quantity": minimum,
        "image_url": row.image_url[:500],
        "datasheet_url": row.datasheet_url[:500],
    }
    return CheckedLine(line_number=row.line_number, values=values, errors=errors)


def price_increase_flagged(*, old_minor: int | None, new_minor: int | None, threshold_percent: Decimal) -> bool:
    """Whether a price rose by more than `threshold_percent` (a price from 0 to anything above rose without bound)."""
    if old_minor is None or new_minor is None or new_minor <= old_minor:
        return False
    return (new_minor - old_minor) * 100 > threshold_percent * old_minor
