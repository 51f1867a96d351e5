"""Twenty requisitions approved at the same moment in one legal entity get twenty consecutive order numbers."""

from decimal import Decimal

import pytest

from orders.models import PurchaseOrder
from p2p.submit_to_order import requisition_submit
from procurement.models import Supplier
from procurement.money import Money
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.concurrency import run_concurrently

from .conftest import alice

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("auto_approve")]


def test_twenty_approvals_at_once_get_twenty_consecutive_numbers():
    supplier = Supplier.objects.create(code="RACE", name="Race supplies", currency="EUR")  # sent by hand
    france = alice().default_legal_entity
    carts = []
    for n in range(20):
        cart = requisition_create(by=alice(), legal_entity=france, title=f"race {n}")
        requisition_line_add_free_text(
            requisition=cart,
            by=alice(),
            description="Part",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal("5"), "EUR"),
            supplier=supplier,
        )
        carts.append(cart)
    results = run_concurrently([lambda cart=cart: requisition_submit(requisition=cart, by=alice()) for cart in carts])
    assert all(isinstance(result, Requisition) for result in results), results
    numbers = sorted(int(number[-6:]) for number in PurchaseOrder.objects.values_list("number", flat=True))
    assert len(numbers) == 20 and numbers == list(range(numbers[0], numbers[0] + 20))
