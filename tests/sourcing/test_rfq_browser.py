"""In Chromium: frank sends a request for quotation made from alice's cart, two suppliers answer through their
links, carol and erin score, frank awards line by line, and alice's cart, now holding the quoted lines, is
submitted and approved by bob."""

# The e2e fixtures (Debian's Chromium, console errors fail the test) come from tests/e2e.
# ruff: noqa: F401, F811

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from procurement.models import LegalEntity
from procurement.money import Money
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from sourcing.models import RequestForQuotation
from tests.e2e.conftest import browser_type_launch_args, page
from tests.e2e.test_approval_browser import log_in

from .helpers import due_passes, person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def alice_cart() -> Requisition:
    alice = person("alice")
    cart = requisition_create(by=alice, legal_entity=LegalEntity.objects.get(code="ACME-FR"), title="Cell culture")
    for description, quantity in (("Benchtop centrifuge", "1"), ("Serological pipettes, 10 ml", "5")):
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description=description,
            quantity=Decimal(quantity),
            unit="EA",
            unit_price=Money(Decimal(0), "EUR"),
        )
    return cart


def log_out(page: Page) -> None:
    page.context.clear_cookies()


def test_frank_sends_two_suppliers_answer_the_committee_scores_frank_awards_and_alice_s_cart_is_approved(
    live_server, page: Page
):
    call_command("seed_demo", stdout=StringIO())
    cart = alice_cart()
    url = live_server.url

    # frank makes the request from alice's cart, invites two suppliers and names carol and erin
    log_in(page, url, "frank")
    page.goto(f"{url}/sourcing/new/?requisition={cart.pk}")
    expect(page.locator("input[name='line-1-description']")).to_have_value("Benchtop centrifuge")
    page.get_by_label("Title").fill("Cell culture equipment")
    page.get_by_label("Due date and time").fill((timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("LabSource GmbH").check()
    page.get_by_label("Burotec Fournitures SARL").check()
    page.get_by_label("Carol Lefebvre").check()
    page.get_by_label("Erin Laurent").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text("is saved as a draft")
    mail.outbox.clear()
    page.get_by_role("button", name="Send to the suppliers").click()
    expect(page.locator("#rfq-status")).to_have_text("Sent")
    rfq = RequestForQuotation.objects.get(title="Cell culture equipment")
    log_out(page)

    # each supplier answers on the page its e-mail leads to
    valid = (timezone.localdate() + timedelta(days=30)).isoformat()
    for address, prices in (
        ("orders@labsource.example", ("450.00", "9.80")),
        ("commandes@burotec.example", ("480.00", "8.90")),
    ):
        invitation = next(message for message in mail.outbox if message.to == [address])
        link = re.search(r"https?://\S+(/sourcing/quote/\S+/)", invitation.body)
        assert link is not None, invitation.body
        page.goto(link[1].join([url, ""]))
        for number, price in enumerate(prices, 1):
            line = page.locator(f"fieldset[data-line='{number}']")
            line.get_by_label("Unit price (EUR)").fill(price)
            line.get_by_label("Lead time (days)").fill("7")
            line.get_by_label("Valid until").fill(valid)
        page.get_by_role("button", name="Send the quote").click()
        expect(page.locator("#quote-received")).to_contain_text("revision 1")
    assert rfq.quotes.count() == 2

    # the due date passes; carol and erin score alone, and the totals appear once both have
    due_passes(rfq)
    quotes = {quote.invitation.supplier.code: quote.pk for quote in rfq.quotes.select_related("invitation__supplier")}
    for username, scores in (("carol", {"LABSOURCE": 8, "BUROTEC": 6}), ("erin", {"LABSOURCE": 7, "BUROTEC": 7})):
        log_in(page, url, username)
        page.goto(f"{url}/sourcing/{rfq.pk}/score/")
        for code, value in scores.items():
            for criterion in ("price", "delivery", "quality", "terms"):
                page.locator(f"input[name='score-{quotes[code]}-{criterion}']").fill(str(value))
        page.get_by_role("button", name="Save my scores").click()
        expect(page.locator(".messages")).to_contain_text("Your scores are saved.")
        log_out(page)
    log_in(page, url, "frank")
    page.goto(f"{url}/sourcing/{rfq.pk}/score/")
    expect(page.locator("#score-results tr[data-supplier='LABSOURCE']")).to_contain_text("75.00")
    expect(page.locator("#score-results tr[data-supplier='BUROTEC']")).to_contain_text("65.00")

    # frank awards the centrifuge to LabSource and the pipettes to Burotec
    page.goto(f"{url}/sourcing/{rfq.pk}/award/")
    page.locator("tr[data-line='1']").get_by_label("450.00").check()
    page.locator("tr[data-line='2']").get_by_label("8.90").check()
    page.get_by_label("Justification").fill("Lowest price on each line.")
    page.get_by_role("button", name="Award and create the requisition lines").click()
    expect(page.locator("#rfq-awarded")).to_contain_text(cart.number)
    log_out(page)

    # alice finds the quoted lines in her cart, submits it, and bob approves it in his inbox
    log_in(page, url, "alice")
    page.goto(f"{url}/requisitions/{cart.pk}/")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#requisition-status")).to_have_text("In approval")
    log_out(page)
    log_in(page, url, "bob")
    page.locator(".mainnav").get_by_role("link", name="Approvals").click()
    page.locator(f"tr[data-requisition='{cart.number}']").get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text(f"{cart.number}: approved.")

    cart.refresh_from_db()
    assert cart.status == "ordered"
    assert sorted(cart.lines.values_list("source", "supplier__code", "unit_price_minor")) == [
        ("quote", "BUROTEC", 8_90),
        ("quote", "LABSOURCE", 450_00),
    ]
