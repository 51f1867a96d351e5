"""A purchase order's status moves only along its table, and every move leaves one row in its history."""

import itertools
import re

import pytest

from orders.errors import PurchaseOrderTransitionNotAllowed
from orders.models import PurchaseOrder, PurchaseOrderEvent
from orders.services import purchase_order_issue
from orders.transitions import ALLOWED, purchase_order_created_record, purchase_order_status_move
from orders.transmission import transmission_mark_sent
from procurement.models import Role, Supplier
from tests.factories import EmployeeFactory, SupplierFactory, requisition_for

pytestmark = pytest.mark.django_db

S = PurchaseOrder.Status


@pytest.fixture
def buyer(france):
    return EmployeeFactory(legal_entities=[france], roles=[Role.BUYER])


@pytest.fixture
def make_order(france, buyer):
    """An order of a supplier sent to by hand, in `status`, with its creation in the history."""
    requisition = requisition_for(buyer, france, title="Paper")
    supplier = SupplierFactory(code="PAPER", order_method=Supplier.OrderMethod.NONE)
    made = itertools.count(1)

    def make(status: str) -> PurchaseOrder:
        order = PurchaseOrder.objects.create(
            legal_entity=france,
            number=f"PO-{next(made):06d}",
            supplier=supplier,
            currency="EUR",
            requisition=requisition,
            status=S.HELD,
            method=supplier.order_method,
        )
        purchase_order_created_record(order=order, by=buyer)
        # Setting up a status the table reaches only through other documents (suppliers, the sender).
        PurchaseOrder.objects.filter(pk=order.pk).update(status=status)
        order.refresh_from_db()
        return order

    return make


def moves(order: PurchaseOrder) -> list[tuple[str, str]]:
    return list(order.events.exclude(from_status="").values_list("from_status", "to_status"))


def test_a_move_the_table_does_not_allow_is_refused_and_not_logged(make_order, buyer):
    order = make_order(S.CANCELLED)

    with pytest.raises(PurchaseOrderTransitionNotAllowed) as refused:
        purchase_order_status_move(order=order, to_status=S.ISSUED, by=buyer, comment="Again")

    assert refused.value.message == "PO-000001 is cancelled: it cannot become issued, sending."
    assert refused.value.code == "transition_not_allowed"
    assert refused.value.status == 409
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert moves(order) == []


def test_every_move_of_the_table_writes_exactly_one_row_and_every_other_is_refused(make_order, buyer):
    for from_status in S.values:
        for to_status in S.values:
            if to_status == from_status:
                continue
            order = make_order(from_status)
            if to_status in ALLOWED[from_status]:
                purchase_order_status_move(order=order, to_status=to_status, by=buyer, comment="Test")
                assert moves(order) == [(from_status, to_status)]
            else:
                with pytest.raises(PurchaseOrderTransitionNotAllowed):
                    purchase_order_status_move(order=order, to_status=to_status, by=buyer)
                assert moves(order) == []
            order.refresh_from_db()
            assert order.status == (to_status if to_status in ALLOWED[from_status] else from_status)


def test_staying_in_a_status_is_no_move(make_order, buyer):
    order = make_order(S.SENT)

    purchase_order_status_move(order=order, to_status=S.SENT, by=buyer)

    assert moves(order) == []


def test_releasing_and_sending_by_hand_log_each_move_once_with_who_and_why(make_order, buyer):
    order = make_order(S.HELD)

    purchase_order_issue(order=order, by=buyer)
    transmission_mark_sent(order=order, by=buyer, note="Phoned through")

    events = list(order.events.order_by("created_at", "id"))
    assert [(e.from_status, e.to_status, e.by_id, e.comment) for e in events] == [
        ("", S.HELD, buyer.pk, ""),
        (S.HELD, S.ISSUED, buyer.pk, "Issued"),
        (S.ISSUED, S.MANUAL, buyer.pk, "Revision 1 to be sent by hand"),
        (S.MANUAL, S.SENT, buyer.pk, "Phoned through"),
    ]
    order.refresh_from_db()
    assert order.status == S.SENT
    assert PurchaseOrderEvent.objects.filter(purchase_order=order).count() == 4


def test_the_order_page_shows_its_status_history(make_order, buyer, client):
    order = make_order(S.HELD)
    purchase_order_issue(order=order, by=buyer)
    client.force_login(buyer.user)

    page = client.get(f"/purchase-orders/{order.pk}/").content.decode()

    history = page.split('id="status-history"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>", history)
    assert rows == [
        ("—", "Held for a buyer"),
        ("Held for a buyer", "Issued, sending"),
        ("Issued, sending", "To be sent by hand"),
    ]
