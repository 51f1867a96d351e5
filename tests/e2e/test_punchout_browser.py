"""Alice punches out from her cart into a supplier's shop (cXML, then SAP OCI) and the lines come back."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from procurement.models import Supplier
from punchout.models import PunchoutConnection
from requisitions.models import Requisition
from tests.punchout.supplier_site import OCI_PASSWORD, OCI_USER, SECRET, SupplierSite

from .test_requisition_browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_alice_shops_at_a_cxml_and_an_oci_shop_and_edits_her_cart(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    supplier = Supplier.objects.create(code="TESTSHOP", name="Test shop", currency="EUR")
    with SupplierSite() as site:
        PunchoutConnection.objects.create(
            supplier=supplier,
            name="Office shop (cXML)",
            url=f"{site.url}/cxml/setup",
            from_identity="acme",
            to_identity="shop",
            sender_identity="acme",
            shared_secret=SECRET,
        )
        PunchoutConnection.objects.create(
            supplier=supplier,
            name="Office shop (OCI)",
            protocol="oci",
            url=f"{site.url}/oci/catalog",
            oci_fields={"USERNAME": OCI_USER, "PASSWORD": OCI_PASSWORD},
            unit_map={"ST": "EA"},
        )
        cart = Requisition.objects.get(requester__user__username="alice", title="Lab restock")
        before = cart.lines.count()
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/requisitions/{cart.pk}/")

        # cXML: off to the shop, two pens and a mouse, back in the cart
        page.get_by_role("button", name="Office shop (cXML)").click()
        expect(page.get_by_role("heading", name="Test shop (cxml, create)")).to_be_visible()
        page.get_by_label("Quantity of SHOP-PEN").fill("2")
        page.get_by_label("Quantity of SHOP-MOUSE").fill("1")
        page.get_by_role("button", name="Return cart to buyer").click()
        result = page.locator("#punchout-result")
        expect(result).to_contain_text("Back from Office shop (cXML): 2 lines added")
        expect(page.locator("#cart-form")).to_contain_text("Ballpoint pen, blue, box of 50")
        assert cart.lines.count() == before + 2

        # Edit: the shop opens with her lines; she drops the mouse and takes paper instead
        page.get_by_role("button", name="edit its lines").first.click()
        expect(page.get_by_role("heading", name="Test shop (cxml, edit)")).to_be_visible()
        expect(page.get_by_label("Quantity of SHOP-PEN")).to_have_value("2")
        page.get_by_label("Quantity of SHOP-MOUSE").fill("0")
        page.get_by_label("Quantity of SHOP-PAPER").fill("3")
        page.get_by_role("button", name="Return cart to buyer").click()
        expect(result).to_contain_text("2 lines added, 2 replaced")
        parts = set(cart.lines.filter(source="punchout").values_list("supplier_part_id", flat=True))
        assert parts == {"SHOP-PEN", "SHOP-PAPER"}

        # OCI: the call-up posts her login and HOOK_URL; the shop posts NEW_ITEM fields back
        page.get_by_role("button", name="Office shop (OCI)").click()
        expect(page.get_by_role("heading", name="Test shop (oci, create)")).to_be_visible()
        page.get_by_label("Quantity of SHOP-MOUSE").fill("4")
        page.get_by_role("button", name="Return cart to buyer").click()
        expect(result).to_contain_text("Back from Office shop (OCI): 1 line added")
        mouse = cart.lines.get(supplier_part_id="SHOP-MOUSE")
        assert (mouse.quantity, mouse.unit) == (4, "EA")
