"""Dates a supplier writes as timestamps mean days: the day in the supplier's own offset (issue 13, defect 4)."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from orders.models import PurchaseOrder
from orders.order_documents import order_request_document
from p2p.submit_to_order import requisition_submit
from procurement.models import Employee
from procurement.money import Money
from punchout import cxml
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import api_token

from .conftest import alice, cxml_supplier
from .inbound_support import SUPPLIER_SECRET, post, status
from .supplier_documents import confirmation, item, ship_notice

pytestmark = pytest.mark.usefixtures("auto_approve")


def order_at(url: str, *, needed_by: date | None = None, quantity: str = "10") -> PurchaseOrder:
    supplier = cxml_supplier("SAMPLESUP", url, secret=SUPPLIER_SECRET)
    supplier.order_to_identity = "supplier@supplier.com"
    supplier.save()
    cart = requisition_create(by=alice(), legal_entity=alice().default_legal_entity, title="Dates", needed_by=needed_by)
    requisition_line_add_free_text(
        requisition=cart,
        by=alice(),
        description="Widget",
        quantity=Decimal(quantity),
        unit="EA",
        unit_price=Money(Decimal("2.00"), "EUR"),
        supplier=supplier,
        unspsc="41121500",
    )
    return requisition_submit(requisition=cart, by=alice()).purchase_orders.get()


def page_of(client, order: PurchaseOrder) -> str:
    client.force_login(Employee.objects.get(user__username="frank").user)
    return client.get(f"/purchase-orders/{order.pk}/").content.decode()


def api_of(api_client, order: PurchaseOrder) -> dict:
    user = Employee.objects.get(user__username="frank").user
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api_client.get(f"/api/v1/purchase-orders/{order.pk}/").json()


def test_a_delivery_at_the_suppliers_midnight_is_that_day_on_the_page_and_in_the_api(endpoint, client, api_client):
    order = order_at(endpoint.url)
    body = confirmation(order, item(1, "10", ("accept", "10", 'deliveryDate="2026-12-10T00:00:00+01:00"')))
    response = post(body)
    assert status(response)[0] == 200, response.content
    line = order.lines.get()
    assert line.confirmed_delivery_date == date(2026, 12, 10)
    assert "delivery 2026-12-10" in page_of(client, order)
    assert api_of(api_client, order)["lines"][0]["confirmed_delivery_date"] == "2026-12-10"


def test_a_delivery_late_in_the_day_west_of_utc_is_not_moved_to_the_next_day(endpoint, client, api_client):
    order = order_at(endpoint.url)
    post(confirmation(order, item(1, "10", ("accept", "10", 'deliveryDate="2026-12-10T23:30:00-05:00"'))))
    assert api_of(api_client, order)["lines"][0]["confirmed_delivery_date"] == "2026-12-10"
    assert "delivery 2026-12-10" in page_of(client, order)


def test_ship_notice_dates_are_the_suppliers_days(endpoint, client, api_client):
    order = order_at(endpoint.url)
    response = post(
        ship_notice(order, shipment_date="2026-12-08T00:00:00+01:00", delivery_date="2026-12-10T00:00:00+01:00")
    )
    assert status(response)[0] == 200, response.content
    page = page_of(client, order)
    assert "shipped 2026-12-08" in page and "delivery 2026-12-10" in page
    (shipment,) = api_of(api_client, order)["shipments"]
    assert (shipment["shipped_date"], shipment["delivery_date"]) == ("2026-12-08", "2026-12-10")


def test_the_requested_delivery_date_we_send_is_the_buyers_day(endpoint):
    order = order_at(endpoint.url, needed_by=date(2026, 12, 10))
    document = order_request_document(order.revisions.get())
    written = etree.fromstring(document).find(".//ItemOut").get("requestedDeliveryDate")
    assert written == "2026-12-10"
    (read,) = cxml.parse_order_request(document).items
    assert read.requested_delivery_date == date(2026, 12, 10)


def test_the_migration_reads_the_days_of_documents_already_kept(endpoint):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("orders.migrations.0006_confirmed_and_shipped_dates")
    order = order_at(endpoint.url)
    post(confirmation(order, item(1, "10", ("accept", "10", 'deliveryDate="2026-12-10T00:00:00+01:00"'))))
    post(ship_notice(order, shipment_date="2026-12-08T00:00:00+01:00", delivery_date="2026-12-10T00:00:00+01:00"))
    order.lines.update(confirmed_delivery_date=None)  # as before the migration
    order.shipments.update(shipped_date=None, delivery_date=None)
    migration.days_from_kept_documents(apps, None)
    assert order.lines.get().confirmed_delivery_date == date(2026, 12, 10)
    assert order.shipments.values_list("shipped_date", "delivery_date").get() == (date(2026, 12, 8), date(2026, 12, 10))
