"""The demo has a received order: alice's lab trolleys, received by alice; wendy works at the loading dock."""

from io import StringIO

from django.core.management import call_command

from orders.models import PurchaseOrder
from procurement.models import Employee
from receiving.models import GoodsReceipt


def test_the_demo_has_an_order_received_by_alice_and_a_warehouse_clerk(demo):
    call_command("seed_demo", stdout=StringIO())  # loaded again: nothing is received twice

    order = PurchaseOrder.objects.get(requisition__title="Lab trolleys", requisition__requester__user__username="alice")
    receipt = GoodsReceipt.objects.get(purchase_order=order)
    assert (order.status, order.requisition.status) == ("received", "received")
    assert (receipt.status, receipt.received_by.user.username) == ("posted", "alice")
    assert [(line.quantity, line.received_quantity) for line in order.lines.all()] == [(2, 2)]
    wendy = Employee.objects.get(user__username="wendy")
    assert list(wendy.roles.values_list("code", flat=True)) == ["warehouse"]
