"""The largest numbers a cXML document may carry here: what our database columns hold. No Django here.

A number beyond them used to be answered 200 and then break every read of the order (SQLite does not
enforce a decimal column's digits) or fail the write with a 500 (PostgreSQL does). The parsers refuse
them with a 400 that names the field and the limit. `tests/punchout/test_codec_bounds.py` checks that
these constants equal the Django columns, so they cannot drift apart.

- Quantities (order lines, requisition lines, confirmed, backordered and shipped quantities, price basis
  quantities) are DecimalField(max_digits=13, decimal_places=3).
- Amounts are stored as integer minor units in a BigIntegerField; with the most minor digits any
  currency has (4: CLF, UYW) a 14-digit amount still fits (10^18 < 2^63). Line totals (quantity times
  price) are bounded where they are computed. More decimals than any currency has are kept (a screw at
  0.00125 EUR, a cart Total summed from prices per 1,000) and rounded per currency when stored, up to
  the 28 digits Decimal arithmetic keeps.
- Lead times (days) and line numbers are PositiveIntegerFields; a lead time has OCI's 5 digits.
- Tax rates (percent) have at most 3 digits before the point and 3 after (invoices).
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "AMOUNT_MAX_DECIMAL_PLACES",
    "AMOUNT_MAX_INTEGER_DIGITS",
    "LEAD_TIME_MAX_DAYS",
    "LINE_NUMBER_MAX",
    "QUANTITY_DECIMAL_PLACES",
    "QUANTITY_MAX_DIGITS",
    "TAX_RATE_DECIMAL_PLACES",
    "TAX_RATE_INTEGER_DIGITS",
    "bounded_decimal",
]

QUANTITY_MAX_DIGITS = 13
QUANTITY_DECIMAL_PLACES = 3
AMOUNT_MAX_INTEGER_DIGITS = 14
AMOUNT_MAX_DECIMAL_PLACES = 28
LEAD_TIME_MAX_DAYS = 99_999
LINE_NUMBER_MAX = 2_147_483_647
# Tax rates in percent: 9.975 (Quebec), 5.5 (France), at most 999.999 (the invoice line column).
TAX_RATE_INTEGER_DIGITS = 3
TAX_RATE_DECIMAL_PLACES = 3


def _largest(integer_digits: int, decimal_places: int) -> str:
    return "9" * integer_digits + ("." + "9" * decimal_places if decimal_places else "")


def bounded_decimal(value: Decimal, *, integer_digits: int, decimal_places: int) -> Decimal | str:
    """`value` when it has at most `integer_digits` digits before the point and `decimal_places` after it
    (trailing zeros do not count), a negative zero made a plain 0; else why not, as a phrase to follow
    the field's name ("has more than 3 decimals", "is larger than 9999999999.999")."""
    if not value.is_finite():
        return "is not a finite number"
    if value.is_zero():
        return abs(value)
    if abs(value) >= Decimal(10) ** integer_digits:
        if decimal_places > QUANTITY_DECIMAL_PLACES:  # amounts: their largest value would be unreadable
            return f"has more than {integer_digits} digits before the decimal point"
        return f"is larger than {_largest(integer_digits, decimal_places)}"
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimal_places:
        return f"has more than {decimal_places} decimals"
    return value
