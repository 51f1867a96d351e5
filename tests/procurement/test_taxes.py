"""Issue 16 §4: each legal entity's tax codes (defaults for France and Sweden), which code applies to a line
(catalog kind and rate, the supplier's rate, reverse charge between two EU member states), and the tax of a
line, rounded half up once."""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from procurement.models import TaxCode
from procurement.money import MoneyError, tax_amount_minor
from procurement.taxes import (
    LineTax,
    entity_tax_codes,
    reverse_charge_applies,
    tax_code_for_line,
    tax_codes_default_create,
)
from tests.factories import LegalEntityFactory


def codes_of(entity) -> list[tuple[str, str, str, str, bool]]:
    return [
        (code.code, f"{code.rate.normalize():f}", code.kind, code.category, code.is_default)
        for code in TaxCode.objects.filter(legal_entity=entity).order_by("kind", "-rate", "code")
    ]


@pytest.mark.django_db
def test_a_french_and_a_swedish_entity_get_their_countrys_rates_and_the_zero_exempt_and_reverse_charge_codes():
    france = LegalEntityFactory(code="FR-TAX", country="FR")
    sweden = LegalEntityFactory(code="SE-TAX", currency="SEK")
    tax_codes_default_create(legal_entity=france)
    tax_codes_default_create(legal_entity=sweden, country="se")  # sets the country it did not have
    french = [
        ("E", "0", "exempt", "E", False),
        ("AA10", "10", "reduced", "AA", False),
        ("AA5.5", "5.5", "reduced", "AA", False),
        ("AA2.1", "2.1", "reduced", "AA", False),
        ("AE", "0", "reverse_charge", "AE", False),
        ("K", "0", "reverse_charge", "K", False),
        ("S20", "20", "standard", "S", True),
        ("Z", "0", "zero", "Z", False),
    ]
    assert codes_of(france) == french
    sweden.refresh_from_db()
    assert sweden.country == "SE"
    assert codes_of(sweden) == [
        ("E", "0", "exempt", "E", False),
        ("AA12", "12", "reduced", "AA", False),
        ("AA6", "6", "reduced", "AA", False),
        ("AE", "0", "reverse_charge", "AE", False),
        ("K", "0", "reverse_charge", "K", False),
        ("S25", "25", "standard", "S", True),
        ("Z", "0", "zero", "Z", False),
    ]
    # a second run changes nothing; an entity elsewhere gets no codes (an administrator adds them)
    assert tax_codes_default_create(legal_entity=france) == []
    assert tax_codes_default_create(legal_entity=LegalEntityFactory(code="US-TAX", country="US")) == []


@pytest.mark.django_db
def test_an_entity_has_one_default_code():
    france = LegalEntityFactory(code="FR-ONE", country="FR")
    tax_codes_default_create(legal_entity=france)
    with pytest.raises(IntegrityError):
        TaxCode.objects.create(
            legal_entity=france, code="S19", name="Other", rate=Decimal(19), kind="standard", category="S",
            is_default=True,
        )  # fmt: skip


def test_reverse_charge_between_two_different_eu_member_states_both_known():
    assert reverse_charge_applies(supplier_country="SE", buyer_country="FR") is True
    assert reverse_charge_applies(supplier_country="de", buyer_country="SE") is True
    assert reverse_charge_applies(supplier_country="FR", buyer_country="FR") is False
    assert reverse_charge_applies(supplier_country="", buyer_country="FR") is False
    assert reverse_charge_applies(supplier_country="CH", buyer_country="FR") is False  # not a member state
    assert reverse_charge_applies(supplier_country="GB", buyer_country="SE") is False


@pytest.mark.django_db
def test_the_code_of_a_line_by_catalog_kind_supplier_rate_and_reverse_charge():
    france = LegalEntityFactory(code="ACME-FR", name="Acme France SAS", country="FR")
    tax_codes_default_create(legal_entity=france)
    codes = entity_tax_codes(legal_entity=france)
    # a Swedish supplier of ACME-FR: reverse charge, whatever the item or the shop says
    assert tax_code_for_line(codes=codes, supplier_country="SE", item_kind="reduced", supplier_rate=Decimal(25)) == (
        LineTax(code="AE", category="AE", rate=Decimal(0), reverse_charge=True)
    )
    # a French supplier: a book at 5.5 %, a reduced item without a rate at the entity's first reduced rate
    assert tax_code_for_line(
        codes=codes, supplier_country="FR", item_kind="reduced", item_rate=Decimal("5.5")
    ) == LineTax(code="AA5.5", category="AA", rate=Decimal("5.500"))
    assert tax_code_for_line(codes=codes, supplier_country="FR", item_kind="reduced").code == "AA10"
    assert tax_code_for_line(codes=codes, supplier_country="FR", item_kind="exempt").category == "E"
    # a punchout line: the shop's 10 % is the entity's AA10; a rate it has no code for is kept as is
    assert tax_code_for_line(codes=codes, supplier_country="FR", supplier_rate=Decimal(10)).code == "AA10"
    assert tax_code_for_line(codes=codes, supplier_country="", supplier_rate=Decimal(19)) == LineTax(
        code="", category="S", rate=Decimal(19)
    )
    # a free-text line: the default (standard) code; an entity without codes knows no tax
    assert tax_code_for_line(codes=codes, supplier_country="") == LineTax("S20", "S", Decimal("20.000"))
    bare = entity_tax_codes(legal_entity=LegalEntityFactory(code="XX-NONE"))
    assert tax_code_for_line(codes=bare, supplier_country="SE") == LineTax()


def test_a_lines_tax_is_rounded_once_half_up():
    assert tax_amount_minor(net_minor=10005, rate_percent=Decimal("5.5")) == 550  # 5.50275
    assert tax_amount_minor(net_minor=9995, rate_percent=Decimal(20)) == 1999
    assert tax_amount_minor(net_minor=25, rate_percent=Decimal(10)) == 3  # 2.5 → 3
    assert tax_amount_minor(net_minor=100, rate_percent=Decimal("2.1")) == 2  # 2.1 → 2
    assert tax_amount_minor(net_minor=123456, rate_percent=Decimal(0)) == 0
    with pytest.raises(MoneyError):
        tax_amount_minor(net_minor=100, rate_percent=Decimal(-1))
