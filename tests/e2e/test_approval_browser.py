"""Alice submits; bob approves in his inbox; carol approves from the e-mail link; the requisition is approved."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from requisitions.models import Requisition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-menu")).to_be_attached()  # the top bar of someone signed in
    if page.get_by_role("button", name="Menu").is_visible():
        # under 1200 px Log out waits behind the top bar's toggler (log_out opens it)
        expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)
    else:
        expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_alice_submits_bob_approves_in_the_inbox_carol_by_email(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    lab = Requisition.objects.get(requester__user__username="alice", title="Lab restock")

    # Alice adds a 4,000 EUR service to her lab cart, sees the chain it will take, and submits
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/requisitions/{lab.pk}/")
    form = page.locator("form[action$='/free-text/']")
    form.get_by_label("Description").fill("Fume hood maintenance")
    form.get_by_label("Unit price").fill("4000")
    form.get_by_role("button", name="Add line").click()
    chain = page.locator("#approval-chain")
    expect(chain).to_contain_text("1. Manager: Bob Dubois")
    expect(chain).to_contain_text("2. Manager: Carol Lefebvre")
    mail.outbox.clear()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#requisition-status")).to_have_text("In approval")
    page.get_by_role("button", name="Log out").click()

    # Bob finds it in his inbox and approves with a comment
    log_in(page, live_server.url, "bob")
    page.locator(".mainnav").get_by_role("link", name="Approvals").click()  # the top bar's, not the home page's
    row = page.locator(f"tr[data-requisition='{lab.number}']")
    expect(row).to_contain_text("Alice Martin")
    row.get_by_label(f"Comment on {lab.number}").fill("Needed for the audit")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text(f"{lab.number}: approved.")
    expect(page.locator(f"tr[data-requisition='{lab.number}']")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()

    # Carol approves from the link in her e-mail, without logging in
    to_carol = next(m for m in mail.outbox if m.to == ["carol@acme.example"])
    path = re.search(r"/approvals/email/\S+/", to_carol.body).group(0)
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("#email-decision")).to_contain_text(lab.number)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#requisition-status")).to_have_text("approved")

    lab.refresh_from_db()
    assert lab.status == "approved"
    assert any(m.to == ["alice@acme.example"] and "approved" in m.subject for m in mail.outbox)
