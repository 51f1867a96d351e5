"""An order's outbox row and an order change move only along their tables, and every move leaves one audit
event with where it came from and where it went."""

import pytest
from django.utils import timezone

from orders.errors import OrderChangeTransitionNotAllowed, TransmissionTransitionNotAllowed
from orders.models import OrderChange, PurchaseOrder, Transmission
from orders.transitions import (
    ORDER_CHANGE_ALLOWED,
    TRANSMISSION_ALLOWED,
    order_change_status_move,
    transmission_status_move,
)
from orders.transmission import transmission_send
from procurement.models import AuditEvent
from requisitions.services import requisition_create

from .conftest import alice, cxml_supplier, ordered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("auto_approve")]

T = Transmission.Status
C = OrderChange.Status


def logged(event_type: str, obj) -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(
        event_type=event_type, object_type=obj._meta.label, object_id=str(obj.pk)
    ).order_by("pk")
    return [(event.data["from"], event.data["to"]) for event in events]


@pytest.fixture
def order(endpoint) -> PurchaseOrder:
    """An order to a cXML supplier whose outbox row waits (nothing is sent: no commit runs)."""
    requisition = ordered([(cxml_supplier("ACMETOOLS", endpoint.url), "Drill", "1", "10.00")])
    return requisition.purchase_orders.get()


def transmission_in(order: PurchaseOrder, status: str) -> Transmission:
    Transmission.objects.filter(purchase_order=order).update(status=status)
    transmission = order.transmissions.get()
    AuditEvent.objects.filter(event_type="orders.transmission.status").delete()
    return transmission


def test_every_move_of_the_transmission_table_logs_one_event_and_every_other_is_refused(order):
    for from_status in T.values:
        for to_status in T.values:
            if to_status == from_status:
                continue
            transmission = transmission_in(order, from_status)
            if to_status in TRANSMISSION_ALLOWED[from_status]:
                transmission_status_move(transmission=transmission, to_status=to_status, by=None, comment="Test")
                transmission.refresh_from_db()
                assert transmission.status == to_status
                assert logged("orders.transmission.status", transmission) == [(from_status, to_status)]
                event = AuditEvent.objects.get(event_type="orders.transmission.status")
                assert event.data == {"from": from_status, "to": to_status, "comment": "Test"}
                assert event.legal_entity_id == order.legal_entity_id
            else:
                with pytest.raises(TransmissionTransitionNotAllowed) as refused:
                    transmission_status_move(transmission=transmission, to_status=to_status, by=None)
                assert refused.value.code == "transition_not_allowed"
                assert refused.value.status == 409
                transmission.refresh_from_db()
                assert transmission.status == from_status
                assert logged("orders.transmission.status", transmission) == []


def test_a_refused_transmission_move_names_both_statuses(order):
    transmission = transmission_in(order, T.SENT)

    with pytest.raises(TransmissionTransitionNotAllowed) as refused:
        transmission_status_move(transmission=transmission, to_status=T.FAILED, by=None)

    assert refused.value.message == "The transmission is sent: it cannot become failed."


def test_a_transmission_sent_to_the_supplier_logs_pending_sending_sent(order, endpoint):
    transmission = order.transmissions.get()
    assert transmission.status == T.PENDING

    assert transmission_send(transmission_id=transmission.pk) == "sent"

    assert logged("orders.transmission.status", transmission) == [(T.PENDING, T.SENDING), (T.SENDING, T.SENT)]
    assert endpoint.orders() == {order.number}


def test_a_transmission_retried_then_sent_logs_every_move_in_order(order, endpoint):
    transmission = order.transmissions.get()
    endpoint.failure_rate = 1.0
    assert transmission_send(transmission_id=transmission.pk) == "retry"
    endpoint.failure_rate = 0.0
    Transmission.objects.filter(pk=transmission.pk).update(next_attempt_at=timezone.now())  # the retry is due

    assert transmission_send(transmission_id=transmission.pk) == "sent"

    assert logged("orders.transmission.status", transmission) == [
        (T.PENDING, T.SENDING),
        (T.SENDING, T.RETRYING),
        (T.RETRYING, T.SENDING),
        (T.SENDING, T.SENT),
    ]


def order_change_in(order: PurchaseOrder, status: str, n: int) -> OrderChange:
    requisition = requisition_create(by=alice(), legal_entity=order.legal_entity, title=f"Change {n}")
    return OrderChange.objects.create(
        purchase_order=order, requisition=requisition, changes=[{"line": 1, "quantity": "2"}], status=status
    )


def test_every_move_of_the_order_change_table_logs_one_event_and_every_other_is_refused(order):
    n = 0
    for from_status in C.values:
        for to_status in C.values:
            if to_status == from_status:
                continue
            n += 1
            change = order_change_in(order, from_status, n)
            if to_status in ORDER_CHANGE_ALLOWED[from_status]:
                order_change_status_move(change=change, to_status=to_status, by=None, comment="Test")
                change.refresh_from_db()
                assert change.status == to_status
                assert logged("orders.order_change.status", change) == [(from_status, to_status)]
            else:
                with pytest.raises(OrderChangeTransitionNotAllowed) as refused:
                    order_change_status_move(change=change, to_status=to_status, by=None)
                assert refused.value.code == "transition_not_allowed"
                change.refresh_from_db()
                assert change.status == from_status
                assert logged("orders.order_change.status", change) == []
