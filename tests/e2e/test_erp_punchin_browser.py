"""ERPs punch into our catalog in a real browser: an ERP-style cXML setup and an SAP-style OCI call-up, the
user shops at ACME-SE prices and transfers; and the demo loop, alice punching out from her cart into our own
catalog through DEMO-PUNCHOUT, over real HTTP."""

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from django.core.management import call_command
from lxml import etree
from playwright.sync_api import Page, expect

from procurement.models import CatalogItem, LegalEntity
from procurement.selectors import catalog_item_price
from punchout import cxml, oci
from punchout.erp_punchin_requests import client_price_lists
from punchout.models import ErpClient, PunchoutConnection
from requisitions.models import Requisition
from tests.punchout.support import dtd_errors

from .test_requisition_browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class ErpReceiver:
    """The ERP's side: records what the browser posts to the BrowserFormPost URL or HOOK_URL."""

    def __init__(self) -> None:
        self.posts: list[list[tuple[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.posts.append(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                answer = b"<html><body><h1>Cart received by the ERP</h1></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/erp/receive"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def erp():
    receiver = ErpReceiver()
    yield receiver
    receiver.close()


def setup_request(return_url: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="e2e@erp.example" timestamp="2026-11-22T10:00:00+01:00"><Header>
<From><Credential domain="NetworkID"><Identity>ERP-DEMO</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="NetworkID"><Identity>ERP-DEMO</Identity><SharedSecret>demo-secret</SharedSecret>
</Credential><UserAgent>E2E ERP</UserAgent></Sender></Header><Request><PunchOutSetupRequest operation="create">
<BuyerCookie>e2e-cookie</BuyerCookie><Extrinsic name="UserEmail">sven@erp.example</Extrinsic>
<BrowserFormPost><URL>{return_url}</URL></BrowserFormPost></PunchOutSetupRequest></Request></cXML>""".encode()


def three_items() -> list[CatalogItem]:
    return list(CatalogItem.objects.filter(is_active=True, supplier__is_active=True).order_by("sku")[:3])


def add_to_cart(page: Page, items: list[CatalogItem]) -> None:
    for n, item in enumerate(items, 1):
        page.get_by_label("Search SKU or name").fill(item.sku)
        page.get_by_label("Search SKU or name").press("Enter")
        page.get_by_label(f"Quantity of {item.sku}").fill(str(n))
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("#cart-count")).to_have_text(str(n))


def banner_contrast(page) -> float:
    """The WCAG contrast ratio of the punchout banner's text on its background, as Chromium computed them."""
    colours = page.locator("#punchout-banner").evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )

    def luminance(css: str) -> float:
        red, green, blue = (int(part) / 255 for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(colours[0]), luminance(colours[1])), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_an_erp_user_shops_at_acme_se_prices_and_the_cart_goes_back_over_cxml_and_oci(live_server, page: Page, erp):
    call_command("seed_demo", stdout=StringIO())
    answer = httpx.post(f"{live_server.url}/punchout/cxml/setup/", content=setup_request(erp.url))
    start = etree.fromstring(answer.content).findtext("Response/PunchOutSetupResponse/StartPage/URL")
    assert answer.status_code == 200 and start.startswith(live_server.url)

    page.goto(start)
    expect(page.locator("#punchout-banner")).to_contain_text("Shopping for Demo ERP")
    # the banner is readable: WCAG AA contrast (4.5:1) between its text and its background
    assert banner_contrast(page) >= 4.5
    items = three_items()
    add_to_cart(page, items)
    page.get_by_role("button", name="Transfer cart to Demo ERP").click()
    expect(page.get_by_role("heading", name="Cart received by the ERP")).to_be_visible()

    (posted,) = erp.posts
    document = base64.b64decode(dict(posted)["cxml-base64"])
    assert dtd_errors(document) == []
    message = cxml.parse_punchout_order_message(document)
    assert message.buyer_cookie == "e2e-cookie"
    lists = client_price_lists(ErpClient.objects.get(code="ERP-DEMO"))
    prices = {item.sku: catalog_item_price(item=item, price_lists=lists) for item in items}
    assert {(i.supplier_part_id, i.quantity, i.unit_price.amount, i.unit_price.currency) for i in message.items} == {
        (item.sku, n, prices[item.sku].amount, prices[item.sku].currency) for n, item in enumerate(items, 1)
    }

    # SAP OCI: the call-up posts the login and HOOK_URL; the cart comes back as NEW_ITEM fields
    call = oci.build_callup(
        f"{live_server.url}/punchout/oci/", "POST", {"USERNAME": "erp-demo", "PASSWORD": "demo-secret"}, {}, erp.url
    )
    page.set_content(
        f'<form method="post" action="{call.url}">'
        + "".join(f'<input type="hidden" name="{n}" value="{v}">' for n, v in call.fields)
        + '<button type="submit">Open catalog</button></form>'
    )
    page.get_by_role("button", name="Open catalog").click()
    expect(page.locator("#punchout-banner")).to_contain_text("Shopping for Demo ERP")
    add_to_cart(page, items[:1])
    page.get_by_role("button", name="Transfer cart to Demo ERP").click()
    expect(page.get_by_role("heading", name="Cart received by the ERP")).to_be_visible()
    (line,) = oci.parse_new_item_form(erp.posts[1])
    assert (line.vendor_material, line.quantity, line.unit_price) == (items[0].sku, 1, prices[items[0].sku].amount)


def test_the_demo_loop_alice_punches_out_into_our_own_catalog(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    PunchoutConnection.objects.filter(supplier__code="DEMO-PUNCHOUT").update(
        url=f"{live_server.url}/punchout/cxml/setup/"
    )
    ErpClient.objects.filter(code="ERP-DEMO").update(allowed_hosts=["localhost", "127.0.0.1"])
    cart = Requisition.objects.get(requester__user__username="alice", title="Lab restock")
    before = cart.lines.count()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/requisitions/{cart.pk}/")

    page.get_by_role("button", name="Demo punchout shop").click()
    # She is in our catalog as the demo ERP's user: ACME-SE prices, a transfer button, no approvals.
    expect(page.locator("#punchout-banner")).to_contain_text("Shopping for Demo ERP")
    items = three_items()[:2]
    for item in items:
        page.get_by_label("Search SKU or name").fill(item.sku)
        page.get_by_label("Search SKU or name").press("Enter")
        page.get_by_label(f"Quantity of {item.sku}").fill("2")
        page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Transfer cart to Demo ERP").click()

    # The cart comes back into her lab cart through the outbound return, as from any supplier.
    expect(page.locator("#punchout-result")).to_contain_text("Back from Demo punchout shop: 2 lines added")
    assert cart.lines.count() == before + 2
    assert set(cart.lines.filter(source="punchout").values_list("supplier_part_id", flat=True)) == {
        item.sku for item in items
    }
    expect(page.get_by_label("Acting for")).to_have_value("ACME-FR")  # back in her own entity
    assert LegalEntity.objects.filter(code="ACME-SE").exists()
