"""Numbers on pages in the reader's language: `{% load display_formats %}`.

`{{ money }}` already writes a Money in the active language (`Money.__str__`); these filters do the same for
the numbers a template holds as plain Decimals:

    {{ line.quantity|quantity }}              1,200 / 1 200 (fr)
    {{ line.unit_price|unit_price:currency }} 0.0125 / 0,0125 (fr)
    {{ amount|amount:currency }}              1,234.50 / 1 234,50 (fr)
    {{ rate|percent }}                        5.5% / 5,5 % (fr)

Never use them inside a form field's value (an `<input>` takes plain digits: `|unlocalize` or `decimal_text`).
"""

from decimal import Decimal, InvalidOperation

from django import template

from procurement.money import Money, MoneyError, amount_display, number_display, percent_display, unit_price_display

register = template.Library()


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@register.filter
def quantity(value: object) -> object:
    """A quantity or count, grouped, without trailing zeros; anything that is not a number as it is."""
    number = _decimal(value)
    return value if number is None else number_display(number)


@register.filter
def percent(value: object) -> object:
    """A rate given in percent (20, 5.5) with the locale's percent sign."""
    number = _decimal(value)
    return value if number is None else percent_display(number)


@register.filter
def amount(value: object, currency: str) -> object:
    """An amount in a currency's digits, without the code; a Money as "amount code"."""
    if isinstance(value, Money):
        return str(value)
    number = _decimal(value)
    try:
        return value if number is None else amount_display(number, currency)
    except MoneyError:
        return value


@register.filter
def unit_price(value: object, currency: str) -> object:
    """A unit price with the decimals it was quoted with (up to 6)."""
    if isinstance(value, Money):
        return unit_price_display(value.amount, value.currency)
    number = _decimal(value)
    return value if number is None else unit_price_display(number, currency)
