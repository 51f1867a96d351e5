from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procurement.money import Money, MoneyError, from_minor, to_minor


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.345", "EUR", 1235),
        ("12.344", "EUR", 1234),
        ("1000", "SEK", 100000),
        ("5.5", "JPY", 6),
        ("1.2345", "BHD", 1235),
    ],
)
def test_amounts_round_half_up_to_the_currency_minor_unit(amount, currency, minor):
    assert to_minor(amount, currency) == minor


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["EUR", "SEK", "JPY", "BHD"]))
def test_minor_units_survive_a_round_trip(minor, currency):
    assert to_minor(from_minor(minor, currency), currency) == minor


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", ""])
def test_garbage_amounts_are_refused_with_a_clear_error(bad):
    with pytest.raises(MoneyError):
        to_minor(bad, "EUR")


def test_money_shows_amount_and_iso_code():
    assert str(Money(Decimal("1234.5"), "EUR")) == "1,234.50\xa0EUR"
    assert Money.from_minor(123456, "SEK").as_api() == {"amount": "1234.56", "currency": "SEK"}


def test_only_iso_currencies_and_storable_amounts_pass_the_edge():
    from procurement.money import MAX_MINOR, is_currency, minor_storable

    assert [is_currency(code) for code in ("EUR", "JPY", "EURO", "eur")] == [True, True, False, False]
    assert minor_storable(Money(Decimal("12.345"), "EUR")) == 1235
    assert minor_storable(Money(Decimal(500), "JPY")) == 500
    with pytest.raises(MoneyError, match="'XXY' is not an ISO 4217 currency code"):
        minor_storable(Money(Decimal(1), "XXY"))
    with pytest.raises(MoneyError, match="too large to store"):
        minor_storable(Money(Decimal(MAX_MINOR), "EUR"))
    with pytest.raises(MoneyError, match="too large an amount"):
        minor_storable(Money(Decimal("1" * 40), "EUR"))
