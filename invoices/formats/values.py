"""Reading the values of an invoice: plain decimals bounded by what our columns hold, dates, currency codes,
and the notes on totals that do not add up. No Django here.

A number must be a plain decimal (no exponent, NaN or thousands separator) within `punchout.cxml.limits`;
otherwise an `InvoiceFormatError` names the field: "BT-129 invoiced quantity of line 2 has more than 3
decimals".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import list_currencies

from punchout.cxml.limits import (
    AMOUNT_MAX_DECIMAL_PLACES,
    AMOUNT_MAX_INTEGER_DIGITS,
    QUANTITY_DECIMAL_PLACES,
    QUANTITY_MAX_DIGITS,
    TAX_RATE_DECIMAL_PLACES,
    TAX_RATE_INTEGER_DIGITS,
    bounded_decimal,
)
from punchout.cxml.values import PLAIN_NUMBER

from .document import InvoiceFormatError

__all__ = [
    "amount",
    "check_currency",
    "optional_amount",
    "optional_rate",
    "quantity",
    "text_of",
]

_CURRENCIES = frozenset(list_currencies())


def _number(value: object, field: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    text = str(value if value is not None else "").strip()
    if not text:
        raise InvoiceFormatError(f"{field} is missing", field=field)
    if not PLAIN_NUMBER.fullmatch(text):
        raise InvoiceFormatError(f"{field} is not a number: {text[:40]!r}", field=field)
    return Decimal(text)


def _bounded(value: Decimal, field: str, integer_digits: int, decimal_places: int) -> Decimal:
    checked = bounded_decimal(value, integer_digits=integer_digits, decimal_places=decimal_places)
    if isinstance(checked, str):
        raise InvoiceFormatError(f"{field} {checked}: it cannot be stored", field=field)
    return checked


def amount(value: object, field: str) -> Decimal:
    return _bounded(_number(value, field), field, AMOUNT_MAX_INTEGER_DIGITS, AMOUNT_MAX_DECIMAL_PLACES)


def optional_amount(value: object, field: str) -> Decimal | None:
    return None if value is None or str(value).strip() == "" else amount(value, field)


def quantity(value: object, field: str) -> Decimal:
    return _bounded(
        _number(value, field), field, QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES, QUANTITY_DECIMAL_PLACES
    )


def optional_rate(value: object, field: str) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    return _bounded(_number(value, field), field, TAX_RATE_INTEGER_DIGITS, TAX_RATE_DECIMAL_PLACES)


def check_currency(code: str, field: str) -> str:
    """An ISO 4217 code as CLDR knows it (EUR, SEK …); 'currency_code' or 'EURO' are refused."""
    code = (code or "").strip().upper()
    if not code:
        raise InvoiceFormatError(f"{field} is missing", field=field)
    if code not in _CURRENCIES:
        raise InvoiceFormatError(f"{field} {code[:20]!r} is not an ISO 4217 currency code", field=field)
    return code


def text_of(value: object) -> str:
    """Text of a value the library gave as a string or a list of strings (repeated elements)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(part).strip() for part in value if str(part).strip())
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
