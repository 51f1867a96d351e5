"""What a catalog item's pack size and datasheet (loaded from suppliers' catalogs) look like to a buyer."""

from decimal import Decimal

from tests.factories import CatalogItemFactory, SupplierFactory, api_token


def test_the_catalog_page_shows_the_pack_size_and_links_the_datasheet(client, france, employee_in):
    supplier = SupplierFactory(currency="EUR")
    CatalogItemFactory(
        supplier=supplier,
        sku="GLV-100",
        name="Nitrile gloves",
        pack_size=Decimal("100.000"),
        datasheet_url="https://labsource.example/sheets/glv-100.pdf",
    )
    CatalogItemFactory(supplier=supplier, sku="PIP-1", name="Pipette single")
    client.force_login(employee_in(france).user)

    page = client.get("/catalog/", {"q": "nitrile"}).content.decode()
    assert "(pack of 100)" in page
    assert (
        '<a class="datasheet small" href="https://labsource.example/sheets/glv-100.pdf" target="_blank" '
        'rel="noopener noreferrer">Datasheet</a>'
    ) in page

    single = client.get("/catalog/", {"q": "pipette"}).content.decode()
    assert "Pipette single" in single
    assert "pack of" not in single
    assert 'class="datasheet' not in single


def test_the_catalog_api_gives_pack_size_image_and_datasheet(api_client, france, employee_in):
    supplier = SupplierFactory(code="LABSRC", currency="EUR")
    CatalogItemFactory(
        supplier=supplier,
        sku="GLV-100",
        pack_size=Decimal("12.500"),
        image_url="https://labsource.example/img/glv.png",
        datasheet_url="https://labsource.example/sheets/glv-100.pdf",
    )
    CatalogItemFactory(supplier=supplier, sku="PIP-1")
    user = employee_in(france).user
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")

    rows = {
        row["sku"]: row for row in api_client.get("/api/v1/catalog/items/", {"supplier": "LABSRC"}).json()["results"]
    }
    assert (rows["GLV-100"]["pack_size"], rows["GLV-100"]["image_url"], rows["GLV-100"]["datasheet_url"]) == (
        "12.5",
        "https://labsource.example/img/glv.png",
        "https://labsource.example/sheets/glv-100.pdf",
    )
    assert (rows["PIP-1"]["pack_size"], rows["PIP-1"]["image_url"], rows["PIP-1"]["datasheet_url"]) == (None, "", "")
