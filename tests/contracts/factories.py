"""Contracts, their prices and tiers, built as a buyer sets them up."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from procurement.models import Contract, ContractPrice, ContractPriceTier
from tests.factories import LegalEntityFactory, SupplierFactory


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"CT-{n:04d}")
    title = factory.Sequence(lambda n: f"Contract {n}")
    kind = Contract.Kind.CONTRACT
    status = Contract.Status.ACTIVE
    supplier = factory.SubFactory(SupplierFactory)
    legal_entity = factory.SubFactory(LegalEntityFactory)
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=335))
    currency = factory.LazyAttribute(lambda o: o.supplier.currency)
    payment_net_days = 30


def contract_price(contract: Contract, item, unit_price_minor: int, tiers=()) -> ContractPrice:
    """`item` at `unit_price_minor` under `contract`, with tiers [(min quantity, unit price minor), …]."""
    price = ContractPrice.objects.create(
        contract=contract, item=item, unit_price_minor=unit_price_minor, currency=contract.currency
    )
    ContractPriceTier.objects.bulk_create(
        ContractPriceTier(price=price, min_quantity=Decimal(str(quantity)), unit_price_minor=minor)
        for quantity, minor in tiers
    )
    return price
