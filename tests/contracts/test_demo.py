"""The demo's framework agreement, as a user finds it after `manage.py seed_demo`."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from procurement.contract_ledger import contract_burn_down
from procurement.models import CatalogItem, Contract, ContractLedgerEntry, Employee, LegalEntity
from procurement.selectors import catalog_item_quote, catalog_pricing_applicable


def test_the_demo_has_a_framework_agreement_at_70_percent_with_tiered_prices(demo):
    call_command("seed_demo", stdout=StringIO())  # twice: nothing doubles

    contract = Contract.objects.get(number="FA-ACME-FR-2026")
    burn = contract_burn_down(contract)
    assert (contract.kind, contract.supplier.code, contract.legal_entity.code) == ("framework", "BUROTEC", "ACME-FR")
    assert (burn.percent_used, ContractLedgerEntry.objects.filter(contract=contract).count()) == (Decimal("70.0"), 1)
    assert {price.item.sku: price.tiers.count() for price in contract.prices.select_related("item")} == {
        "BT-PEN-BLA-10": 2,
        "BT-WBM-BLA": 2,
        "BT-ENV-C4-W": 1,
    }
    alice = Employee.objects.get(user__username="alice")
    pen = CatalogItem.objects.get(sku="BT-PEN-BLA-10")
    pricing = catalog_pricing_applicable(
        legal_entity=LegalEntity.objects.get(code="ACME-FR"), user=alice.user, item_ids=[pen.pk]
    )
    quote = catalog_item_quote(item=pen, pricing=pricing, quantity=Decimal(50))
    assert (quote.source, str(quote.price)) == ("contract", "2.50\xa0EUR")
