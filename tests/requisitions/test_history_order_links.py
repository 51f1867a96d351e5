"""Issue 17: the purchase-order numbers the requisition's history names are links to their order pages."""

import pytest

from orders.models import PurchaseOrder
from requisitions.models import RequisitionEvent
from requisitions.services import requisition_event_record
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def order_of(requisition, number: str, entity) -> PurchaseOrder:
    return PurchaseOrder.objects.create(
        legal_entity=entity,
        number=number,
        supplier=SupplierFactory(code=f"S-{number}"),
        currency="EUR",
        requisition=requisition,
        status=PurchaseOrder.Status.SENT,
    )


def history_of(client, requisition) -> str:
    page = client.get(f"/requisitions/{requisition.pk}/").content.decode()
    return page.split('id="history"', 1)[1].split("</ul>", 1)[0]


def test_the_order_numbers_of_the_history_link_to_their_orders(client, requester, filled_cart, france, sweden):
    first = order_of(filled_cart, "FR-PO-000007", france)
    second = order_of(filled_cart, "FR-PO-000008", france)
    elsewhere = order_of(filled_cart, "FR-PO-000009", sweden)  # the same number shape, another entity's order
    requisition_event_record(
        requisition=filled_cart,
        kind=RequisitionEvent.Kind.EDITED,
        comment="Purchase orders FR-PO-000007, FR-PO-000008 <made>; FR-PO-000009 and FR-REQ-1 are not ours",
    )
    client.force_login(requester.user)

    history = history_of(client, filled_cart)

    assert (
        f'“Purchase orders <a href="/purchase-orders/{first.pk}/">FR-PO-000007</a>, '
        f'<a href="/purchase-orders/{second.pk}/">FR-PO-000008</a> &lt;made&gt;; '
        "FR-PO-000009 and FR-REQ-1 are not ours”" in history
    )
    assert f"/purchase-orders/{elsewhere.pk}/" not in history


def test_a_comment_without_an_order_number_stays_plain_text(client, requester, filled_cart):
    requisition_event_record(
        requisition=filled_cart, kind=RequisitionEvent.Kind.EDITED, comment="Ask <Bob> about FR-PO-000001"
    )
    client.force_login(requester.user)

    history = history_of(client, filled_cart)

    assert "“Ask &lt;Bob&gt; about FR-PO-000001”" in history and "<a " not in history
