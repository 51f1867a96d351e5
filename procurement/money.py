"""Money at the edges: Decimal amounts with a currency code; integer minor units in the database."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies


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


def currency_digits(currency: str) -> int:
    """How many minor-unit digits a currency has (EUR 2, JPY 0, BHD 3), from CLDR via babel."""
    return int(get_currency_precision(currency))


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
        return {"amount": str(self.amount), "currency": self.currency}

    def format(self, locale: str = "en") -> str:
        """Amount then ISO code ("1,234.50 EUR"): unambiguous for clerks who buy in several currencies."""
        return str(
            format_currency(self.amount, self.currency, format="#,##0.00\xa0¤¤", locale=locale, currency_digits=True)
        )

    def __str__(self) -> str:
        return self.format()
