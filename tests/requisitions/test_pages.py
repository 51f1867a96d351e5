"""The requisition pages as a clerk uses them; wrong input becomes a message, never a 500."""

from decimal import Decimal

import pytest

from requisitions.models import Requisition, RequisitionList
from tests.factories import EmployeeFactory


@pytest.fixture
def browser(client, requester):
    client.force_login(requester.user)
    return client


def test_add_to_cart_from_the_catalog_table_creates_a_cart_and_adds_every_row_with_a_quantity(
    browser, requester, items
):
    response = browser.post(
        "/requisitions/add-from-catalog/",
        {
            f"qty-{items['PEN-1'].pk}": "3",
            f"qty-{items['PAD-1'].pk}": "1,5",
            f"qty-{items['INK-1'].pk}": "",
            "next": "/catalog/?q=pen",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/catalog/?q=pen"
    cart = Requisition.objects.get(requester=requester)
    assert [(line.supplier_part_id, line.quantity) for line in cart.lines.order_by("line_number")] == [
        ("PEN-1", Decimal(3)),
        ("PAD-1", Decimal("1.5")),
    ]
    page = browser.get("/catalog/").content.decode()
    assert f'Adding to <a href="/requisitions/{cart.pk}/">{cart.number}' in page


def test_a_bad_quantity_in_the_catalog_table_is_a_message(browser, items):
    response = browser.post("/requisitions/add-from-catalog/", {f"qty-{items['PEN-1'].pk}": "lots"}, follow=True)
    assert response.status_code == 200
    assert "&#x27;lots&#x27; is not a number" in response.content.decode()


def test_the_cart_page_saves_quantities_removes_and_moves_lines(browser, filled_cart, requester, france):
    from requisitions.services import requisition_create

    other = requisition_create(by=requester, legal_entity=france, title="Other")
    pen, ink = filled_cart.lines.order_by("line_number")
    browser.post(f"/requisitions/{filled_cart.pk}/save/", {"action": "save", f"quantity-{pen.pk}": "12"})
    pen.refresh_from_db()
    assert pen.quantity == 12
    browser.post(f"/requisitions/{filled_cart.pk}/save/", {"action": "move", "selected": [ink.pk], "move_to": other.pk})
    assert list(other.lines.values_list("supplier_part_id", flat=True)) == ["INK-1"]
    browser.post(f"/requisitions/{filled_cart.pk}/save/", {"action": "remove", "selected": [pen.pk]})
    assert filled_cart.lines.count() == 0


def test_the_split_dialog_refuses_parts_that_do_not_add_up(browser, filled_cart, cost_centre):
    line = filled_cart.lines.first()
    ours = filled_cart.requester.default_cost_centre
    response = browser.post(
        f"/requisitions/{filled_cart.pk}/lines/{line.pk}/split/",
        {"split_cost_centre": [ours.pk, cost_centre.pk], "split_percent": ["50", "40"]},
        follow=True,
    )
    assert "The parts add up to 90 %, not 100 %." in response.content.decode()
    browser.post(
        f"/requisitions/{filled_cart.pk}/lines/{line.pk}/split/",
        {"split_cost_centre": [ours.pk, cost_centre.pk], "split_percent": ["50", "50"]},
    )
    assert line.splits.count() == 2


def test_pasting_lines_shows_what_was_added_and_each_bad_line(browser, cart, items):
    response = browser.post(f"/requisitions/{cart.pk}/import/", {"text": "PEN-1,2\nWHAT,1\nPAD-1,0"})
    page = response.content.decode()
    assert "3 lines read · 1 added · 2 not added" in page
    assert "Line 2: unknown SKU WHAT" in page and "Line 3: quantity must be greater than 0" in page


def test_submitting_an_empty_cart_from_the_page_says_why(browser, cart):
    response = browser.post(f"/requisitions/{cart.pk}/save/", {"action": "submit"}, follow=True)
    assert "The requisition has no lines." in response.content.decode()
    cart.refresh_from_db()
    assert cart.status == "draft"


def test_submit_then_withdraw_from_the_page(browser, filled_cart):
    browser.post(f"/requisitions/{filled_cart.pk}/save/", {"action": "submit"})
    filled_cart.refresh_from_db()
    assert filled_cart.status == "in_approval"  # the requester's manager approves
    page = browser.get(f"/requisitions/{filled_cart.pk}/").content.decode()
    assert "Submit for approval" not in page and "Withdraw" in page
    browser.post(f"/requisitions/{filled_cart.pk}/withdraw/", {"comment": "not needed"})
    filled_cart.refresh_from_db()
    assert filled_cart.status == "withdrawn"


def test_lists_page_creates_a_cart_from_a_saved_list(browser, filled_cart, requester):
    browser.post(f"/requisitions/{filled_cart.pk}/save-list/", {"name": "Refill"})
    saved = RequisitionList.objects.get(name="Refill")
    assert "Refill" in browser.get("/requisitions/lists/").content.decode()
    response = browser.post(f"/requisitions/lists/{saved.pk}/cart/")
    cart = Requisition.objects.filter(requester=requester, title="Refill").get()
    assert response["Location"] == f"/requisitions/{cart.pk}/"
    assert cart.lines.count() == 2


def test_my_requisitions_filters_by_status(browser, filled_cart, requester, france):
    from p2p.submit_to_order import requisition_submit
    from requisitions.services import requisition_create

    requisition_create(by=requester, legal_entity=france, title="Still a cart")
    requisition_submit(requisition=filled_cart, by=requester)
    page = browser.get("/requisitions/", {"status": "draft"}).content.decode()
    assert "Still a cart" in page and filled_cart.number not in page


def test_another_entitys_user_gets_not_found_pages(client, filled_cart, sweden):
    client.force_login(EmployeeFactory(legal_entities=[sweden]).user)
    assert client.get(f"/requisitions/{filled_cart.pk}/").status_code == 404
    assert client.post(f"/requisitions/{filled_cart.pk}/import/", {"text": "PEN-1,1"}).status_code == 404
    assert client.post(f"/requisitions/{filled_cart.pk}/save/", {"action": "submit"}).status_code == 404
    assert filled_cart.lines.count() == 2


def test_the_cart_page_needs_the_same_queries_for_10_or_200_lines(
    browser, cart, requester, django_assert_max_num_queries
):
    from requisitions.services import CatalogPick, requisition_lines_add_from_catalog
    from tests.factories import CatalogItemFactory

    requisition_lines_add_from_catalog(
        requisition=cart,
        by=requester,
        picks=[CatalogPick(item=item, quantity=Decimal(1)) for item in CatalogItemFactory.create_batch(10)],
    )
    browser.get(f"/requisitions/{cart.pk}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        browser.get(f"/requisitions/{cart.pk}/")
    requisition_lines_add_from_catalog(
        requisition=cart,
        by=requester,
        picks=[CatalogPick(item=item, quantity=Decimal(1)) for item in CatalogItemFactory.create_batch(190)],
    )
    with CaptureQueriesContext(connection) as many:
        assert browser.get(f"/requisitions/{cart.pk}/").status_code == 200
    assert len(many) == len(few)


def test_choosing_which_cart_the_catalog_fills(browser, requester, france, items):
    from requisitions.services import requisition_create

    first = requisition_create(by=requester, legal_entity=france, title="First")
    second = requisition_create(by=requester, legal_entity=france, title="Second")
    browser.post("/requisitions/choose/", {"cart": first.pk, "next": "/catalog/"})
    browser.post("/requisitions/add-from-catalog/", {f"qty-{items['PEN-1'].pk}": "1"})
    assert (first.lines.count(), second.lines.count()) == (1, 0)
    response = browser.post("/requisitions/choose/", {"cart": "999999"}, follow=True)
    assert "Pick one of your open carts." in response.content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example", "\t//evil.example"],
)
def test_the_cart_pages_never_send_the_browser_to_another_site(browser, requester, france, items, next_url):
    """`next` and the Referer come from the browser: a return to another host goes to the catalog instead."""
    from requisitions.services import requisition_create

    cart = requisition_create(by=requester, legal_entity=france, title="First")
    added = browser.post("/requisitions/add-from-catalog/", {f"qty-{items['PEN-1'].pk}": "1", "next": next_url})
    assert added.status_code == 302 and added["Location"] == "/catalog/"
    nothing = browser.post("/requisitions/add-from-catalog/", {"next": next_url})
    assert nothing["Location"] == "/catalog/"
    chosen = browser.post("/requisitions/choose/", {"cart": cart.pk, "next": next_url})
    assert chosen["Location"] == "/catalog/"
    refused = browser.post("/requisitions/choose/", {"cart": "999999"}, headers={"Referer": next_url})
    assert refused["Location"] == "/requisitions/"
