"""Volume tiers priced exactly at each boundary; the cap's use and its percentage."""

from decimal import Decimal

import pytest

from procurement.money import contract_cap_used_minor, percent_of_minor, tier_unit_price_minor

TIERS = [(Decimal(1), 1000), (Decimal(10), 900), (Decimal(100), 800)]


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0.5", 1200),  # below the first tier: the contract's unit price
        ("1", 1000),
        ("9.999", 1000),
        ("10", 900),
        ("10.001", 900),
        ("99", 900),
        ("99.999", 900),
        ("100", 800),
        ("100000", 800),
    ],
)
def test_tier_price_at_each_boundary(quantity, expected):
    assert tier_unit_price_minor(quantity=Decimal(quantity), base_minor=1200, tiers=TIERS) == expected


def test_tiers_in_any_order_give_the_same_price():
    assert tier_unit_price_minor(quantity=Decimal(50), base_minor=1200, tiers=list(reversed(TIERS))) == 900
    assert tier_unit_price_minor(quantity=Decimal(500), base_minor=1200, tiers=list(reversed(TIERS))) == 800


def test_no_tiers_is_the_unit_price():
    assert tier_unit_price_minor(quantity=Decimal(1000), base_minor=1200, tiers=[]) == 1200


def test_cap_used_is_committed_less_released_or_invoiced_when_more():
    assert contract_cap_used_minor(committed_minor=7000, released_minor=1000, invoiced_minor=2000) == 6000
    assert contract_cap_used_minor(committed_minor=1000, released_minor=0, invoiced_minor=1500) == 1500
    assert contract_cap_used_minor(committed_minor=0, released_minor=0, invoiced_minor=0) == 0


def test_percent_of_cap():
    assert percent_of_minor(part_minor=7000, whole_minor=10000) == Decimal("70.0")
    assert percent_of_minor(part_minor=1, whole_minor=3) == Decimal("33.3")
    assert percent_of_minor(part_minor=1, whole_minor=10_000) == Decimal("0.0")
    assert percent_of_minor(part_minor=2, whole_minor=3) == Decimal("66.7")
    assert percent_of_minor(part_minor=5, whole_minor=0) == Decimal(0)
