"""Demo data of contracts (idempotent): ACME-FR's framework agreement with Burotec for office supplies, cap
20,000.00 EUR of which 14,000.00 (70 %) is committed, 30 days net with 2 % off within 10 days, and tiered prices
on pens, markers and envelopes (the catalog and the requisitions of alice show them)."""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from procurement.contract_ledger import ContractSpend, contract_spend_commit
from procurement.models import CatalogItem, Contract, ContractPrice, ContractPriceTier, Employee, LegalEntity, Supplier

NUMBER = "FA-ACME-FR-2026"
# SKU, unit price (minor units), tiers (from quantity, unit price in minor units)
PRICES = [
    ("BT-PEN-BLA-10", 290, [(Decimal(10), 270), (Decimal(50), 250)]),
    ("BT-WBM-BLA", 1150, [(Decimal(20), 1050), (Decimal(100), 990)]),
    ("BT-ENV-C4-W", 1690, [(Decimal(10), 1590)]),
]
CAP_MINOR = 2_000_000
COMMITTED_MINOR = 1_400_000  # 70 % of the cap


@transaction.atomic
def seed(report: Callable[[str], None]) -> None:
    entity = LegalEntity.objects.filter(code="ACME-FR").first()
    supplier = Supplier.objects.filter(code="BUROTEC").first()
    if entity is None or supplier is None:
        return
    today = timezone.localdate()
    contract, _ = Contract.objects.update_or_create(
        number=NUMBER,
        defaults={
            "title": "Office supplies framework agreement",
            "kind": Contract.Kind.FRAMEWORK,
            "status": Contract.Status.ACTIVE,
            "supplier": supplier,
            "legal_entity": entity,
            "owner": Employee.objects.filter(user__username="frank").first(),
            "valid_from": datetime.date(today.year, 1, 1),
            "valid_to": datetime.date(today.year + 1, 12, 31),
            "currency": "EUR",
            "cap_minor": CAP_MINOR,
            "minimum_order_minor": 5000,
            "payment_net_days": 30,
            "early_discount_percent": Decimal(2),
            "early_discount_days": 10,
        },
    )
    items = {item.sku: item for item in CatalogItem.objects.filter(supplier=supplier, sku__in=[p[0] for p in PRICES])}
    for sku, unit_price_minor, tiers in PRICES:
        if sku not in items:
            continue
        price, _ = ContractPrice.objects.update_or_create(
            contract=contract, item=items[sku], defaults={"unit_price_minor": unit_price_minor, "currency": "EUR"}
        )
        price.tiers.all().delete()
        ContractPriceTier.objects.bulk_create(
            ContractPriceTier(price=price, min_quantity=quantity, unit_price_minor=minor) for quantity, minor in tiers
        )
    # What was ordered under the agreement before the product was used: 70 % of the cap.
    contract_spend_commit(
        spends=[ContractSpend(contract.pk, COMMITTED_MINOR, "EUR", "opening balance (orders before go-live)")]
    )
    report(f"contracts: {NUMBER} with Burotec for ACME-FR, 70 % of its 20,000.00 EUR cap committed")
