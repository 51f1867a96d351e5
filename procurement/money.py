"""Money at the edges: Decimal amounts with a currency code; integer minor units in the database.

Every money rule of the product has one function here, and every caller uses it (docs/money.md):

- rounding: an exact amount becomes the currency's minor unit (its digits come from CLDR via babel) once,
  at the end, half up (`round_minor`), the commercial rounding clerks and ERPs expect (0.005 → 0.01);
- a line total is quantity × unit price ÷ price basis quantity, rounded once (`line_total_minor`);
- a charge split over cost centres is shared by largest remainder, so the parts add up exactly to the
  line (`split_minor`);
- a conversion multiplies by the stored rate of the day, rounded once (`convert_minor`); the rate used is
  the one recorded wherever a converted amount is stored (`rate_stored` gives it the stored precision);
- a requisition's or an order's total is the sum of its line totals (`total_minor`);
- what is left on a budget is its amount less what is used (`available_minor`), and it may be overdrawn
  up to its tolerances (`budget_limit_minor`);
- a price list takes a percentage or an amount off a base price (`price_after_percent_minor`);
- a line's tax is its net amount × the rate in percent ÷ 100, rounded once per line (`tax_amount_minor`);
- a decimal is written in plain digits, never in exponent form (`decimal_text`): what machines read (the API,
  cXML, OCI, UBL, CSV, stored history);
- what people read follows their language's CLDR rules via babel (`money_display`, `unit_price_display`,
  `number_display`, `percent_display`): "1,234.50 EUR" in English, "1 234,50 EUR" in French and Swedish;
- a price a person types is an ISO 4217 currency, not negative, at most MAX_TYPED_PRICE (`typed_price_check`);
- a contract's unit price for a quantity is its highest volume tier reached (`tier_unit_price_minor`), and its cap
  is used by what orders committed or was invoiced (`contract_cap_used_minor`, `percent_of_minor`).
"""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from babel.core import Locale
from babel.dates import format_date
from babel.numbers import (
    NumberPattern,
    format_decimal,
    format_percent,
    get_currency_precision,
    list_currencies,
    parse_pattern,
)
from django.conf import settings
from django.utils import translation


class MoneyError(ValueError):
    pass


CURRENCIES = frozenset(list_currencies())  # ISO 4217, as CLDR knows it
MAX_MINOR = 2**63 - 1  # what a BigIntegerField holds: the largest amount the database can store or add up


def is_currency(code: str) -> bool:
    """An ISO 4217 currency code we can store and round (EUR, SEK, JPY …); 'EURO' or 'XXY' are not."""
    return code in CURRENCIES


def minor_storable(amount: "Money") -> int:
    """The amount in minor units, refused with a MoneyError when the currency is unknown or the database
    could not hold it."""
    if not is_currency(amount.currency):
        raise MoneyError(f"{amount.currency[:10]!r} is not an ISO 4217 currency code")
    minor = amount.minor
    if abs(minor) > MAX_MINOR:
        raise MoneyError(f"{amount.amount} {amount.currency} is too large to store")
    return minor


# CLDR's digits of every currency it knows, read from babel once: the table is constant for the process (babel's
# data does not change with the locale), and a cart of thousands of lines asks it for every line.
_DIGITS = {code: int(get_currency_precision(code)) for code in CURRENCIES}


def currency_digits(currency: str) -> int:
    """How many minor-unit digits a currency has (EUR 2, JPY 0, BHD 3), from CLDR via babel."""
    digits = _DIGITS.get(currency)
    return int(get_currency_precision(currency)) if digits is None else digits


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Convert a decimal amount to integer minor units, rounding half up per the currency's digits."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as error:
        raise MoneyError(f"{amount!r} is not a decimal amount") from error
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not a finite amount")
    scale = Decimal(10) ** currency_digits(currency)
    try:
        return int((value * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation as error:  # more digits than Decimal's context holds
        raise MoneyError(f"{amount} is too large an amount") from error


RATE_PLACES = 10  # ExchangeRate.rate and every recorded rate: DecimalField(max_digits=20, decimal_places=10)
ONE = Decimal(1)
HUNDRED = Decimal(100)
# The arithmetic of the rules below: 60 digits, so a BIGINT of minor units times a quantity never loses digits. Its
# methods are called with it (`_EXACT.multiply(a, b)`) where a rule runs once per line: that is `a * b` under
# `localcontext()` with `prec = 60`, without the cost of entering and leaving a context per call.
_EXACT = Context(prec=60)


def round_minor(exact: Decimal) -> int:
    """An exact amount in minor units (a Decimal with fractions of a cent) as whole minor units, half up:
    the only rounding of amounts in the product."""
    return int(exact.quantize(ONE, rounding=ROUND_HALF_UP, context=_EXACT))


def line_total_minor(*, quantity: Decimal, unit_price_minor: int, price_basis_quantity: Decimal = ONE) -> int:
    """quantity × unit price ÷ price basis quantity, rounded once at the end: 500 at 12.50 per 100 is 62.50."""
    if price_basis_quantity <= 0:
        raise MoneyError("The price basis quantity must be more than 0.")
    # The exact product, divided only by a basis other than 1 (the common case divides by nothing): the same
    # number, so the same rounding. A Decimal quantity is used as it is (Decimal() of one is a copy).
    exact = _EXACT.multiply(Decimal(unit_price_minor), quantity if quantity.__class__ is Decimal else Decimal(quantity))
    if price_basis_quantity != ONE:
        exact = _EXACT.divide(exact, Decimal(price_basis_quantity))
    return int(exact.quantize(ONE, rounding=ROUND_HALF_UP, context=_EXACT))


def line_total(*, quantity: Decimal, unit_price: "Money", price_basis_quantity: Decimal = ONE) -> "Money":
    """`line_total_minor` for a Money unit price (a price with more digits than its currency is kept exact
    until the end)."""
    digits = currency_digits(unit_price.currency)
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(unit_price.amount) * Decimal(quantity) / Decimal(price_basis_quantity) * Decimal(10) ** digits
    return Money.from_minor(round_minor(exact), unit_price.currency)


def tax_amount_minor(*, net_minor: int, rate_percent: Decimal) -> int:
    """The tax on a net amount at a rate in percent, rounded half up once (per line): 62.50 at 20 % is 12.50,
    0.05 at 5.5 % is 0.00. A negative net (a credit) gives the same tax with its sign."""
    if rate_percent < 0 or rate_percent > 100:
        raise MoneyError("A tax rate is between 0 and 100 %.")
    # Exact: the product's point moved two places is the product divided by 100.
    exact = _EXACT.multiply(
        Decimal(abs(net_minor)), rate_percent if rate_percent.__class__ is Decimal else Decimal(rate_percent)
    ).scaleb(-2, _EXACT)
    rounded = int(exact.quantize(ONE, rounding=ROUND_HALF_UP, context=_EXACT))
    return -rounded if net_minor < 0 else rounded


def early_payment_discount_minor(*, amount_minor: int, percent: Decimal) -> int:
    """The early-payment discount on an amount payable at a percentage, rounded half up once: 2 % of 1,234.56
    is 24.69, 2 % of 0.25 is 0.01. The percentage is between 0 and 100; a negative amount (a credit) gives
    the same discount with its sign."""
    if percent < 0 or percent > 100:
        raise MoneyError("A discount is between 0 and 100 %.")
    exact = _EXACT.divide(_EXACT.multiply(Decimal(abs(amount_minor)), Decimal(percent)), HUNDRED)
    rounded = round_minor(exact)
    return -rounded if amount_minor < 0 else rounded


def total_minor(line_totals: Iterable[int]) -> int:
    """A requisition's or an order's total: the plain sum of its (already rounded) line totals."""
    return sum(line_totals, 0)


def split_minor(amount_minor: int, weights: Sequence[Decimal]) -> list[int]:
    """Share an amount by weights (percentages, say) by largest remainder: each part is the floor of its
    exact share, and the minor units left over go one each to the largest remainders (ties to the earlier
    part). The parts always add up to the amount exactly; a negative amount (a release) splits as its
    opposite does."""
    if not weights:
        return []
    if any(weight < 0 for weight in weights):
        raise MoneyError("A split's weights cannot be negative.")
    whole = sum(weights, Decimal(0))
    if whole <= 0:
        raise MoneyError("A split's weights must add up to more than 0.")
    if amount_minor < 0:
        return [-part for part in split_minor(-amount_minor, weights)]
    with localcontext() as context:
        context.prec = 60
        exact = [Decimal(amount_minor) * weight / whole for weight in weights]
        parts = [int(share.to_integral_value(rounding=ROUND_DOWN)) for share in exact]
        remainders = [share - part for share, part in zip(exact, parts, strict=True)]
    left = amount_minor - sum(parts)
    for index in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


def rate_stored(rate: Decimal) -> Decimal:
    """A rate at the precision it is stored and recorded with (10 places), so that the rate a ledger entry
    records reproduces its converted amount."""
    return Decimal(rate).quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP)


def inverse_rate(rate: Decimal) -> Decimal:
    """The rate the other way (1 SEK = 1 / 11.25 EUR), at the stored precision."""
    if rate <= 0:
        raise MoneyError("An exchange rate must be more than 0.")
    with localcontext() as context:
        context.prec = 60
        return rate_stored(ONE / Decimal(rate))


def convert_minor(amount_minor: int, *, from_currency: str, to_currency: str, rate: Decimal) -> int:
    """An amount in another currency at `rate` (1 from_currency = rate to_currency), rounded once.

    Back and forth at a rate and its inverse, an amount comes back within one minor unit whenever the
    target currency's minor unit is worth no more than the source's (EUR → SEK → EUR, EUR → JPY → EUR) and
    amount × rate stays below 10**9 minor units (beyond, the inverse rate's 10th decimal shows)."""
    if from_currency == to_currency:
        return amount_minor
    if rate <= 0:
        raise MoneyError("An exchange rate must be more than 0.")
    shift = currency_digits(to_currency) - currency_digits(from_currency)
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(amount_minor) * Decimal(rate) * Decimal(10) ** shift
    return round_minor(exact)


def convert(amount: "Money", *, to_currency: str, rate: Decimal) -> "Money":
    return Money.from_minor(
        convert_minor(amount.minor, from_currency=amount.currency, to_currency=to_currency, rate=rate), to_currency
    )


def available_minor(*, amount_minor: int, used_minor: int | None) -> int:
    """What is left on a budget: its amount less every ledger entry against it (negative when overdrawn)."""
    return amount_minor - (used_minor or 0)


def budget_limit_minor(*, amount_minor: int, tolerance_percent: Decimal, tolerance_minor: int) -> int:
    """How far a budget may be drawn: its amount plus its tolerances (a percentage, rounded down, and an
    amount)."""
    with localcontext() as context:
        context.prec = 60
        percent_part = int((Decimal(amount_minor) * Decimal(tolerance_percent) / 100).to_integral_value(ROUND_DOWN))
    return amount_minor + percent_part + tolerance_minor


def over_receipt_limit_minor(*, ordered_minor: int, tolerance_percent: Decimal) -> int:
    """How much of a line received by amount (a service) may be received in all: the amount ordered plus the
    over-receipt tolerance in percent, rounded down (never more than the tolerance allows)."""
    with localcontext() as context:
        context.prec = 60
        percent_part = int((Decimal(ordered_minor) * Decimal(tolerance_percent) / 100).to_integral_value(ROUND_DOWN))
    return ordered_minor + percent_part


def price_after_percent_minor(base_minor: int, percent_off: Decimal) -> int:
    """A base price less a percentage, rounded once."""
    with localcontext() as context:
        context.prec = 60
        return round_minor(Decimal(base_minor) * (Decimal(100) - Decimal(percent_off)) / Decimal(100))


def decimal_text(value: Decimal | int, places: int | None = None) -> str:
    """A decimal in plain digits for documents, pages and the API: never exponent form (10, not 1E+1).

    With `places`, exactly that many decimals (an amount: 12.50); without, no trailing zeros (2.5, 10)."""
    value = Decimal(value)
    if not value.is_finite():
        raise MoneyError(f"{value} is not a finite number")
    if places is not None:
        with localcontext() as context:
            context.prec = 60
            value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    elif value == value.to_integral_value():
        value = value.quantize(ONE)
    else:
        value = value.normalize()
    if value == 0:
        value = abs(value)  # never "-0" or "-0.00"
    return format(value, "f")


def minor_text(minor: int, currency: str) -> str:
    """An amount in minor units as `Money.from_minor(minor, currency).as_api()` writes it ("12.50", "-3", "0.000"),
    from the integer alone: a page of amounts without decimal contexts."""
    digits = currency_digits(currency)
    whole, part = divmod(abs(minor), 10**digits)
    sign = "-" if minor < 0 else ""
    return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"


def within_currency_digits(amount: Decimal, currency: str) -> bool:
    """Whether an amount a person typed has no more decimals than its currency (12.50 EUR yes, 5000.5 JPY no)."""
    return amount == amount.quantize(Decimal(1).scaleb(-currency_digits(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    digits = currency_digits(currency)
    return (Decimal(minor) / (Decimal(10) ** digits)).quantize(Decimal(1).scaleb(-digits))


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> "Money":
        return cls(from_minor(minor, currency), currency)

    @property
    def minor(self) -> int:
        return to_minor(self.amount, self.currency)

    def as_api(self) -> dict[str, str]:
        """The API's shape: a decimal string with its currency code."""
        return {"amount": decimal_text(self.amount, currency_digits(self.currency)), "currency": self.currency}

    def format(self, locale: str | None = None) -> str:
        """For people: `money_display` in `locale`, else in the active language. Machines use `as_api` or
        `decimal_text`."""
        return money_display(self, locale)

    def __str__(self) -> str:
        return money_display(self)


# Prices people type (free-text lines on the page and in the API, catalog items in the API and admin): at most
# 999,999,999.99 in the price's currency, never negative. Beyond that it is a typing slip (99,999,999,999,999),
# and a line of 10,000 such units still fits any BIGINT of minor units.
MAX_TYPED_PRICE = Decimal("999999999.99")


def typed_price_check(amount: Decimal, currency: str) -> None:
    """Refuse (MoneyError) a typed price that is not a finite number, is negative, exceeds MAX_TYPED_PRICE,
    or is in a code that is not ISO 4217."""
    if not is_currency(currency):
        raise MoneyError(f"{currency[:10]!r} is not an ISO 4217 currency code (EUR, SEK, USD …).")
    if not Decimal(amount).is_finite():
        raise MoneyError("Give the price as a number, e.g. 12.50.")
    if amount < 0:
        raise MoneyError("A price cannot be negative.")
    if amount > MAX_TYPED_PRICE:
        raise MoneyError(f"A price can be at most {decimal_text(MAX_TYPED_PRICE, 2)} {currency}.")


# -- what people read: amounts, numbers and percentages in their language ----------------------------------------

# Unit prices keep the decimals they were quoted with (screws at 0.0125 EUR), up to this many.
UNIT_PRICE_MAX_DIGITS = 6


def display_locale(language: str | None = None) -> str:
    """The CLDR locale to write for: a UI language code ("fr", "sv", "en-us") or a locale ("fr_FR"), else the
    active language (the request's, or the one a `translation.override` chose), else the site's default."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return translation.to_locale(language.replace("_", "-"))


def money_display(money: Money, locale: str | None = None) -> str:
    """An amount then its ISO code, in the currency's digits, grouped as the locale writes numbers:
    "1,234.50 EUR" (en), "1\u202f234,50 EUR" (fr: narrow no-break space), "1\xa0234,50 EUR" (sv: no-break
    space). The code, not a symbol: unambiguous for clerks who buy in several currencies.

    What babel's `format_currency(amount, code, format="#,##0.00\xa0¤¤", currency_digits=True)` writes, from a
    number pattern of the currency's digits and the code appended: babel looks up the currency's name and symbol
    for every call whether the pattern shows them or not (a page of 100 amounts spent a quarter of its rows there).
    tests/procurement/test_money_display.py compares both on thousands of amounts, locales and currencies."""
    number = _number_pattern(currency_digits(money.currency)).apply(money.amount, _babel_locale(display_locale(locale)))
    return f"{number}\xa0{money.currency.upper()}"


@functools.cache
def _number_pattern(digits: int) -> NumberPattern:
    """ "#,##0.00" for 2 digits, "#,##0" for none: the pattern babel applies to an amount of that currency."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


@functools.cache
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


def amount_display(amount: Decimal, currency: str, locale: str | None = None) -> str:
    """An amount without its code, in the currency's digits: "1,234.50" (en), "1\u202f234,50" (fr)."""
    digits = currency_digits(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(Decimal(decimal_text(amount, digits)), format=pattern, locale=display_locale(locale)))


def unit_price_display(amount: Decimal, currency: str, locale: str | None = None) -> str:
    """Like `amount_display`, but keeping the extra decimals a unit price was quoted with (0.0125), up to
    UNIT_PRICE_MAX_DIGITS."""
    quoted_digits = len(decimal_text(amount).partition(".")[2])
    digits = min(max(currency_digits(currency), quoted_digits), UNIT_PRICE_MAX_DIGITS)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(Decimal(decimal_text(amount, digits)), format=pattern, locale=display_locale(locale)))


def number_display(value: Decimal | int, locale: str | None = None) -> str:
    """A quantity or any plain number without trailing zeros, grouped: "1,200" and "2.5" (en), "1\u202f200"
    and "2,5" (fr)."""
    plain = Decimal(decimal_text(value))
    return str(format_decimal(plain, locale=display_locale(locale), decimal_quantization=False))


def percent_display(percent: Decimal | int, locale: str | None = None) -> str:
    """A percentage given in percent (20, 5.5), with the locale's sign and spacing: "5.5%" (en), "5,5\xa0%"
    (fr, sv)."""
    fraction = Decimal(decimal_text(percent)) / 100
    return str(format_percent(fraction, locale=display_locale(locale), decimal_quantization=False))


def date_display(day: date, locale: str | None = None) -> str:
    """A day on a document (the PO PDF): CLDR's short form in the locale ("14/03/2025" in French, "2025-03-14"
    in Swedish), ISO 8601 in English (an international supplier reads no US "3/14/25"). Pages use Django's
    per-locale DATE_FORMAT (`{{ day }}`, `{{ day|date }}`); date inputs stay ISO."""
    locale = display_locale(locale)
    if locale.split("_", 1)[0] == "en":
        return day.isoformat()
    return str(format_date(day, format="short", locale=locale))


# -- contracts ---------------------------------------------------------------------------------------------------


def tier_unit_price_minor(*, quantity: Decimal, base_minor: int, tiers: Iterable[tuple[Decimal, int]]) -> int:
    """A contract's unit price for a quantity: the price of the highest tier whose minimum quantity is at most
    the quantity (a tier applies from its minimum on, inclusive), else the base price. With tiers from 10 and
    from 100: 9.999 pays the base price, 10 and 99 the first tier's, 100 the second's."""
    quantity = Decimal(quantity)
    price, reached = base_minor, Decimal(0)
    for min_quantity, unit_price_minor in tiers:
        if reached <= Decimal(min_quantity) <= quantity:
            price, reached = unit_price_minor, Decimal(min_quantity)
    return price


def contract_cap_used_minor(*, committed_minor: int, released_minor: int, invoiced_minor: int) -> int:
    """How much of a contract's cap is used: what orders committed less what cancellations released, or what
    was invoiced when that is more (an invoice above its order still spends the cap)."""
    return max(committed_minor - released_minor, invoiced_minor, 0)


def minimum_order_shortfall_minor(*, ordered_minor: int, minimum_minor: int) -> int:
    """How much is missing to reach a minimum order value (0: reached or no minimum)."""
    return max(minimum_minor - ordered_minor, 0)


def percent_of_minor(*, part_minor: int, whole_minor: int) -> Decimal:
    """`part` as a percentage of `whole` with one decimal, rounded half up (70.0 for 7,000 of 10,000); 0 for a
    zero whole."""
    if whole_minor <= 0:
        return Decimal(0)
    with localcontext() as context:
        context.prec = 60
        return (Decimal(part_minor) * HUNDRED / Decimal(whole_minor)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def budget_ideal_burn_minor(*, amount_minor: int, elapsed_days: int, period_days: int) -> int:
    """A budget's ideal use after `elapsed_days` of its `period_days`: the straight line from nothing on its first
    day to the whole amount on its last, amount × elapsed ÷ days, rounded half up (burn-down charts)."""
    if period_days <= 0:
        return amount_minor
    elapsed = min(max(elapsed_days, 0), period_days)
    return round_minor(_EXACT.divide(_EXACT.multiply(Decimal(amount_minor), Decimal(elapsed)), Decimal(period_days)))


def budget_projected_use_minor(*, used_minor: int, elapsed_days: int, period_days: int) -> int:
    """A budget's projected use at the end of its period at the run rate so far: used ÷ elapsed days × period
    days, rounded half up (the use itself once the period is over; nothing before it starts)."""
    if elapsed_days <= 0:
        return 0
    if elapsed_days >= period_days:
        return used_minor
    return round_minor(_EXACT.divide(_EXACT.multiply(Decimal(used_minor), Decimal(period_days)), Decimal(elapsed_days)))
