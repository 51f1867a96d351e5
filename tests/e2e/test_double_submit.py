"""Double clicks in a real browser: a POST form is sent once, its buttons wait disabled, Back brings them back."""

import contextlib
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, Route, expect

from requisitions.models import Requisition, RequisitionEvent

from .test_approval_browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SKU = "NI-NB-7450-16-512"


def ordered(sku: str) -> Decimal:
    """How many of `sku` alice's carts and requisitions hold."""
    return sum(
        (
            line.quantity
            for r in Requisition.objects.filter(requester__user__username="alice")
            for line in r.lines.filter(supplier_part_id=sku)
        ),
        Decimal(0),
    )


def double_click_while_sending(page: Page, button: Locator, path: str) -> list[Route]:
    """Click, and click again while the first request is on its way (held here until both clicks are done).

    A person's double click is slower than the browser's form submission: the first POST is already sent
    when the second click lands. Returns the requests the browser sent; then lets them go to the server.
    """
    held: list[Route] = []
    page.route(f"**{path}**", lambda route: held.append(route))
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    sent = list(held)
    for route in sent:
        with contextlib.suppress(Exception):  # a request the browser gave up for the second
            route.continue_()
    page.unroute(f"**{path}**")
    return sent


def test_a_double_click_on_add_to_cart_adds_the_quantity_once(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    log_in(page, live_server.url, "alice")
    before = ordered(SKU)
    page.goto(f"{live_server.url}/catalog/?q={SKU}")
    page.get_by_label(f"Quantity of {SKU}").fill("3")

    sent = double_click_while_sending(
        page, page.get_by_role("button", name="Add to cart"), "/requisitions/add-from-catalog/"
    )

    expect(page.locator(".messages")).to_contain_text("Added 1 item")
    expect(page.locator(".messages .error")).to_have_count(0)
    assert len(sent) == 1
    assert ordered(SKU) - before == 3


def test_a_double_click_on_approve_approves_once_without_an_error(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    log_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/approvals/")
    row = page.locator("#inbox-table tbody tr").first
    number = row.get_attribute("data-requisition")
    requisition = Requisition.objects.get(number=number)
    decisions = requisition.events.filter(kind=RequisitionEvent.Kind.DECISION).count()

    sent = double_click_while_sending(page, row.get_by_role("button", name="Approve"), "/approvals/tasks/")

    expect(page.locator(".messages")).to_contain_text(f"{number}: approved.", timeout=20_000)
    expect(page.locator(".messages .error")).to_have_count(0)
    assert len(sent) == 1
    assert requisition.events.filter(kind=RequisitionEvent.Kind.DECISION).count() == decisions + 1


def test_buttons_wait_disabled_while_the_form_is_sent_and_come_back_with_the_page(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    log_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/approvals/")
    held: list[Route] = []

    def no_content(route: Route) -> None:  # an answer that leaves the page where it is (204)
        held.append(route)
        route.fulfill(status=204)

    page.route("**/approvals/tasks/**", no_content)
    row = page.locator("#inbox-table tbody tr").first

    row.get_by_role("button", name="Approve").click(no_wait_after=True)

    for name in ("Approve", "Return", "Reject"):
        expect(row.get_by_role("button", name=name)).to_be_disabled()
    expect(page.get_by_role("button", name="Approve selected")).to_be_enabled()  # another form
    # Restored from the back/forward cache, the page is as it was left: the buttons work again
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    for name in ("Approve", "Return", "Reject"):
        expect(row.get_by_role("button", name=name)).to_be_enabled()
    assert len(held) == 1


def test_back_after_adding_to_cart_leaves_the_button_usable(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/catalog/?q={SKU}")
    page.get_by_label(f"Quantity of {SKU}").fill("1")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Added 1 item")
    page.get_by_role("link", name="Requisitions").click()
    expect(page).to_have_url(f"{live_server.url}/requisitions/")
    page.go_back()
    expect(page.get_by_role("button", name="Add to cart")).to_be_enabled()
