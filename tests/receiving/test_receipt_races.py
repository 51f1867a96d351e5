"""Two receivers post at the same moment against the same order: the order's row lock makes them wait for each
other, so together they never receive more than is outstanding."""

from decimal import Decimal

import pytest

from p2p.receipts import goods_receipt_post
from receiving.errors import OverReceipt
from receiving.models import GoodsReceipt
from receiving.services import ReceiptLineInput
from tests.concurrency import run_concurrently

from .conftest import order_of, person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("organisation")]


def test_two_receipts_at_once_do_not_over_receive(warehouse):
    order = order_of([("Nitrile gloves, box", "5", "8.00")])
    line = order.lines.get()

    def receive_three(username: str):
        given = [ReceiptLineInput(line=line.pk, quantity=Decimal(3))]
        return goods_receipt_post(order=order, lines=given, note="", by=person(username))

    results = run_concurrently([lambda: receive_three("alice"), lambda: receive_three("wendy")])

    assert sorted(type(result).__name__ for result in results) == ["GoodsReceipt", "OverReceipt"]
    refused = next(result for result in results if isinstance(result, OverReceipt))
    assert refused.message == "Line 1: 3 received, only 2 outstanding."
    line.refresh_from_db()
    assert line.received_quantity == 3 and GoodsReceipt.objects.count() == 1
