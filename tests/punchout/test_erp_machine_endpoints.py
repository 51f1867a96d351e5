"""The ERP's machine side: OCI VALIDATE and BACKGROUND_SEARCH keep to the client's assortment, bounded numbers,
and an unexpected error answered in the endpoint's protocol."""

import lxml.html
import pytest
from django.core.cache import cache
from django.test import Client
from lxml import etree

from procurement.models import CatalogItem, CustomCatalog
from procurement.selectors import catalog_items_visible
from punchout import erp_punchin_requests, oci
from punchout.models import ErpClient

pytestmark = pytest.mark.usefixtures("punch_in")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def oci_params(**extra: str) -> dict[str, str]:
    return {
        "USERNAME": "erp-test",
        "PASSWORD": "erp-secret",
        "HOOK_URL": "http://localhost:8123/sap/hook?client=100",
        **extra,
    }


def new_items(response) -> list[oci.OciItem]:
    return oci.parse_new_item_form(oci.fields_from_html(response.content))


@pytest.fixture
def assortment() -> tuple[CatalogItem, CatalogItem]:
    """The client's group gets a custom catalog with one item; another item with a shared word is outside it."""
    client = ErpClient.objects.select_related("group").get(code="ERP-TEST")
    inside, outside = CatalogItem.objects.filter(is_active=True, supplier__is_active=True).order_by("sku")[:2]
    CatalogItem.objects.filter(pk=inside.pk).update(name=f"Zorblax {inside.name}")
    CatalogItem.objects.filter(pk=outside.pk).update(name=f"Zorblax {outside.name}")
    catalog = CustomCatalog.objects.create(code="ERP-ONLY", name="What the ERP may buy")
    catalog.items.add(inside)
    catalog.groups.add(client.group)
    inside.refresh_from_db()
    outside.refresh_from_db()
    return inside, outside


def test_background_search_returns_only_the_clients_assortment(assortment):
    inside, _ = assortment
    found = new_items(Client().get("/punchout/oci/", oci_params(FUNCTION="BACKGROUND_SEARCH", SEARCHSTRING="Zorblax")))
    assert [(item.vendor_material, item.ext_product_id) for item in found] == [(inside.sku, str(inside.pk))]


def test_validate_of_an_item_outside_the_assortment_returns_nothing(assortment):
    inside, outside = assortment
    outside_answer = Client().post("/punchout/oci/", oci_params(FUNCTION="VALIDATE", PRODUCTID=outside.sku))
    assert outside_answer.status_code == 200 and new_items(outside_answer) == []
    inside_answer = Client().post("/punchout/oci/", oci_params(FUNCTION="VALIDATE", PRODUCTID=inside.sku))
    assert [item.vendor_material for item in new_items(inside_answer)] == [inside.sku]


def test_the_machine_side_sees_what_the_clients_shoppers_see(assortment):
    from django.contrib.auth import get_user_model

    client = ErpClient.objects.select_related("group", "legal_entity").get(code="ERP-TEST")
    shopper = get_user_model().objects.create_user("punchout-erp-test-shopper")
    shopper.groups.add(client.group)
    shown = set(catalog_items_visible(legal_entity=client.legal_entity, user=shopper).values_list("pk", flat=True))
    assert set(erp_punchin_requests.client_catalog_items(client).values_list("pk", flat=True)) == shown


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("1.2345", "QUANTITY '1.2345' has more than 3 decimals."),
        ("1234567890123456", "QUANTITY is longer than 15 characters."),
        ("99999999999", "QUANTITY '99999999999' is larger than a requisition line can hold."),
        ("1e30", "QUANTITY '1e30' is not a number."),  # OCI numbers are digits and a point, never exponents
        ("lots", "QUANTITY 'lots' is not a number."),
        ("-2", "QUANTITY '-2' is not a positive number."),
        ("NaN", "QUANTITY 'NaN' is not a number."),
    ],
)
def test_validate_refuses_a_quantity_a_requisition_line_cannot_hold(quantity, message):
    item = CatalogItem.objects.filter(is_active=True).order_by("sku").first()
    response = Client().post("/punchout/oci/", oci_params(FUNCTION="VALIDATE", PRODUCTID=item.sku, QUANTITY=quantity))
    assert response.status_code == 400
    assert lxml.html.fromstring(response.content).get_element_by_id("oci-refused").text_content() == message


def test_validate_takes_three_decimals():
    item = CatalogItem.objects.filter(is_active=True).order_by("sku").first()
    response = Client().post("/punchout/oci/", oci_params(FUNCTION="VALIDATE", PRODUCTID=item.sku, QUANTITY="2,125"))
    assert [str(i.quantity) for i in new_items(response)] == ["2.125"]


def test_an_unexpected_error_in_the_cxml_setup_is_a_cxml_status(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom <SharedSecret>erp-secret</SharedSecret>")

    monkeypatch.setattr(erp_punchin_requests, "cxml_request", broken)
    response = client.post("/punchout/cxml/setup/", b"<cXML/>", content_type="text/xml")
    assert response.status_code == 500 and response["Content-Type"].startswith("text/xml")
    status = etree.fromstring(response.content).find("Response/Status")
    assert status.get("code") == "500" and "erp-secret" not in response.content.decode()


def test_an_unexpected_error_in_the_oci_call_up_is_the_oci_error_page(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(erp_punchin_requests, "oci_login", broken)
    response = Client().post("/punchout/oci/", oci_params())
    assert response.status_code == 500
    assert "Internal error: the document was not applied" in (
        lxml.html.fromstring(response.content).get_element_by_id("oci-refused").text_content()
    )


def test_password_like_call_up_fields_are_stored_masked():
    from punchout.models import InboundSession

    landed = Client().post("/punchout/oci/", oci_params(PWD="second-factor-9", **{"~PASSWORD": "tilde-secret"}))
    assert landed.status_code == 303
    stored = InboundSession.objects.get().extrinsics
    assert (stored["PWD"], stored["~PASSWORD"]) == ("********", "********")
    assert "PASSWORD" not in stored and "erp-secret" not in str(stored)
