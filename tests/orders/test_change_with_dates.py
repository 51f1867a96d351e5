"""A buyer's change on an ordered line that has a needed-by date (issue 13, defect 14)."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from orders.errors import OrderError
from orders.models import OrderChange, PurchaseOrder
from orders.order_changes import LineChange
from p2p.submit_to_order import purchase_order_change, requisition_submit
from procurement.models import Employee
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text

from .conftest import alice, cxml_supplier

pytestmark = pytest.mark.usefixtures("auto_approve")

NEEDED_BY = date(2026, 12, 10)


def frank() -> Employee:
    return Employee.objects.select_related("user").get(user__username="frank")


def dated_order(url: str) -> PurchaseOrder:
    supplier = cxml_supplier("ACMETOOLS", url)
    cart = requisition_create(by=alice(), legal_entity=alice().default_legal_entity, title="Dated", needed_by=NEEDED_BY)
    requisition_line_add_free_text(
        requisition=cart,
        by=alice(),
        description="Torque wrench",
        quantity=Decimal(2),
        unit="EA",
        unit_price=Money(Decimal("10.00"), "EUR"),
        supplier=supplier,
        unspsc="41121500",
    )
    return requisition_submit(requisition=cart, by=alice()).purchase_orders.get()


def test_raising_a_quantity_on_a_dated_line_on_the_page_asks_for_approval(endpoint, client):
    order = dated_order(endpoint.url)
    assert order.lines.get().needed_by == NEEDED_BY
    client.force_login(frank().user)
    # The form sends every field back: the raised quantity with the unchanged date.
    response = client.post(
        f"/purchase-orders/{order.pk}/change/", {"quantity-1": "5", "needed_by-1": "2026-12-10", "note": "More"}
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert not any("Nothing changed" in text for text in texts), texts
    change = OrderChange.objects.get(purchase_order=order)
    assert change.changes == [{"line": 1, "quantity": "5"}]
    order.refresh_from_db()
    line = order.lines.get()
    # Auto-approved here: the raised quantity reached the order, the date is kept.
    assert (line.quantity, line.needed_by, order.revision) == (5, NEEDED_BY, 2)


def test_the_service_ignores_an_unchanged_date_given_as_a_date_time_or_text(endpoint):
    order = dated_order(endpoint.url)
    midnight = datetime(2026, 12, 10, tzinfo=timezone(timedelta(hours=1)))
    purchase_order_change(order=order, by=frank(), changes=[LineChange(1, quantity=Decimal(3), needed_by=midnight)])
    order.refresh_from_db()
    assert (order.lines.get().quantity, order.lines.get().needed_by) == (3, NEEDED_BY)
    with pytest.raises(OrderError, match="Nothing changed"):
        purchase_order_change(order=order, by=frank(), changes=[LineChange(1, needed_by="2026-12-10")])


def test_moving_the_date_and_raising_the_quantity_sends_the_date_now(endpoint, django_capture_on_commit_callbacks):
    from approvals.models import PurchasingRule

    PurchasingRule.objects.filter(effect=PurchasingRule.Effect.AUTO_APPROVE).update(max_amount_minor=2000)
    order = dated_order(endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_change(
            order=order, by=frank(), changes=[LineChange(1, quantity=Decimal(9), needed_by=date(2026, 12, 20))]
        )
    order.refresh_from_db()
    line = order.lines.get()
    assert (line.quantity, line.needed_by, order.revision) == (2, date(2026, 12, 20), 2)
    assert OrderChange.objects.get(purchase_order=order).status == "pending"


def test_a_date_that_is_not_one_is_refused_on_the_page(endpoint, client):
    order = dated_order(endpoint.url)
    client.force_login(frank().user)
    response = client.post(f"/purchase-orders/{order.pk}/change/", {"quantity-1": "2", "needed_by-1": "2026-02-30"})
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["Line 1: '2026-02-30' is not a date (YYYY-MM-DD)."]
    order.refresh_from_db()
    assert order.revision == 1 and order.lines.get().needed_by == NEEDED_BY
