"""A requisition that would order more than is left of a framework agreement's cap is routed by the purchasing
rule for it (to purchasing); within the cap the rule does not apply."""

from decimal import Decimal

import pytest

from approvals.chain import approval_chain_resolve
from approvals.models import PurchasingRule
from procurement.contract_ledger import ContractSpend, contract_spend_commit
from procurement.models import Contract
from requisitions.services import CatalogPick, requisition_lines_add_from_catalog
from tests.contracts.factories import ContractFactory, contract_price
from tests.factories import CatalogItemFactory, PurchasingRuleFactory, SupplierFactory, company, requisition_for

OVER_CAP = "Over a framework agreement's cap: purchasing approves"


@pytest.fixture
def acme(db):
    """Acme's people and rules, a rule for orders beyond a cap, and ACME-FR's framework agreement with Paper & Co
    (cap 1,000.00 EUR, 900.00 committed: 100.00 left) pricing paper at 10.00 a box."""
    acme = company()
    PurchasingRuleFactory(
        name=OVER_CAP,
        position=20,
        effect=PurchasingRule.Effect.ROLE,
        role=PurchasingRule.RoleChoice.BUYER,
        over_contract_cap=True,
    )
    supplier = SupplierFactory(code="PAPERCO", name="Paper & Co")
    paper = CatalogItemFactory(supplier=supplier, sku="A4-500", base_price_minor=1200)
    contract = ContractFactory(
        number="FA-CAP", kind=Contract.Kind.FRAMEWORK, supplier=supplier, legal_entity=acme.france, cap_minor=100_000
    )
    contract_price(contract, paper, 1000)
    contract_spend_commit(spends=[ContractSpend(contract.pk, 90_000, "EUR", "purchase_order:1")])
    return acme, paper


def rules_for(acme, paper, boxes):
    cart = requisition_for(acme.alice, acme.france, title="Paper")
    requisition_lines_add_from_catalog(
        requisition=cart, by=acme.alice, picks=[CatalogPick(item=paper, quantity=Decimal(boxes))]
    )
    cart.refresh_from_db()
    return [rule.name for rule in approval_chain_resolve(requisition=cart).rules]


def test_a_requisition_beyond_the_remaining_cap_goes_to_purchasing(acme):
    acme, paper = acme
    # 11 boxes: 110.00 against 100.00 left
    assert rules_for(acme, paper, 11) == ["Manager approval up to the signing limit", OVER_CAP]


def test_a_requisition_within_the_remaining_cap_is_not_routed(acme):
    acme, paper = acme
    # 10 boxes: exactly the 100.00 left
    assert rules_for(acme, paper, 10) == ["Manager approval up to the signing limit"]
