"""money_display writes what babel's format_currency writes with the "#,##0.00\xa0¤¤" pattern and the currency's
digits, for any amount (rounded, negative, zero, large), locale and currency."""

import random
from decimal import Decimal

from babel.numbers import format_currency

from procurement.money import Money, display_locale, money_display

LOCALES = ["en", "fr", "sv", "de", "en-us", "fr-ch", "de-ch", "hi", "ar", "es", "fr_FR"]
CURRENCIES = ["EUR", "SEK", "JPY", "BHD", "USD", "CLF", "CHF", "XXX", "eur"]


def babel(money: Money, locale: str) -> str:
    return str(
        format_currency(
            money.amount, money.currency, format="#,##0.00\xa0¤¤", locale=display_locale(locale), currency_digits=True
        )
    )


def test_money_display_is_babels_currency_format():
    rng = random.Random(18)
    amounts = [
        Decimal(text)
        for text in ("0", "0.00", "-0.00", "1", "1.5", "1.005", "1.015", "-1.005", "1234567.891", "-1234.5", "1E+3")
    ]
    amounts += [Decimal(rng.randrange(-(10**12), 10**12)).scaleb(-rng.randrange(0, 5)) for _ in range(300)]
    for locale in LOCALES:
        for currency in CURRENCIES:
            for amount in amounts:
                money = Money(amount, currency)
                assert money_display(money, locale) == babel(money, locale), (locale, currency, amount)
