from decimal import Decimal

import pytest

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from p2p.submit_to_order import requisition_submit
from procurement.models import Employee, Supplier
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories_documents import CxmlSupplierFactory, EmailSupplierFactory, Organisation, buying_organisation

from .supplier_endpoint import SECRET, SupplierEndpoint


@pytest.fixture
def organisation(db) -> Organisation:
    """Who buys, built for the test: alice requests, bob and carol approve, erin is finance, frank the buyer."""
    return buying_organisation()


@pytest.fixture
def burotec(db) -> Supplier:
    """A supplier that takes its orders by e-mail, with the PDF attached."""
    return EmailSupplierFactory(
        code="BUROTEC", name="Burotec Fournitures SARL", order_email="commandes@burotec.example"
    )


@pytest.fixture
def auto_approve(organisation):
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
    return CxmlSupplierFactory(code=code, order_url=url, order_shared_secret=secret)


def alice() -> Employee:
    """The requester of `buying_organisation()` (the `organisation` fixture)."""
    return Employee.objects.select_related("user", "default_legal_entity").get(user__username="alice")


def ordered(lines: list[tuple[Supplier | None, str, str, str]], title: str = "Order test"):
    """Submit a requisition of (supplier, description, quantity, unit price EUR) lines; auto-approved."""
    cart = requisition_create(by=alice(), legal_entity=alice().default_legal_entity, title=title)
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
