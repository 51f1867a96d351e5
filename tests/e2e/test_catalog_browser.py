"""A requester in a real browser: log in, switch entity, search the catalog, see that entity's price."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from procurement.models import CatalogItem, LegalEntity
from procurement.selectors import catalog_item_price, price_lists_applicable

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def demo_price(sku: str, entity_code: str) -> str:
    item = CatalogItem.objects.get(sku=sku)
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.get(username="alice")
    entity = LegalEntity.objects.get(code=entity_code)
    return str(catalog_item_price(item=item, price_lists=price_lists_applicable(legal_entity=entity, user=alice)))


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/catalog/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_alice_switches_entity_and_sees_its_price(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    sku = "NI-NB-7450-16-512"
    french_price, swedish_price = demo_price(sku, "ACME-FR"), demo_price(sku, "ACME-SE")
    assert french_price != swedish_price

    # A wrong password first: the page says so
    log_in(page, live_server.url, "alice", "not-her-password")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")

    # Alice logs in and lands on the catalog of her default entity
    log_in(page, live_server.url, "alice", "demo")
    expect(page.get_by_label("Acting for")).to_have_value("ACME-FR")
    expect(page.locator("#catalog-table tbody tr")).to_have_count(50)

    # She searches; htmx replaces the results in place
    page.get_by_placeholder("Search SKU or name").fill("Latitude 7450 16 GB 512")
    row = page.locator(f"tr[data-sku='{sku}']")
    expect(row).to_be_visible()
    expect(page.locator("#catalog-table tbody tr")).to_have_count(1)
    expect(row.locator("td.price")).to_contain_text(french_price)

    # She switches to the Swedish entity; the search stays and the price is Sweden's
    page.get_by_label("Acting for").select_option("ACME-SE")
    expect(page.get_by_label("Acting for")).to_have_value("ACME-SE")
    expect(page.locator("#catalog-table tbody tr")).to_have_count(1)
    expect(page.locator(f"tr[data-sku='{sku}'] td.price")).to_contain_text(swedish_price)
    expect(page.locator(f"tr[data-sku='{sku}'] td.price")).not_to_contain_text(french_price)


def test_what_is_typed_while_the_page_opens_is_kept_and_searched(live_server, page: Page):
    """The search box has the focus as the page opens: what is typed before its scripts run is neither lost nor
    left unsearched (a slow network holds htmx back here)."""
    call_command("seed_demo", stdout=StringIO())
    log_in(page, live_server.url, "alice", "demo")
    expect(page.locator("#catalog-table tbody tr")).to_have_count(50)

    held = []
    page.route("**/htmx-2.min.js", lambda route: held.append(route))
    page.goto(f"{live_server.url}/catalog/", wait_until="commit")
    page.locator("#catalog-q").fill("Latitude 7450 16 GB 512")
    expect(page.locator("#catalog-table tbody tr")).to_have_count(50)
    assert len(held) == 1
    held[0].continue_()

    expect(page.locator("#catalog-table tbody tr")).to_have_count(1)
    expect(page.locator("tr[data-sku='NI-NB-7450-16-512']")).to_be_visible()
    expect(page.locator("#catalog-q")).to_have_value("Latitude 7450 16 GB 512")
    expect(page).to_have_url(re.compile(r"/catalog/\?q=Latitude%207450%2016%20GB%20512&"))
