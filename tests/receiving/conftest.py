"""Orders to receive, built as users make them: alice's requisition, approved at submission (a purchasing
rule approves everything), ordered from a supplier that takes its orders by hand (nothing is sent)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from orders.models import PurchaseOrder
from p2p.submit_to_order import requisition_submit
from procurement.models import Employee, Role, Supplier
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import EmployeeFactory, api_token
from tests.factories_documents import Organisation, buying_organisation


@pytest.fixture
def organisation(db) -> Organisation:
    """alice requests, bob is her lead, frank the buyer; FR-ORG and SE-ORG."""
    acme = buying_organisation()
    purchasing_rule_save(
        rule=PurchasingRule(name="Approve everything", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
    )
    return acme


@pytest.fixture
def warehouse(organisation) -> Employee:
    """wendy works at the French entity's loading dock."""
    return EmployeeFactory(user__username="wendy", legal_entities=[organisation.france], roles=[Role.WAREHOUSE])


def person(username: str) -> Employee:
    return Employee.objects.select_related("user").get(user__username=username)


def order_of(lines: list[tuple[str, str, str]], *, receiver: Employee | None = None, unit: str = "EA") -> PurchaseOrder:
    """alice's order of (description, quantity, unit price EUR) lines in `unit` from a supplier that takes orders
    by hand."""
    alice = person("alice")
    supplier, _ = Supplier.objects.get_or_create(code="DOCK", defaults={"name": "Dock supplies", "currency": "EUR"})
    cart = requisition_create(by=alice, legal_entity=alice.legal_entities.get(code="FR-ORG"), title="To receive")
    if receiver is not None:
        cart.receiver = receiver
        cart.save(update_fields=["receiver"])
    for description, quantity, price in lines:
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description=description,
            quantity=Decimal(quantity),
            unit=unit,
            unit_price=Money(Decimal(price), "EUR"),
            supplier=supplier,
        )
    requisition = requisition_submit(requisition=cart, by=alice)
    return requisition.purchase_orders.get()


def api_as(employee: Employee) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(employee.user)}")
    return client
