"""The catalog's address holds its view, in a real browser: a search with a typo and a filter, another page,
Back, and a reload all show the same search box, filters and results; typed quantities stay."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/catalog/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#catalog-table")).to_be_visible()


def rows(page: Page):
    return page.locator("#catalog-table tbody tr")


def test_back_and_reload_show_the_same_search_filters_and_results(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url)
    assert_fits(page)
    search, blue = page.locator("#catalog-q"), page.locator("input[name=attr][value='colour:blue']")

    # A typo: the ballpoint pens, said so; the filters count the pens only.
    search.fill("balpoint")
    expect(page).to_have_url(re.compile(r"[?&]q=balpoint(&|$)"))
    expect(page.locator("#catalog-corrected")).to_contain_text("Showing results for “ballpoint”")
    expect(rows(page)).to_have_count(12)
    expect(page.locator("#catalog-supplier option")).to_have_count(2)  # all suppliers, and Burotec's pens
    expect(page.locator("#catalog-supplier option").nth(1)).to_have_text(re.compile(r"Burotec .*\(12\)"))

    # A filter: the blue pens; the address says so.
    page.locator("details.facet summary", has_text="Colour").click()
    blue.check()
    expect(page).to_have_url(re.compile(r"attr=colour%3Ablue"))
    expect(rows(page)).to_have_count(2)
    page.get_by_label("Quantity of BT-PEN-BLU-10").fill("3")

    # Another page, then Back: the same box, filter, results and typed quantity.
    page.get_by_role("link", name="Requisitions", exact=True).click()
    expect(page).to_have_url(re.compile(r"/requisitions/$"))
    page.go_back()
    expect(search).to_have_value("balpoint")
    expect(blue).to_be_checked()
    expect(rows(page)).to_have_count(2)
    expect(page.get_by_label("Quantity of BT-PEN-BLU-10")).to_have_value("3")

    # Back within the catalog (htmx's history): the filter is off again, the search box still says balpoint.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"attr="))
    expect(search).to_have_value("balpoint")
    expect(blue).not_to_be_checked()
    expect(rows(page)).to_have_count(12)
    # Forward: the filter again.
    page.go_forward()
    expect(blue).to_be_checked()
    expect(rows(page)).to_have_count(2)

    # A reload renders the same from the address.
    page.reload()
    expect(search).to_have_value("balpoint")
    expect(blue).to_be_checked()
    expect(rows(page)).to_have_count(2)
    expect(page.get_by_label("Quantity of BT-PEN-BLU-10")).to_have_value("3")

    # "Search exactly": nothing has that typo.
    page.locator("#catalog-search-exactly").click()
    expect(page.locator(".empty")).to_contain_text("No items match")
    expect(search).to_have_value("balpoint")


def assert_fits(page: Page) -> None:
    """No sideways scrolling; the page's primary action ("Add to cart") on screen."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.locator("[data-primary-action]")).to_have_count(1)
    expect(page.locator("[data-primary-action]")).to_have_text("Add to cart")
    expect(page.locator("[data-primary-action]")).to_be_in_viewport()


def test_on_a_phone_the_filters_fold_behind_their_button(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url)
    filters = page.locator("#catalog-filter-pane")
    expect(filters).not_to_have_attribute("open", "")
    expect(page.locator("#catalog-supplier")).to_be_hidden()
    assert_fits(page)
    page.locator("#catalog-filter-pane > summary").click()
    expect(page.locator("#catalog-supplier")).to_be_visible()
    page.locator("#catalog-filter-pane > summary").click()
    expect(page.locator("#catalog-supplier")).to_be_hidden()
    page.locator("#catalog-q").fill("ballpoint")
    expect(rows(page)).to_have_count(12)
    expect(rows(page).first).to_have_css("display", "block")  # one card per item
    assert_fits(page)
