from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from p2p.submit_to_order import requisition_submit
from procurement.models import Employee, LegalEntity, Supplier
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text

from .supplier_endpoint import SECRET, SupplierEndpoint


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def auto_approve(demo):
    """Every requisition is approved at submission: these tests are about what comes after."""
    return purchasing_rule_save(
        rule=PurchasingRule(name="Approve everything", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
    )


@pytest.fixture
def endpoint():
    running = SupplierEndpoint()
    yield running
    running.close()


def cxml_supplier(code: str, url: str, secret: str = SECRET) -> Supplier:
    return Supplier.objects.create(
        code=code,
        name=f"{code.title()} Ltd",
        currency="EUR",
        address="1 Supply Road\n75001 Paris\nFrance",
        order_method=Supplier.OrderMethod.CXML,
        order_url=url,
        order_from_domain="DUNS",
        order_from_identity="ACME-CATALOG",
        order_to_domain="DUNS",
        order_to_identity=f"{code}-ID",
        order_sender_domain="DUNS",
        order_sender_identity="ACME-CATALOG",
        order_shared_secret=secret,
        order_email=f"orders@{code.lower()}.example",
    )


def alice() -> Employee:
    return Employee.objects.select_related("user").get(user__username="alice")


def ordered(lines: list[tuple[Supplier | None, str, str, str]], title: str = "Order test"):
    """Submit a requisition of (supplier, description, quantity, unit price EUR) lines; auto-approved."""
    cart = requisition_create(by=alice(), legal_entity=LegalEntity.objects.get(code="ACME-FR"), title=title)
    for supplier, description, quantity, price in lines:
        requisition_line_add_free_text(
            requisition=cart,
            by=alice(),
            description=description,
            quantity=Decimal(quantity),
            unit="EA",
            unit_price=Money(Decimal(price), "EUR"),
            supplier=supplier,
            unspsc="41121500",
        )
    return requisition_submit(requisition=cart, by=alice())
