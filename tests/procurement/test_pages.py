"""The pages a clerk uses: log in, switch entity, browse the catalog."""

from decimal import Decimal

import pytest

from tests.factories import CatalogItemAttributeFactory, CatalogItemFactory, PriceListFactory, SupplierFactory


@pytest.fixture
def catalog(france, sweden):
    supplier = SupplierFactory(code="PAPERCO", name="Paper Co")
    ream = CatalogItemFactory(
        supplier=supplier, sku="PAP-A4", name="Copier paper A4", base_price_minor=500, unspsc="14111507"
    )
    CatalogItemAttributeFactory(item=ream, name="size", value="A4")
    CatalogItemFactory(supplier=supplier, sku="PAP-A3", name="Copier paper A3", base_price_minor=900, unspsc="14111507")
    PriceListFactory(percent_off=Decimal("20"), legal_entities=[france])
    PriceListFactory(percent_off=Decimal("10"), legal_entities=[sweden])
    return supplier


def test_a_wrong_password_shows_a_message_on_the_login_page(client, france, employee_in):
    employee = employee_in(france)
    response = client.post("/login/", {"username": employee.user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_pages_need_a_login(client):
    response = client.get("/catalog/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_catalog_shows_the_current_entitys_prices(client, catalog, france, sweden, employee_in):
    client.force_login(employee_in(france, sweden).user)
    page = client.get("/catalog/").content.decode()
    assert "FR-TEST — Test France SAS" in page
    assert "4.00\xa0EUR" in page  # 5.00 less 20 %

    response = client.post("/legal-entity/", {"legal_entity": "SE-TEST", "next": "/catalog/?q=A4"})
    assert response.status_code == 302 and response["Location"] == "/catalog/?q=A4"
    page = client.get("/catalog/?q=A4").content.decode()
    assert "4.50\xa0EUR" in page and "4.00\xa0EUR" not in page
    assert "PAP-A3" not in page


def test_switching_to_an_entity_one_does_not_belong_to_is_refused(client, catalog, france, sweden, employee_in):
    client.force_login(employee_in(france).user)
    response = client.post("/legal-entity/", {"legal_entity": "SE-TEST", "next": "/catalog/"}, follow=True)
    page = response.content.decode()
    assert "You are not a member of legal entity SE-TEST" in page
    assert "4.00\xa0EUR" in page and "4.50\xa0EUR" not in page


def test_the_switcher_never_redirects_off_site(client, catalog, france, employee_in):
    client.force_login(employee_in(france).user)
    response = client.post("/legal-entity/", {"legal_entity": "FR-TEST", "next": "https://evil.example/"})
    assert response["Location"] == "/catalog/"


def test_a_user_without_entity_is_told_so(client, catalog, employee_in):
    client.force_login(employee_in().user)
    response = client.get("/catalog/")
    assert response.status_code == 403
    assert "not a member of any legal entity" in response.content.decode()


def test_catalog_filters_by_supplier_category_and_attribute(client, catalog, france, employee_in):
    CatalogItemFactory(sku="OTHER-1", name="Stapler", unspsc="44121615")
    client.force_login(employee_in(france).user)
    page = client.get("/catalog/", {"supplier": "PAPERCO", "attr": "size:A4"}).content.decode()
    assert "PAP-A4" in page and "PAP-A3" not in page and "OTHER-1" not in page
    page = client.get("/catalog/", {"category": "4412"}).content.decode()
    assert "OTHER-1" in page and "PAP-A4" not in page


def test_htmx_requests_get_only_the_results_table(client, catalog, france, employee_in):
    client.force_login(employee_in(france).user)
    response = client.get("/catalog/", {"q": "A3"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<table" in body and "PAP-A3" in body and "<html" not in body


def test_bad_page_numbers_and_long_queries_do_not_break_the_catalog(client, catalog, france, employee_in):
    client.force_login(employee_in(france).user)
    assert client.get("/catalog/", {"page": "zzz", "q": "x" * 5000}).status_code == 200
    assert client.get("/catalog/", {"page": "999"}).status_code == 200


def test_static_files_and_api_docs_are_served(client, france, employee_in):
    client.force_login(employee_in(france).user)
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200


def test_unknown_api_paths_answer_json_and_pages_answer_html(client, france, employee_in):
    client.force_login(employee_in(france).user)
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api.json()["code"] == "not_found"
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "There is no page at this address" in page.content.decode()
