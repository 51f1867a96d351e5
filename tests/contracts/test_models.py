"""What the database refuses of a contract, its prices and its ledger, whoever writes them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from procurement.models import ContractLedgerEntry, ContractPriceTier
from tests.contracts.factories import ContractFactory, contract_price
from tests.factories import CatalogItemFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def test_a_contract_cannot_end_before_it_starts():
    contract = ContractFactory.build(valid_from=datetime.date(2026, 6, 1), valid_to=datetime.date(2026, 5, 31))
    with pytest.raises(ValidationError) as caught:
        contract.clean()
    assert caught.value.message_dict == {"valid_to": ["The end comes before the start."]}


def test_the_discount_period_fits_the_payment_term():
    contract = ContractFactory.build(payment_net_days=30, early_discount_percent=Decimal(2), early_discount_days=45)
    with pytest.raises(ValidationError) as caught:
        contract.clean()
    assert caught.value.message_dict == {
        "early_discount_days": ["The discount period cannot be longer than the payment term."]
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"cap_minor": 0},
        {"minimum_order_minor": -1},
        {"early_discount_percent": Decimal("100.01")},
        {"payment_net_days": 366},
        {"payment_net_days": 10, "early_discount_days": 11},
        {"valid_from": datetime.date(2026, 6, 2), "valid_to": datetime.date(2026, 6, 1)},
    ],
)
def test_the_database_refuses_what_clean_refuses(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractFactory(**fields)


def test_a_tier_once_per_quantity_and_a_ledger_entry_once_per_source():
    contract = ContractFactory(cap_minor=100_000)
    price = contract_price(contract, CatalogItemFactory(supplier=contract.supplier), 1000, tiers=[(10, 900)])
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractPriceTier.objects.create(price=price, min_quantity=Decimal("10.000"), unit_price_minor=800)
    ContractLedgerEntry.objects.create(
        contract=contract, kind="committed", amount_minor=500, currency="EUR", reference="purchase_order:1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractLedgerEntry.objects.create(
            contract=contract, kind="committed", amount_minor=700, currency="EUR", reference="purchase_order:1"
        )


def test_a_price_is_for_an_item_of_the_contracts_supplier():
    contract = ContractFactory()
    other = CatalogItemFactory(supplier=SupplierFactory())
    price = contract_price(contract, other, 1000)
    with pytest.raises(ValidationError) as caught:
        price.clean()
    assert caught.value.message_dict == {"item": ["The item is not the contract's supplier's."]}
