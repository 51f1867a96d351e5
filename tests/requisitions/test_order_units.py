"""Defect 10: quantities are positive everywhere and follow the item's order unit (whole multiples, a minimum),
with one message per refused line, from the catalog page, the API, quick order, the cart page, merging and lists."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from requisitions.errors import RequisitionError
from requisitions.models import Requisition
from requisitions.quick_order import parse_text
from requisitions.services import (
    CatalogPick,
    requisition_create,
    requisition_line_update,
    requisition_lines_add_from_catalog,
    requisition_list_create,
    requisition_merge,
    requisition_quick_add,
)
from tests.factories import CatalogItemFactory, api_token


@pytest.fixture
def boxes(items):
    """Gloves sold by the box only: whole boxes, at least 2."""
    return CatalogItemFactory(
        supplier=items["PEN-1"].supplier,
        sku="GLOVE-BX",
        name="Gloves, box of 100",
        unit="BX",
        base_price_minor=1250,
        order_multiple=Decimal(1),
        minimum_quantity=Decimal(2),
    )


@pytest.fixture
def browser(client, requester):
    client.force_login(requester.user)
    return client


@pytest.fixture
def api(api_client, requester):
    token = api_token(requester.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_catalog_refuses_minus_one_for_an_item_already_in_the_cart(browser, requester, items):
    browser.post("/requisitions/add-from-catalog/", {f"qty-{items['PEN-1'].pk}": "3"})
    cart = Requisition.objects.get(requester=requester)

    response = browser.post("/requisitions/add-from-catalog/", {f"qty-{items['PEN-1'].pk}": "-1"})

    assert texts(response)[-1] == (
        "Nothing was added: 1 quantity cannot be ordered. PEN-1: the quantity must be greater than 0, not -1."
    )
    assert list(cart.lines.values_list("quantity", flat=True)) == [Decimal(3)]


def test_the_catalog_says_what_was_actually_added(browser, requester, items, boxes):
    response = browser.post(
        "/requisitions/add-from-catalog/", {f"qty-{items['PEN-1'].pk}": "3", f"qty-{boxes.pk}": "4"}
    )
    cart = Requisition.objects.get(requester=requester)
    assert texts(response) == [f"Added 2 items to {cart.number} “{cart.title}”: 3 EA PEN-1, 4 BX GLOVE-BX."]


def test_half_a_box_is_refused_on_the_catalog_page_and_what_was_typed_comes_back(browser, requester, items, boxes):
    response = browser.post(
        "/requisitions/add-from-catalog/",
        {f"qty-{items['PEN-1'].pk}": "3", f"qty-{boxes.pk}": "1.5", "next": "/catalog/?q=glove"},
    )
    assert texts(response) == [
        "Nothing was added: 1 quantity cannot be ordered. GLOVE-BX is sold in multiples of 1 BX: order 2, not 1.5."
    ]
    assert not Requisition.objects.filter(requester=requester).exists()

    page = browser.get("/catalog/?q=glove").content.decode()
    assert f'name="qty-{boxes.pk}" aria-label="Quantity of GLOVE-BX" size="4" min="2" step="1" value="1.5"' in page
    assert "GLOVE-BX is sold in multiples of 1 BX: order 2, not 1.5." in page
    assert "min. 2, in multiples of 1" in page
    # Shown once: the next visit is clean.
    assert 'value="1.5"' not in browser.get("/catalog/?q=glove").content.decode()


def test_one_rule_for_every_quantity_of_a_boxed_item(boxes):
    from requisitions.services import catalog_quantity_check

    with pytest.raises(RequisitionError) as below_minimum:
        catalog_quantity_check(item=boxes, quantity=Decimal(1))
    assert below_minimum.value.message == "GLOVE-BX: order at least 2 BX, not 1."
    for wrong in ("0.5", "2.5", "0", "-3"):
        with pytest.raises(RequisitionError) as refused:
            catalog_quantity_check(item=boxes, quantity=Decimal(wrong))
        assert refused.value.code == "invalid_quantity"
    assert catalog_quantity_check(item=boxes, quantity=Decimal(3)) == Decimal(3)


def test_the_api_refuses_a_part_box_with_the_items_message(api, cart, boxes):
    response = api.post(f"/api/v1/requisitions/{cart.pk}/lines/", {"sku": "GLOVE-BX", "quantity": "2.5"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_quantity",
        "message": "GLOVE-BX is sold in multiples of 1 BX: order 2 or 3, not 2.5.",
    }
    assert cart.lines.count() == 0


def test_the_catalog_api_shows_the_order_unit(api, boxes):
    response = api.get("/api/v1/catalog/items/", {"q": "GLOVE-BX"})
    assert response.status_code == 200, response.content
    [item] = [entry for entry in response.json()["results"] if entry["sku"] == "GLOVE-BX"]
    assert (item["order_multiple"], item["minimum_quantity"]) == ("1", "2")


def test_quick_order_refuses_part_boxes_line_by_line(cart, requester, items, boxes):
    result = requisition_quick_add(
        requisition=cart, by=requester, parsed=parse_text("GLOVE-BX,1.5\nPEN-1,2\nGLOVE-BX,1\nGLOVE-BX,2")
    )
    assert result.added == 2
    assert [(error.line, error.message) for error in result.errors] == [
        (1, "GLOVE-BX is sold in multiples of 1 BX: order 2, not 1.5."),
        (3, "GLOVE-BX: order at least 2 BX, not 1."),
    ]
    assert sorted(cart.lines.values_list("supplier_part_id", "quantity")) == [
        ("GLOVE-BX", Decimal(2)),
        ("PEN-1", Decimal(2)),
    ]


def test_the_cart_page_refuses_a_part_box_and_stores_nothing_of_the_form(browser, cart, requester, boxes):
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=boxes, quantity=Decimal(2))]
    )
    line = cart.lines.get()
    response = browser.post(
        f"/requisitions/{cart.pk}/save/",
        {"title": "Renamed", f"quantity-{line.pk}": "2.5"},
        HTTP_REFERER=f"/requisitions/{cart.pk}/",
    )
    assert texts(response) == ["GLOVE-BX is sold in multiples of 1 BX: order 2 or 3, not 2.5."]
    line.refresh_from_db()
    cart.refresh_from_db()
    assert (line.quantity, cart.title) == (Decimal(2), "Office things")
    page = browser.get(f"/requisitions/{cart.pk}/").content.decode()
    assert "min. 2, in multiples of 1" in page
    assert f'name="quantity-{line.pk}" value="2.5"' in page
    assert (
        '<span class="error" role="alert">GLOVE-BX is sold in multiples of 1 BX: order 2 or 3, not 2.5.</span>' in page
    )
    assert f'name="quantity-{line.pk}" value="2"' in browser.get(f"/requisitions/{cart.pk}/").content.decode()


def test_a_line_update_follows_the_order_unit(cart, requester, boxes):
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=boxes, quantity=Decimal(2))]
    )
    line = cart.lines.get()
    with pytest.raises(RequisitionError, match="order at least 2 BX, not 1"):
        requisition_line_update(line=line, by=requester, fields={"quantity": Decimal(1)})
    assert requisition_line_update(line=line, by=requester, fields={"quantity": Decimal(5)}).quantity == 5


def test_merged_boxes_add_up_to_whole_boxes(cart, requester, france, boxes):
    other = requisition_create(by=requester, legal_entity=france, title="Other")
    for target in (cart, other):
        requisition_lines_add_from_catalog(
            requisition=target, by=requester, picks=[CatalogPick(item=boxes, quantity=Decimal(3))]
        )
    merged = requisition_merge(target=cart, sources=[other], by=requester)
    assert list(merged.lines.values_list("supplier_part_id", "quantity")) == [("GLOVE-BX", Decimal(6))]


def test_a_list_item_quantity_follows_the_order_unit(cart, requester, boxes):
    from requisitions.services import requisition_list_update

    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=boxes, quantity=Decimal(2))]
    )
    saved = requisition_list_create(requisition=cart, by=requester, name="Gloves")
    entry = saved.items.get()
    with pytest.raises(RequisitionError) as refused:
        requisition_list_update(requisition_list=saved, by=requester, quantities={entry.pk: Decimal("0.5")})
    assert refused.value.message == "GLOVE-BX is sold in multiples of 1 BX: order 2, not 0.5."
    entry.refresh_from_db()
    assert entry.quantity == 2


def test_a_punchout_return_follows_the_order_unit_of_an_item_we_sell(cart, requester, boxes):
    from procurement.money import Money
    from punchout.cart_lines import IncomingLine
    from requisitions.services import requisition_lines_replace_external

    line = IncomingLine(
        description="Gloves",
        quantity=Decimal("1.5"),
        unit="BX",
        unit_price=Money(Decimal("12.50"), "EUR"),
        supplier=boxes.supplier,
        supplier_part_id="GLOVE-BX",
        catalog_item=boxes,
    )
    with pytest.raises(RequisitionError) as refused:
        requisition_lines_replace_external(requisition=cart, by=requester, lines=[line])
    assert refused.value.message == "Line 1 (Gloves): GLOVE-BX is sold in multiples of 1 BX: order 2, not 1.5."
    assert cart.lines.count() == 0
