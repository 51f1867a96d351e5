from decimal import Decimal

import pytest

from procurement.models import CostCentre, Role
from requisitions.services import CatalogPick, requisition_create, requisition_lines_add_from_catalog
from tests.factories import CatalogItemFactory, CostCentreFactory, EmployeeFactory, SupplierFactory


@pytest.fixture
def requester(france, sweden):
    """An engineer in both test entities, charging FR-CC by default and allowed FR-LAB2 too; their manager
    approves what they submit (approvals take part in every submission)."""
    employee = EmployeeFactory(legal_entities=[france, sweden], roles=[Role.REQUESTER])
    employee.default_cost_centre = CostCentreFactory(legal_entity=france, code="FR-CC")
    employee.manager = EmployeeFactory(legal_entities=[france, sweden], job_title="Team lead")
    employee.save()
    employee.cost_centres.add(
        CostCentreFactory(legal_entity=france, code="FR-LAB2"), CostCentreFactory(legal_entity=sweden, code="SE-CC")
    )
    return employee


@pytest.fixture
def items(france):
    supplier = SupplierFactory(code="OFFICE", name="Office Ltd")
    return {
        sku: CatalogItemFactory(supplier=supplier, sku=sku, name=name, base_price_minor=price)
        for sku, name, price in [
            ("PEN-1", "Blue pen", 150),
            ("PAD-1", "Note pad", 320),
            ("INK-1", "Ink", 1999),
            ("CLIP-1", "Paper clips", 99),
            ("TAPE-1", "Tape", 450),
        ]
    }


@pytest.fixture
def cart(requester, france):
    return requisition_create(by=requester, legal_entity=france, title="Office things")


@pytest.fixture
def filled_cart(cart, requester, items):
    requisition_lines_add_from_catalog(
        requisition=cart,
        by=requester,
        picks=[
            CatalogPick(item=items["PEN-1"], quantity=Decimal(10)),
            CatalogPick(item=items["INK-1"], quantity=Decimal(2)),
        ],
    )
    cart.refresh_from_db()
    return cart


@pytest.fixture
def cost_centre(france):
    return CostCentre.objects.get(legal_entity=france, code="FR-LAB2")
