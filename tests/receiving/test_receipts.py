"""Goods receipts: partial and full, rejected goods, over-receipt and its tolerance, services by amount,
reversal, and orders that cannot be received. Posted as the pages and the API post them (p2p.receipts)."""

from decimal import Decimal

import pytest

from orders.models import PurchaseOrder
from orders.order_progress import purchase_order_close
from p2p.receipts import goods_receipt_post, goods_receipt_reverse_post
from procurement.models import AuditEvent
from receiving.errors import GoodsReceiptTransitionNotAllowed, OrderNotReceivable, OverReceipt, ReceiptInvalid
from receiving.models import GoodsReceipt, ReceivingSettings
from receiving.services import ReceiptLineInput
from requisitions.models import RequisitionStatus

from .conftest import order_of, person

pytestmark = pytest.mark.usefixtures("organisation")


def receive(order: PurchaseOrder, *quantities: tuple[int, str], by: str = "alice", **kwargs) -> GoodsReceipt:
    """Receive (line number, quantity) pairs on the order."""
    lines = {line.line_number: line for line in order.lines.all()}
    inputs = [ReceiptLineInput(line=lines[number].pk, quantity=Decimal(quantity)) for number, quantity in quantities]
    return goods_receipt_post(order=order, lines=inputs, note=kwargs.pop("note", ""), by=person(by), **kwargs)


def counts(order: PurchaseOrder) -> list[tuple[int, str, str]]:
    return [
        (line.line_number, str(line.received_quantity.normalize()), str(line.rejected_quantity.normalize()))
        for line in order.lines.order_by("line_number")
    ]


def test_three_of_five_is_partly_received_and_the_last_two_receive_the_order_and_its_requisition():
    order = order_of([("Nitrile gloves, box", "5", "8.00")])

    first = receive(order, (1, "3"), note="Pallet 1 of 2")

    order.refresh_from_db()
    assert (first.number, first.note, first.status) == ("GR-FR-ORG-000001", "Pallet 1 of 2", "posted")
    assert order.status == "partly_received" and counts(order) == [(1, "3", "0")]
    assert order.requisition.status == RequisitionStatus.ORDERED

    receive(order, (1, "2"))

    order.refresh_from_db()
    order.requisition.refresh_from_db()
    assert order.status == "received" and counts(order) == [(1, "5", "0")]
    assert order.requisition.status == RequisitionStatus.RECEIVED
    assert list(order.events.values_list("to_status", "comment").order_by("id"))[-2:] == [
        ("partly_received", "Goods receipt GR-FR-ORG-000001"),
        ("received", "Goods receipt GR-FR-ORG-000002"),
    ]


def test_rejected_goods_are_counted_apart_with_their_reason_and_stay_outstanding():
    order = order_of([("Pipette tips", "5", "4.00")])
    line = order.lines.get()

    receipt = goods_receipt_post(
        order=order,
        lines=[
            ReceiptLineInput(
                line=line.pk, quantity=Decimal(3), rejected=Decimal(2), reason="damaged", reason_text="Box crushed"
            )
        ],
        note="",
        by=person("alice"),
    )

    line.refresh_from_db()
    assert counts(order) == [(1, "3", "2")] and line.outstanding_quantity == 2
    assert receipt.lines.get().rejection_text == "Damaged: Box crushed"
    with pytest.raises(ReceiptInvalid) as no_reason:
        goods_receipt_post(
            order=order, lines=[ReceiptLineInput(line=line.pk, rejected=Decimal(1))], note="", by=person("alice")
        )
    assert no_reason.value.message == "Line 1: say why 1 was rejected."


def test_more_than_outstanding_is_refused_naming_the_line_and_nothing_is_written():
    order = order_of([("Lab coat", "1", "30.00"), ("Safety glasses", "5", "12.00")])

    with pytest.raises(OverReceipt) as refused:
        receive(order, (1, "1"), (2, "7"))

    assert refused.value.message == "Line 2: 7 received, only 5 outstanding."
    assert refused.value.code == "over_receipt"
    assert GoodsReceipt.objects.count() == 0 and counts(order) == [(1, "0", "0"), (2, "0", "0")]


@pytest.mark.parametrize(
    ("quantity", "refusal"),
    [
        ("10.5", None),  # under the tolerance
        ("11", None),  # at it
        ("11.001", "Line 1: 11.001 received, only 10 outstanding (11 with the 10 % over-receipt tolerance)."),
    ],
)
def test_the_entity_over_receipt_tolerance_at_under_and_over(organisation, quantity, refusal):
    ReceivingSettings.objects.create(legal_entity=organisation.france, over_receipt_percent=Decimal(10))
    order = order_of([("Cable ties, pack", "10", "2.00")])

    if refusal:
        with pytest.raises(OverReceipt) as refused:
            receive(order, (1, quantity))
        assert refused.value.message == refusal
    else:
        receive(order, (1, quantity))
        order.refresh_from_db()
        assert order.status == "received" and counts(order) == [(1, str(Decimal(quantity).normalize()), "0")]


def test_a_reversal_restores_the_counts_and_the_statuses_and_is_logged_not_deleted():
    order = order_of([("Centrifuge tubes", "5", "6.00")])
    receipt = receive(order, (1, "5"))

    reversed_receipt = goods_receipt_reverse_post(
        receipt=receipt, reason="Counted the wrong pallet", by=person("alice")
    )

    order.refresh_from_db()
    order.requisition.refresh_from_db()
    assert counts(order) == [(1, "0", "0")]
    assert order.status == "manual" and order.requisition.status == RequisitionStatus.ORDERED
    assert (reversed_receipt.status, reversed_receipt.reversal_reason, reversed_receipt.reversed_by) == (
        "reversed",
        "Counted the wrong pallet",
        person("alice"),
    )
    assert GoodsReceipt.objects.filter(pk=receipt.pk, status="reversed").exists()
    event = AuditEvent.objects.get(event_type="receiving.goods_receipt.status")
    assert event.data == {"from": "posted", "to": "reversed", "comment": "Counted the wrong pallet"}
    with pytest.raises(GoodsReceiptTransitionNotAllowed) as again:
        goods_receipt_reverse_post(receipt=receipt, reason="Twice", by=person("alice"))
    assert (again.value.code, again.value.status) == ("already_reversed", 409)
    with pytest.raises(ReceiptInvalid, match=r"^Say why the receipt is reversed\.$"):
        goods_receipt_reverse_post(receipt=receive(order, (1, "1")), reason="  ", by=person("alice"))


def test_a_service_is_received_by_amount_up_to_what_was_ordered():
    # a lump sum (unit LS) is received by amount
    order = order_of([("Calibration of balances", "1", "1000.00")], unit="LS")
    line = order.lines.get()
    assert line.receipt_by_amount is True
    assert order_of([("Balance", "1", "10.00")]).lines.get().receipt_by_amount is False

    def by_amount(amount: str, **extra) -> GoodsReceipt:
        given = ReceiptLineInput(line=line.pk, amount=Decimal(amount), **extra)
        return goods_receipt_post(order=order, lines=[given], note="", by=person("alice"))

    by_amount("400")
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.status, line.received_amount_minor, line.received_quantity) == ("partly_received", 40000, 0)
    with pytest.raises(OverReceipt) as refused:
        by_amount("600.01")
    assert refused.value.message == "Line 1: 600.01\xa0EUR received, only 600.00\xa0EUR outstanding."
    with pytest.raises(ReceiptInvalid, match="is a service received by amount"):
        by_amount("0", quantity=Decimal(1))
    by_amount("600")
    order.refresh_from_db()
    assert order.status == "received"


def test_a_closed_order_cannot_be_received_nor_its_receipts_reversed():
    order = order_of([("Fume hood filter", "2", "80.00")])
    receipt = receive(order, (1, "1"))
    purchase_order_close(order=order, by=person("frank"), comment="The supplier stopped making it")

    with pytest.raises(OrderNotReceivable) as refused:
        receive(order, (1, "1"))
    assert refused.value.message == f"{order.number} cannot be received: it is closed."
    with pytest.raises(OrderNotReceivable, match="its receipts can no longer be reversed"):
        goods_receipt_reverse_post(receipt=receipt, reason="Wrong", by=person("alice"))


def test_nothing_received_and_bad_numbers_are_refused_in_words():
    order = order_of([("Beakers", "4", "3.00")])
    line = order.lines.get()

    def refusal(**given) -> str:
        with pytest.raises(ReceiptInvalid) as refused:
            goods_receipt_post(
                order=order, lines=[ReceiptLineInput(line=line.pk, **given)], note="", by=person("alice")
            )
        return refused.value.message

    assert refusal() == "Nothing to receive: enter what arrived on at least one line."
    assert refusal(quantity=Decimal("-1")) == "Line 1: the received quantity cannot be negative."
    assert refusal(quantity=Decimal("1.0001")) == "Line 1: the received quantity has more than 3 decimals."
    assert refusal(quantity=Decimal("1"), rejected=Decimal("1"), reason="lost") == (
        "Line 1: 'lost' is not a reason for rejecting (damaged, excess, other, quality, wrong_item)."
    )
