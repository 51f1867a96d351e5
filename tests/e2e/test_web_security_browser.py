"""The pages that are not driven elsewhere, opened in Chromium under the Content-Security-Policy.

The `page` fixture (tests/e2e/conftest.py) fails the test on any CSP violation or script error.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from approvals.inbox import approval_inbox
from procurement.models import Employee

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_admin_the_api_docs_and_the_budgets_work_under_the_policy(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    log_in(page, live_server.url, "admin")

    # The API docs: Swagger UI starts from its own script file and lists the API
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Procurement API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()

    # The admin: a change list and a change form with its widgets
    page.goto(f"{live_server.url}/admin/approvals/purchasingrule/")
    expect(page.locator("#result_list")).to_be_visible()
    page.goto(f"{live_server.url}/admin/approvals/purchasingrule/add/")
    expect(page.locator("#purchasingrule_form")).to_be_visible()

    # The budgets and the out-of-office page
    page.goto(f"{live_server.url}/budgets/")
    expect(page.locator("h1")).to_contain_text("Budgets of")
    page.goto(f"{live_server.url}/approvals/away/")
    expect(page.locator("h1")).to_contain_text("Out of office")


def test_the_inbox_select_all_box_ticks_every_task(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    log_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/approvals/")
    boxes = page.locator("input[name=tasks]")
    expect(boxes.first).to_be_visible()
    page.get_by_label("Select all").check()
    waiting = len(approval_inbox(employee=Employee.objects.get(user__username="bob")))
    expect(boxes).to_have_count(waiting)
    for index in range(waiting):
        expect(boxes.nth(index)).to_be_checked()
