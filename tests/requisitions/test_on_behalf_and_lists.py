"""Defect 19: on-behalf-of in the API and on the cart page (colleagues only, never a punch-in identity), one
rule for combining lines in quick order and merging, and saved lists that can be edited and read in the API."""

from decimal import Decimal

import pytest
from django.utils import timezone

from procurement.models import Role
from punchout.models import ErpClient, InboundSession
from requisitions.models import Requisition
from requisitions.quick_order import parse_text
from requisitions.services import (
    CatalogPick,
    SplitSpec,
    requisition_create,
    requisition_line_splits_set,
    requisition_lines_add_from_catalog,
    requisition_list_create,
    requisition_merge,
    requisition_quick_add,
)
from tests.factories import EmployeeFactory, UserFactory, api_token


@pytest.fixture
def api(api_client, requester):
    token = api_token(requester.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client


@pytest.fixture
def browser(client, requester):
    client.force_login(requester.user)
    return client


@pytest.fixture
def colleague(france):
    return EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER], user__username="carla")


@pytest.fixture
def shopper(france):
    """A punch-in identity: no password of its own, known by its punch-in session."""
    user = UserFactory(username="punchout-erp-1a2b3c")
    user.set_unusable_password()
    user.save()
    employee = EmployeeFactory(user=user, legal_entities=[france])
    client = ErpClient.objects.create(code="ERP1", name="ERP one", legal_entity=france)
    now = timezone.now()
    InboundSession.objects.create(
        client=client,
        protocol="cxml",
        return_url="https://erp.example.com/return",
        start_token_hash="0" * 64,
        start_expires_at=now,
        expires_at=now,
        employee=employee,
    )
    return employee


def test_the_api_creates_a_requisition_on_behalf_of_a_colleague(api, colleague):
    response = api.post(
        "/api/v1/requisitions/", {"title": "For Carla", "legal_entity": "FR-TEST", "on_behalf_of": "carla"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["on_behalf_of"] == "carla"
    assert Requisition.objects.get(pk=response.json()["id"]).on_behalf_of == colleague


def test_the_api_changes_and_clears_on_behalf_of(api, cart, colleague):
    changed = api.patch(f"/api/v1/requisitions/{cart.pk}/", {"on_behalf_of": "carla"}, format="json")
    assert changed.status_code == 200 and changed.json()["on_behalf_of"] == "carla"
    cleared = api.patch(f"/api/v1/requisitions/{cart.pk}/", {"on_behalf_of": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["on_behalf_of"] is None


@pytest.mark.parametrize("who", ["nobody-here", "outsider", "inactive", "punchout-erp-1a2b3c"])
def test_the_api_refuses_someone_one_may_not_request_for(api, cart, sweden, shopper, who):
    EmployeeFactory(legal_entities=[sweden], user__username="outsider")
    EmployeeFactory(legal_entities=[cart.legal_entity], user__username="inactive", user__is_active=False)
    response = api.patch(f"/api/v1/requisitions/{cart.pk}/", {"on_behalf_of": who}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_on_behalf_of" and response.json()["message"]
    cart.refresh_from_db()
    assert cart.on_behalf_of is None
    created = api.post("/api/v1/requisitions/", {"legal_entity": "FR-TEST", "on_behalf_of": who})
    assert created.status_code == 400 and created.json()["code"] == "invalid_on_behalf_of"
    assert Requisition.objects.count() == 1


def test_the_cart_page_shows_and_changes_on_behalf_of_without_punch_in_identities(browser, cart, colleague, shopper):
    page = browser.get(f"/requisitions/{cart.pk}/").content.decode()
    assert 'name="on_behalf_of"' in page
    # The on-behalf choices alone: other selects on the page (cost centres …) may share an id by chance.
    choices = page[page.index('name="on_behalf_of"') :]
    choices = choices[: choices.index("</select>")]
    assert f'<option value="{colleague.pk}"' in choices
    assert f'<option value="{shopper.pk}"' not in choices

    browser.post(f"/requisitions/{cart.pk}/save/", {"title": cart.title, "on_behalf_of": colleague.pk})
    cart.refresh_from_db()
    assert cart.on_behalf_of == colleague

    browser.post(f"/requisitions/{cart.pk}/save/", {"title": cart.title, "on_behalf_of": shopper.pk})
    cart.refresh_from_db()
    assert cart.on_behalf_of == colleague


def test_the_away_page_offers_no_punch_in_identity(client, requester, colleague, shopper):
    client.force_login(requester.user)
    page = client.get("/approvals/away/").content.decode()
    assert f'<option value="{colleague.pk}"' in page
    assert f'<option value="{shopper.pk}"' not in page


def test_merging_and_quick_order_combine_by_the_same_rule(cart, requester, items, france, cost_centre):
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=items["PEN-1"], quantity=Decimal(2))]
    )
    requisition_quick_add(requisition=cart, by=requester, parsed=parse_text("PEN-1,3"))
    assert list(cart.lines.values_list("supplier_part_id", "quantity")) == [("PEN-1", Decimal(5))]

    other = requisition_create(by=requester, legal_entity=france, title="Other")
    requisition_lines_add_from_catalog(
        requisition=other,
        by=requester,
        picks=[
            CatalogPick(item=items["PEN-1"], quantity=Decimal(4)),
            CatalogPick(item=items["PEN-1"], quantity=Decimal(1), cost_centre=cost_centre),
        ],
    )
    split_line = other.lines.get(cost_centre=cost_centre)
    split_line.refresh_from_db()
    merged = requisition_merge(target=cart, sources=[other], by=requester)
    # Same item, price and cost centre: one line. Another cost centre: a line of its own.
    assert sorted(merged.lines.values_list("supplier_part_id", "quantity", "cost_centre__code")) == [
        ("PEN-1", Decimal(1), "FR-LAB2"),
        ("PEN-1", Decimal(9), "FR-CC"),
    ]


def test_a_split_line_is_never_combined_with_an_unsplit_one(cart, requester, items, france, cost_centre):
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=items["PEN-1"], quantity=Decimal(2))]
    )
    other = requisition_create(by=requester, legal_entity=france, title="Other")
    requisition_lines_add_from_catalog(
        requisition=other, by=requester, picks=[CatalogPick(item=items["PEN-1"], quantity=Decimal(2))]
    )
    requisition_line_splits_set(
        line=other.lines.get(),
        by=requester,
        splits=[
            SplitSpec(cost_centre=requester.default_cost_centre, percent=Decimal(50)),
            SplitSpec(cost_centre=cost_centre, percent=Decimal(50)),
        ],
    )
    merged = requisition_merge(target=cart, sources=[other], by=requester)
    assert merged.lines.count() == 2


def test_the_api_lists_a_saved_lists_items_and_edits_them(api, filled_cart, requester):
    saved = requisition_list_create(requisition=filled_cart, by=requester, name="Office")
    body = api.get(f"/api/v1/requisition-lists/{saved.pk}/").json()
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in body["items"]] == [
        ("PEN-1", "10", {"amount": "1.50", "currency": "EUR"}),
        ("INK-1", "2", {"amount": "19.99", "currency": "EUR"}),
    ]
    pen, ink = body["items"]

    changed = api.patch(
        f"/api/v1/requisition-lists/{saved.pk}/",
        {"name": "Office, monthly", "items": [{"id": pen["id"], "quantity": "12"}], "remove": [ink["id"]]},
        format="json",
    )

    assert changed.status_code == 200, changed.json()
    assert changed.json()["name"] == "Office, monthly"
    assert [(i["sku"], i["quantity"], i["position"]) for i in changed.json()["items"]] == [("PEN-1", "12", 1)]


def test_the_api_refuses_a_bad_list_quantity_and_stores_nothing(api, filled_cart, requester):
    saved = requisition_list_create(requisition=filled_cart, by=requester, name="Office")
    pen = saved.items.get(sku="PEN-1")
    response = api.patch(
        f"/api/v1/requisition-lists/{saved.pk}/",
        {"name": "Renamed", "items": [{"id": pen.pk, "quantity": "-1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_quantity",
        "message": "PEN-1: the quantity must be greater than 0, not -1.",
    }
    saved.refresh_from_db()
    pen.refresh_from_db()
    assert (saved.name, pen.quantity) == ("Office", Decimal(10))


def test_the_api_creates_a_list_of_catalog_items(api, items):
    response = api.post(
        "/api/v1/requisition-lists/",
        {"name": "Pens", "legal_entity": "FR-TEST", "items": [{"sku": "PEN-1", "quantity": "5"}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert [(i["sku"], i["quantity"]) for i in response.json()["items"]] == [("PEN-1", "5")]


def test_only_the_owner_edits_a_list(api_client, filled_cart, requester, france):
    saved = requisition_list_create(requisition=filled_cart, by=requester, name="Office")
    someone = EmployeeFactory(legal_entities=[france])
    token = api_token(someone.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # A personal list of someone else does not exist for them.
    assert api_client.patch(f"/api/v1/requisition-lists/{saved.pk}/", {"name": "x"}, format="json").status_code == 404


def test_the_list_page_renames_changes_quantities_and_removes_items(browser, filled_cart, requester):
    saved = requisition_list_create(requisition=filled_cart, by=requester, name="Office")
    pen, ink = saved.items.order_by("position")
    assert f"/requisitions/lists/{saved.pk}/edit/" in browser.get("/requisitions/lists/").content.decode()

    refused = browser.post(
        f"/requisitions/lists/{saved.pk}/edit/",
        {"name": "Office 2", f"quantity-{pen.pk}": "0", f"quantity-{ink.pk}": "3"},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "PEN-1: the quantity must be greater than 0, not 0." in page and 'value="Office 2"' in page
    saved.refresh_from_db()
    assert saved.name == "Office"

    browser.post(
        f"/requisitions/lists/{saved.pk}/edit/",
        {"name": "Office 2", f"quantity-{pen.pk}": "4", f"quantity-{ink.pk}": "3", "remove": [ink.pk]},
    )
    saved.refresh_from_db()
    assert saved.name == "Office 2"
    assert list(saved.items.values_list("sku", "quantity", "position")) == [("PEN-1", Decimal(4), 1)]


def test_a_colleague_cannot_open_or_change_someone_elses_list_page(client, filled_cart, requester, france):
    saved = requisition_list_create(requisition=filled_cart, by=requester, name="Office")
    colleague = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER])
    client.force_login(colleague.user)
    assert client.get(f"/requisitions/lists/{saved.pk}/edit/").status_code == 404
    assert client.post(f"/requisitions/lists/{saved.pk}/edit/", {"name": "Mine now"}).status_code == 404
    saved.refresh_from_db()
    assert saved.name == "Office"
