"""The REST API as integrators use it: tokens, the catalog, clear errors."""

from decimal import Decimal

import pytest

from procurement.models import AuditEvent, CatalogItem
from tests.factories import CatalogItemFactory, PriceListFactory, SupplierFactory, UserFactory, api_token


@pytest.fixture
def priced_catalog(france, sweden):
    supplier = SupplierFactory(code="ACMEPENS", name="Acme Pens")
    item = CatalogItemFactory(
        supplier=supplier, sku="PEN-1", name="Blue pen", base_price_minor=2000, unit="BX", unspsc="44121704"
    )
    PriceListFactory(percent_off=Decimal("10"), legal_entities=[france])
    return item


def login(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api_client


def test_a_token_is_issued_for_a_good_password_and_used_for_requests(api_client, france, employee_in):
    employee = employee_in(france)
    response = api_client.post(
        "/api/v1/auth/token/", {"username": employee.user.username, "password": "secret-pass"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/legal-entities/").json() == [
        {"code": "FR-TEST", "name": "Test France SAS", "currency": "EUR", "tax_id": "", "country": ""}
    ]


def test_a_wrong_password_gets_a_clear_error(api_client, france, employee_in):
    employee = employee_in(france)
    response = api_client.post(
        "/api/v1/auth/token/", {"username": employee.user.username, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "Unable to log in" in response.json()["message"]


def test_requests_without_a_token_are_refused(api_client):
    response = api_client.get("/api/v1/catalog/items/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_catalog_lists_items_at_the_prices_of_the_named_entity(api_client, priced_catalog, france, sweden, employee_in):
    client = login(api_client, employee_in(france, sweden).user)

    french = client.get("/api/v1/catalog/items/", {"search": "pen", "legal_entity": "FR-TEST"}).json()
    swedish = client.get("/api/v1/catalog/items/", {"search": "pen", "legal_entity": "SE-TEST"}).json()

    assert french["next"] is None
    [item] = french["results"]
    assert {k: item[k] for k in ("sku", "name", "supplier", "unit", "unspsc", "price")} == {
        "sku": "PEN-1",
        "name": "Blue pen",
        "supplier": "ACMEPENS",
        "unit": "BX",
        "unspsc": "44121704",
        "price": {"amount": "18.00", "currency": "EUR"},
    }
    assert swedish["results"][0]["price"] == {"amount": "20.00", "currency": "EUR"}


def test_without_an_entity_the_callers_default_entity_prices_apply(
    api_client, priced_catalog, france, sweden, employee_in
):
    client = login(api_client, employee_in(france, sweden).user)
    body = client.get("/api/v1/catalog/items/").json()
    assert body["legal_entity"] == "FR-TEST"
    assert body["results"][0]["price"]["amount"] == "18.00"


def test_an_entity_the_caller_does_not_belong_to_is_refused(api_client, priced_catalog, france, sweden, employee_in):
    client = login(api_client, employee_in(sweden).user)
    response = client.get("/api/v1/catalog/items/", {"legal_entity": "FR-TEST"})
    assert response.status_code == 403
    assert response.json() == {"code": "not_a_member", "message": "You are not a member of legal entity FR-TEST."}
    assert "18.00" not in response.content.decode()


def test_an_unknown_entity_is_named_in_the_error(api_client, priced_catalog, france, employee_in):
    client = login(api_client, employee_in(france).user)
    response = client.get("/api/v1/catalog/items/", {"legal_entity": "NOPE"})
    assert response.status_code == 404
    assert response.json()["code"] == "legal_entity_not_found"


def test_a_user_without_employee_profile_or_entity_gets_a_clear_error(api_client, priced_catalog):
    client = login(api_client, UserFactory())
    response = client.get("/api/v1/catalog/items/")
    assert response.status_code == 403
    assert response.json()["code"] == "no_employee_profile"


def test_catalog_pages_through_large_results(api_client, france, employee_in):
    CatalogItemFactory.create_batch(60)
    client = login(api_client, employee_in(france).user)
    first = client.get("/api/v1/catalog/items/").json()
    assert len(first["results"]) == 50
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 10 and second["next"] is None


def test_catalog_list_needs_a_fixed_number_of_queries(api_client, france, employee_in, django_assert_max_num_queries):
    CatalogItemFactory.create_batch(40)
    client = login(api_client, employee_in(france).user)
    with django_assert_max_num_queries(10):
        assert len(client.get("/api/v1/catalog/items/").json()["results"]) == 40


def admin_client(api_client, france, employee_in):
    return login(api_client, employee_in(france, roles=["admin"]).user)


ITEM = {
    "supplier": "ACMEPENS",
    "sku": "PEN-2",
    "name": "Red pen",
    "unspsc": "44121704",
    "unit": "bx",
    "price": {"amount": "2.50", "currency": "EUR"},
    "attributes": {"colour": "red"},
}


def test_an_admin_adds_catalog_items(api_client, priced_catalog, france, employee_in):
    client = admin_client(api_client, france, employee_in)
    response = client.post("/api/v1/catalog/items/", ITEM, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["price"] == {"amount": "2.50", "currency": "EUR"}
    assert body["unit"] == "BX" and body["attributes"] == {"colour": "red"}
    assert CatalogItem.objects.get(sku="PEN-2").base_price_minor == 250
    assert AuditEvent.objects.filter(event_type="catalog_item.created", object_id=str(body["id"])).exists()


def test_a_requester_may_not_add_catalog_items(api_client, priced_catalog, france, employee_in):
    client = login(api_client, employee_in(france, roles=["requester"]).user)
    response = client.post("/api/v1/catalog/items/", ITEM, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_malformed_json_gets_a_clear_error_not_a_500(api_client, priced_catalog, france, employee_in):
    client = admin_client(api_client, france, employee_in)
    response = client.post("/api/v1/catalog/items/", data='{"sku": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"supplier": "NOPE"}, "supplier"),
        ({"unspsc": "44"}, "unspsc"),
        ({"price": {"amount": "-1", "currency": "EUR"}}, "price"),
        ({"price": {"amount": "x", "currency": "EUR"}}, "price"),
        ({"sku": ""}, "sku"),
    ],
)
def test_invalid_fields_are_named_in_the_error(api_client, priced_catalog, france, employee_in, change, field):
    client = admin_client(api_client, france, employee_in)
    response = client.post("/api/v1/catalog/items/", ITEM | change, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]
    assert body["message"].startswith(field)


def test_a_duplicate_sku_is_refused(api_client, priced_catalog, france, employee_in):
    client = admin_client(api_client, france, employee_in)
    response = client.post("/api/v1/catalog/items/", ITEM | {"sku": "PEN-1"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "duplicate_sku", "message": "ACMEPENS already has an item PEN-1."}
