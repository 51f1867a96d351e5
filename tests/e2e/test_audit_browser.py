"""Ida, an auditor, signs in, opens the audit log from the user menu, narrows it to sign-ins, reads where a failed
sign-in came from in its details, and downloads the filtered view as CSV."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from procurement.models import Role
from tests.factories import EmployeeFactory, LegalEntityFactory

from .demo_site import LAPTOP
from .test_approval_browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_auditor_filters_the_sign_ins_reads_the_details_and_downloads_them(live_server, page: Page):
    france = LegalEntityFactory(code="ACME-FR", name="Acme France SAS")
    ida = EmployeeFactory(
        legal_entities=[france],
        roles=[Role.AUDITOR],
        user__username="ida",
        user__first_name="Ida",
        user__last_name="Berg",
    )
    ida.user.set_password("demo")
    ida.user.save()
    page.set_viewport_size(LAPTOP)
    # A wrong password first: a failed sign-in of a known name, then the right one.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("ida")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    log_in(page, live_server.url, "ida")

    page.locator("#user-menu").click()
    page.locator("#menu-audit").click()
    expect(page).to_have_url(f"{live_server.url}/audit/")
    page.locator("#audit-type").select_option("sign_ins")
    page.locator("#audit-apply").click()
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".audit-summary")).to_have_text("Signed in (password)")
    expect(rows.nth(0).locator(".audit-who")).to_have_text("Ida Berg")
    expect(rows.nth(0).locator(".audit-ip")).to_have_text("127.0.0.1")
    failed = rows.nth(1)
    expect(failed.locator(".audit-summary")).to_have_text(
        "Sign-in failed for “ida” (password): wrong user name or password"
    )
    expect(failed.locator(".audit-data")).to_be_hidden()
    failed.locator("summary").click()
    expect(failed.locator(".audit-data")).to_contain_text('"ip": "127.0.0.1"')

    with page.expect_download() as download:
        page.locator("[data-export=csv]").click()
    assert download.value.suggested_filename.startswith("audit-log-")
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        lines = list(csv.reader(io.StringIO(exported.read())))
    assert [line[2] for line in lines[1:]] == ["identity.sign_in", "identity.sign_in_failed"]
