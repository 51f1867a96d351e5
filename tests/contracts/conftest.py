from decimal import Decimal

import pytest

from procurement.models import Contract, Role
from requisitions.services import requisition_create
from tests.contracts.factories import ContractFactory, contract_price
from tests.factories import CatalogItemFactory, CostCentreFactory, EmployeeFactory, PriceListFactory, SupplierFactory


@pytest.fixture
def requester(france):
    employee = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER])
    employee.default_cost_centre = CostCentreFactory(legal_entity=france, code="FR-CC")
    employee.save()
    return employee


@pytest.fixture
def buyer(france):
    return EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER, Role.BUYER])


@pytest.fixture
def paper(france):
    """A4 paper at 10.00 EUR (20 % off on France's price list) and toner at 50.00 from Paper & Co; France's
    framework agreement FA-2026-01 (cap 10,000.00 EUR, 30 days net, 2 % within 10 days) prices paper at 9.00,
    8.50 from 10 boxes and 8.00 from 100, toner at 45.00."""
    supplier = SupplierFactory(code="PAPERCO", name="Paper & Co")
    item = CatalogItemFactory(supplier=supplier, sku="A4-500", name="A4 paper", base_price_minor=1000, unit="BX")
    toner = CatalogItemFactory(supplier=supplier, sku="TONER-1", name="Toner", base_price_minor=5000)
    PriceListFactory(percent_off=Decimal("20"), legal_entities=[france])
    contract = ContractFactory(
        number="FA-2026-01",
        title="Office paper 2026",
        kind=Contract.Kind.FRAMEWORK,
        supplier=supplier,
        legal_entity=france,
        cap_minor=1_000_000,
        payment_net_days=30,
        early_discount_percent=Decimal(2),
        early_discount_days=10,
    )
    contract_price(contract, item, 900, tiers=[(10, 850), (100, 800)])
    contract_price(contract, toner, 4500)
    return item


@pytest.fixture
def toner(paper):
    return paper.supplier.catalog_items.get(sku="TONER-1")


@pytest.fixture
def framework(paper):
    return Contract.objects.get(number="FA-2026-01")


@pytest.fixture
def cart(requester, france):
    return requisition_create(by=requester, legal_entity=france, title="Paper")
