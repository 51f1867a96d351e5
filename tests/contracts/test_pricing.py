"""A contract price in force beats the price lists: in the catalog page, the catalog API and at every tier."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement.models import Contract
from procurement.money import Money
from procurement.selectors import catalog_item_quote, catalog_pricing_applicable
from tests.contracts.factories import ContractFactory, contract_price
from tests.factories import CatalogItemFactory, api_token

TODAY = timezone.localdate


def quote(item, entity, user, quantity=None):
    pricing = catalog_pricing_applicable(legal_entity=entity, user=user, item_ids=[item.pk])
    return catalog_item_quote(item=item, pricing=pricing, quantity=quantity)


@pytest.mark.parametrize(
    ("quantity", "expected"), [("1", "9.00"), ("9.999", "9.00"), ("10", "8.50"), ("99", "8.50"), ("100", "8.00")]
)
def test_the_contract_price_beats_the_price_list_at_each_tier(paper, france, employee_in, quantity, expected):
    buyer = employee_in(france).user
    given = quote(paper, france, buyer, Decimal(quantity))
    assert given.price == Money(Decimal(expected), "EUR")
    assert given.source == "contract"
    assert given.contract is not None and given.contract.contract_number == "FA-2026-01"


@pytest.mark.parametrize(
    "change",
    [
        {"status": Contract.Status.DRAFT},
        {"status": Contract.Status.ENDED},
        {"valid_from": TODAY() + datetime.timedelta(days=1), "valid_to": TODAY() + datetime.timedelta(days=30)},
        {"valid_from": TODAY() - datetime.timedelta(days=30), "valid_to": TODAY() - datetime.timedelta(days=1)},
    ],
    ids=["draft", "ended", "not-yet", "expired"],
)
def test_a_contract_not_in_force_leaves_the_price_list(paper, france, employee_in, change):
    Contract.objects.filter(number="FA-2026-01").update(**change)
    given = quote(paper, france, employee_in(france).user)
    assert (given.price, given.source, given.contract) == (Money(Decimal("8.00"), "EUR"), "price_list", None)


def test_a_contract_of_another_entity_does_not_apply(paper, france, sweden, employee_in):
    given = quote(paper, sweden, employee_in(sweden).user)
    assert (given.price, given.source) == (Money(Decimal("10.00"), "EUR"), "base")


def test_the_contract_valid_today_on_its_first_and_last_day(paper, france, employee_in):
    Contract.objects.filter(number="FA-2026-01").update(valid_from=TODAY(), valid_to=TODAY())
    assert quote(paper, france, employee_in(france).user).source == "contract"


def test_of_two_contracts_the_lower_price_wins(paper, france, employee_in):
    cheaper = ContractFactory(number="CT-OTHER", supplier=paper.supplier, legal_entity=france)
    contract_price(cheaper, paper, 870)
    assert quote(paper, france, employee_in(france).user, Decimal(1)).contract.contract_number == "CT-OTHER"
    assert quote(paper, france, employee_in(france).user, Decimal(1)).price == Money(Decimal("8.70"), "EUR")


def test_the_catalog_page_shows_the_contract_price_and_its_tiers(client, paper, france, employee_in):
    client.force_login(employee_in(france).user)
    page = client.get("/catalog/", {"q": "A4"}).content.decode()
    assert "9.00\xa0EUR" in page
    assert "Contract FA-2026-01" in page
    assert "from 10: 8.50\xa0EUR, from 100: 8.00\xa0EUR" in page


def test_the_catalog_api_says_where_the_price_comes_from(api_client, paper, france, employee_in):
    other = CatalogItemFactory(supplier=paper.supplier, sku="A3-500", base_price_minor=2000)
    user = employee_in(france).user
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    body = api_client.get("/api/v1/catalog/items/", {"supplier": "PAPERCO"}).json()
    by_sku = {row["sku"]: row for row in body["results"]}
    assert by_sku["A4-500"]["price"] == {"amount": "9.00", "currency": "EUR"}
    assert by_sku["A4-500"]["price_source"] == "contract"
    assert by_sku["A4-500"]["contract"] == "FA-2026-01"
    assert by_sku["A4-500"]["price_tiers"] == [
        {"min_quantity": "10", "price": {"amount": "8.50", "currency": "EUR"}},
        {"min_quantity": "100", "price": {"amount": "8.00", "currency": "EUR"}},
    ]
    assert by_sku[other.sku]["price"] == {"amount": "16.00", "currency": "EUR"}
    assert (by_sku[other.sku]["price_source"], by_sku[other.sku]["contract"]) == ("price_list", None)
    assert by_sku[other.sku]["price_tiers"] == []
