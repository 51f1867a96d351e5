"""From the loading dock to a closed order: alice receives on her phone, the supplier invoices over cXML, frank
sees the invoice on hold with its reason, the last goods arrive, and the invoice matches by itself."""

import re
from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from budgets.models import BudgetEntry
from invoices.models import Invoice
from orders.models import PurchaseOrder
from tests.orders.conftest import cxml_supplier, ordered
from tests.orders.supplier_endpoint import SECRET, SupplierEndpoint

from .test_approval_browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def invoice_for_five(order_number: str) -> bytes:
    """TOOLS' invoice of the 5 torque wrenches at the ordered price, 20 % VAT on the line."""
    money = '<Money currency="EUR">{}</Money>'.format
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.069/InvoiceDetail.dtd">
<cXML payloadID="inv-1@tools.example" timestamp="2026-12-03T10:00:00+01:00"><Header>
<From><Credential domain="DUNS"><Identity>TOOLS-ID</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="DUNS"><Identity>TOOLS-ID</Identity><SharedSecret>{SECRET}</SharedSecret></Credential>
<UserAgent>Tools billing</UserAgent></Sender></Header>
<Request><InvoiceDetailRequest>
<InvoiceDetailRequestHeader invoiceID="TOOLS-INV-1" purpose="standard" operation="new"
 invoiceDate="2026-12-03T00:00:00+01:00"><InvoiceDetailHeaderIndicator/>
<InvoiceDetailLineIndicator isTaxInLine="yes"/></InvoiceDetailRequestHeader>
<InvoiceDetailOrder><InvoiceDetailOrderInfo><OrderReference orderID="{order_number}">
<DocumentReference payloadID=""/></OrderReference></InvoiceDetailOrderInfo>
<InvoiceDetailItem invoiceLineNumber="1" quantity="5"><UnitOfMeasure>EA</UnitOfMeasure>
<UnitPrice>{money("120.00")}</UnitPrice>
<InvoiceDetailItemReference lineNumber="1"><Description xml:lang="en">Torque wrench</Description>
</InvoiceDetailItemReference><SubtotalAmount>{money("600.00")}</SubtotalAmount>
<Tax>{money("120.00")}<Description xml:lang="en">VAT</Description>
<TaxDetail purpose="tax" category="vat" percentageRate="20"><TaxableAmount>{money("600.00")}</TaxableAmount>
<TaxAmount>{money("120.00")}</TaxAmount></TaxDetail></Tax></InvoiceDetailItem></InvoiceDetailOrder>
<InvoiceDetailSummary><SubtotalAmount>{money("600.00")}</SubtotalAmount>
<Tax>{money("120.00")}<Description xml:lang="en">VAT</Description></Tax>
<GrossAmount>{money("720.00")}</GrossAmount><NetAmount>{money("720.00")}</NetAmount>
<DueAmount>{money("720.00")}</DueAmount></InvoiceDetailSummary>
</InvoiceDetailRequest></Request></cXML>""".encode()


def menu_opened(page: Page) -> None:
    """The top bar's folded links, once Bootstrap's collapse has finished opening (what a person waits for)."""
    expect(page.locator("#topbar-menu")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator(".topbar-collapse.collapsing")).to_have_count(0)


def open_menu_if_folded(page: Page) -> None:
    """Under 1200 px the top bar's links and Log out sit behind its Menu button."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
        menu_opened(page)


def receive_on_phone(page: Page, base_url: str, order: PurchaseOrder, quantity: str) -> None:
    """alice opens what she may receive, picks the order and posts `quantity` of its one line."""
    page.set_viewport_size(PHONE)
    # on a phone the top bar folds its links and Log out behind its Menu button
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Menu").click()
    menu_opened(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("link", name="Receive", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/receiving/$"))
    page.locator(f'li[data-order="{order.number}"]').get_by_role("link", name="Receive").click()
    line = order.lines.get()
    page.locator(f'input[name="quantity-{line.pk}"]').fill(quantity)
    # the page fits the phone: nothing to scroll sideways at the loading dock
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#receive-post").click()
    expect(page.locator(".messages")).to_contain_text(f"{order.number} is")


def log_out(page: Page) -> None:
    open_menu_if_folded(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()


def test_alice_receives_on_her_phone_and_the_invoice_matches_by_itself(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    purchasing_rule_save(rule=PurchasingRule(name="auto", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE))
    endpoint = SupplierEndpoint()
    try:
        supplier = cxml_supplier("TOOLS", endpoint.url)
        ordered([(supplier, "Torque wrench", "5", "120.00")])
        order = PurchaseOrder.objects.get(supplier=supplier)
        assert endpoint.orders() == {order.number}

        # alice receives 3 of 5 at the dock
        receive_on_phone(page, live_server.url, order, "3")
        expect(page.locator(".messages")).to_contain_text(f"{order.number} is partly received")
        log_out(page)

        # the supplier invoices all 5 over cXML
        answer = httpx.post(f"{live_server.url}/cxml/inbound/", content=invoice_for_five(order.number))
        assert answer.status_code == 200, answer.text
        invoice = Invoice.objects.get(supplier=supplier)
        assert invoice.status == "exception"

        # frank, the buyer, finds it on hold with the reason in words
        page.set_viewport_size(LAPTOP)
        log_in(page, live_server.url, "frank")
        page.goto(f"{live_server.url}/invoices/on-hold/")
        card = page.locator('li[data-invoice="TOOLS-INV-1"]')
        expect(card).to_contain_text("Line 1: invoiced 5, received 3")
        log_out(page)

        # the last 2 arrive; the invoice matches by itself and the order closes
        receive_on_phone(page, live_server.url, order, "2")
        expect(page.locator(".messages")).to_contain_text(f"{order.number} is closed")
        invoice.refresh_from_db()
        assert invoice.status == "ready_to_pay"
        assert [line.match for line in invoice.lines.all()] == ["ok"]
        page.goto(f"{live_server.url}/purchase-orders/{order.pk}/")
        expect(page.locator("#order-status")).to_have_text("Closed")
        # the commitment became actual spend (net of the recoverable VAT), and nothing stays committed
        entries = BudgetEntry.objects.filter(purchase_order=order)
        actual = sum(entry.amount_minor for entry in entries if entry.kind == BudgetEntry.Kind.ACTUAL)
        committed = sum(
            entry.amount_minor
            for entry in entries
            if entry.kind in (BudgetEntry.Kind.COMMITMENT, BudgetEntry.Kind.COMMITMENT_RELEASE)
        )
        assert (actual, committed) == (60000, 0)
    finally:
        endpoint.close()
