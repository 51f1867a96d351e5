"""Frank, the buyer, watches an order go out, sends a lower quantity as a revision, and sees the confirmation."""

from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from orders.models import PurchaseOrder
from tests.orders.conftest import cxml_supplier, ordered
from tests.orders.supplier_endpoint import SupplierEndpoint

from .test_approval_browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_buyer_follows_an_order_changes_it_and_sees_the_confirmation(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    purchasing_rule_save(rule=PurchasingRule(name="auto", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE))
    endpoint = SupplierEndpoint()
    try:
        supplier = cxml_supplier("TOOLS", endpoint.url)
        ordered([(supplier, "Torque wrench", "4", "120.00"), (supplier, "Drill", "1", "99.90")])
        order = PurchaseOrder.objects.get(supplier=supplier)
        assert endpoint.orders() == {order.number}

        log_in(page, live_server.url, "frank")
        page.locator(".mainnav").get_by_role("link", name="Orders").click()
        page.get_by_role("link", name=order.number).click()
        expect(page.locator("#order-status")).to_have_text("Sent")
        expect(page.locator("#transmissions")).to_contain_text("Attempt 1")

        page.get_by_label("Quantity of line 1").fill("3")
        page.get_by_label("Why change").fill("One wrench is enough less")
        page.get_by_role("button", name="Send a revision").click()
        expect(page.locator(".messages")).to_contain_text("revision sent")
        expect(page.locator("#order-total")).to_contain_text("459.90")
        expect(page.locator("#transmissions")).to_contain_text("Update")
        assert len(endpoint.documents) == 2

        confirmation = f"""<cXML payloadID="conf-1@tools" timestamp="2026-11-22T12:00:00+01:00"><Header>
<From><Credential domain="DUNS"><Identity>TOOLS-ID</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="DUNS"><Identity>TOOLS-ID</Identity><SharedSecret>supplier-secret</SharedSecret>
</Credential><UserAgent>Tools OMS</UserAgent></Sender></Header><Request><ConfirmationRequest>
<ConfirmationHeader confirmID="SO-1" operation="new" type="accept" noticeDate="2026-11-22T12:00:00+01:00"/>
<OrderReference orderID="{order.number}"><DocumentReference payloadID=""/></OrderReference>
</ConfirmationRequest></Request></cXML>"""
        answer = httpx.post(f"{live_server.url}/cxml/inbound/", content=confirmation.encode())
        assert answer.status_code == 200, answer.text
        page.reload()
        expect(page.locator("#order-status")).to_have_text("Confirmed")
        expect(page.locator("#supplier-documents")).to_contain_text("confirmation accept applied")
        pdf = page.request.get(f"{live_server.url}/purchase-orders/{order.pk}/pdf/")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    finally:
        endpoint.close()
