"""Issue 13, the ERP side of punchout: what an ERP reads from the cart we hand back is exact and faithful.

Defects 2 (one currency per cXML cart), 5 (inspect is read-only), 6 (edit matches part id and auxiliary id
together), 7 (OCI DETAIL/VALIDATE take the EXT_PRODUCT_ID we hand out; a bad QUANTITY is an error) and 8
(test mode, manufacturer and lead time kept on edit, an empty cart's total 0.00, standard Status texts).
"""

import base64
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import lxml.html
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from lxml import etree

from procurement.models import ExchangeRate
from punchout import cxml
from punchout.erp_punchin_requests import erp_client_set_oci_password
from punchout.models import ErpClient, InboundSession
from tests.factories import CatalogItemFactory, LegalEntityFactory, SupplierFactory

from .support import dtd_errors

SETUP = "/punchout/cxml/setup/"
RETURN_URL = "https://erp.example/punchout/return"


@pytest.fixture
def erp(db):
    cache.clear()
    entity = LegalEntityFactory(code="SE-ERP", currency="SEK")
    client = ErpClient.objects.create(
        code="SAP-T",
        name="Test SAP",
        legal_entity=entity,
        cxml_identities=[{"domain": "NetworkID", "identity": "SAP-T"}],
        shared_secret="s3cret",
        oci_enabled=True,
        oci_username="sap-t",
        allowed_hosts=["erp.example"],
    )
    erp_client_set_oci_password(client=client, password="oci-secret")
    return client


@pytest.fixture
def chair(db):
    return CatalogItemFactory(
        supplier=SupplierFactory(code="KONTOR", currency="SEK"),
        sku="CHAIR-1",
        name="Office chair",
        base_price_minor=437000,
        currency="SEK",
        unspsc="56101504",
        manufacturer="Kinnarps",
        manufacturer_part_id="K-6000",
        lead_time_days=12,
    )


@pytest.fixture
def pens(db):
    return CatalogItemFactory(
        supplier=SupplierFactory(code="STIFTE", currency="EUR"),
        sku="PEN-10",
        name="Ballpoint pens, box of 10",
        base_price_minor=4480,
        currency="EUR",
        unspsc="44121704",
        manufacturer="Stabilo",
        manufacturer_part_id="S-808",
        lead_time_days=3,
    )


def setup_request(
    *, operation: str = "create", items: str = "", mode: str = "production", cookie: str = "cookie-1"
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.069/cXML.dtd">
<cXML payloadID="sap-1@erp.example" timestamp="2026-11-22T10:00:00+01:00">
<Header><From><Credential domain="NetworkID"><Identity>SAP-T</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="NetworkID"><Identity>SAP-T</Identity><SharedSecret>s3cret</SharedSecret>
</Credential><UserAgent>Test SAP</UserAgent></Sender></Header>
<Request deploymentMode="{mode}"><PunchOutSetupRequest operation="{operation}"><BuyerCookie>{cookie}</BuyerCookie>
<Extrinsic name="UserEmail">buyer@erp.example</Extrinsic>
<BrowserFormPost><URL>{RETURN_URL}</URL></BrowserFormPost>{items}
</PunchOutSetupRequest></Request></cXML>""".encode()


def item_out(part: str, aux: str | None, *, quantity: str = "1", price: str = "1.00", currency: str = "SEK") -> str:
    aux_element = f"<SupplierPartAuxiliaryID>{aux}</SupplierPartAuxiliaryID>" if aux is not None else ""
    return f"""<ItemOut quantity="{quantity}"><ItemID><SupplierPartID>{part}</SupplierPartID>{aux_element}</ItemID>
<ItemDetail><UnitPrice><Money currency="{currency}">{price}</Money></UnitPrice>
<Description xml:lang="en">As the ERP has it</Description><UnitOfMeasure>EA</UnitOfMeasure></ItemDetail></ItemOut>"""


def punch_in(**kwargs) -> Client:
    """A browser that ran the setup and opened the StartPage."""
    response = Client().post(SETUP, setup_request(**kwargs), content_type="text/xml")
    assert response.status_code == 200, response.content
    url = etree.fromstring(response.content).findtext("Response/PunchOutSetupResponse/StartPage/URL")
    browser = Client()
    landed = browser.get(urlparse(url).path)
    assert landed.status_code == 303, landed.content
    return browser


def add(browser: Client, *picks: tuple[object, str]):
    return browser.post("/requisitions/add-from-catalog/", {f"qty-{item.pk}": quantity for item, quantity in picks})


def transfer(browser: Client):
    return browser.post("/punchout/inbound/transfer/")


def order_message(response) -> bytes:
    assert response.status_code == 200, response.content.decode()
    form = lxml.html.fromstring(response.content).forms[0]
    return base64.b64decode(form.inputs["cxml-base64"].value)


def rate(from_currency: str, to_currency: str, value: str, days_ago: int = 1) -> None:
    ExchangeRate.objects.create(
        from_currency=from_currency,
        to_currency=to_currency,
        rate=Decimal(value),
        valid_from=timezone.localdate() - timedelta(days=days_ago),
    )


# --- defect 2: a cart handed back to an ERP has one currency -------------------------------------------------


def test_a_mixed_cart_goes_back_in_one_currency_at_the_stored_rate_and_says_so_on_the_line(erp, chair, pens):
    rate("EUR", "SEK", "11.2345")
    browser = punch_in()
    add(browser, (chair, "1"), (pens, "3"))
    document = order_message(transfer(browser))
    assert dtd_errors(document) == []
    root = etree.fromstring(document)
    total = root.find("Message/PunchOutOrderMessage/PunchOutOrderMessageHeader/Total/Money")
    lines = {
        item.findtext("ItemID/SupplierPartID"): item for item in root.iterfind("Message/PunchOutOrderMessage/ItemIn")
    }
    pen_price = lines["PEN-10"].find("ItemDetail/UnitPrice/Money")
    chair_price = lines["CHAIR-1"].find("ItemDetail/UnitPrice/Money")
    # 44.80 EUR × 11.2345 = 503.3056 → 503.31 SEK; the ERP reads 3 × 503.31 = 1,509.93 SEK.
    assert (chair_price.get("currency"), chair_price.text) == ("SEK", "4370.00")
    assert (pen_price.get("currency"), pen_price.text) == ("SEK", "503.31")
    assert (total.get("currency"), total.text) == ("SEK", "5879.93")
    written = sum(
        Decimal(item.get("quantity")) * Decimal(item.findtext("ItemDetail/UnitPrice/Money")) for item in lines.values()
    )
    assert written == Decimal(total.text)
    extrinsics = {e.get("name"): e.text for e in lines["PEN-10"].iterfind("ItemDetail/Extrinsic")}
    assert extrinsics == {
        "OriginalUnitPrice": "44.80",
        "OriginalCurrency": "EUR",
        "ExchangeRate": "11.2345",
        "ExchangeRateDate": timezone.localdate().isoformat(),
    }
    assert not lines["CHAIR-1"].findall("ItemDetail/Extrinsic")


def test_a_mixed_cart_without_a_stored_rate_is_not_transferred_and_the_shopper_is_told(erp, chair, pens):
    browser = punch_in()
    add(browser, (chair, "1"), (pens, "1"))
    refused = transfer(browser)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "cannot be sent to Test SAP in one currency" in text
    assert "no exchange rate EUR → SEK is stored" in text
    assert "cxml-base64" not in text
    session = InboundSession.objects.get()
    assert session.status == "shopping" and session.requisition.lines.count() == 2


def test_a_cart_in_one_foreign_currency_goes_back_unconverted(erp, pens):
    browser = punch_in()
    add(browser, (pens, "2"))
    root = etree.fromstring(order_message(transfer(browser)))
    total = root.find("Message/PunchOutOrderMessage/PunchOutOrderMessageHeader/Total/Money")
    assert (total.get("currency"), total.text) == ("EUR", "89.60")


def test_an_oci_cart_keeps_each_line_in_its_currency_and_its_figures_multiply_out(erp, chair, pens):
    browser = Client()
    landed = browser.post(
        "/punchout/oci/", {"USERNAME": "sap-t", "PASSWORD": "oci-secret", "HOOK_URL": "https://erp.example/hook"}
    )
    browser.get(urlparse(landed["Location"]).path)
    add(browser, (chair, "1"), (pens, "3"))
    form = lxml.html.fromstring(transfer(browser).content).forms[0]
    values = {i.name: i.value for i in form.inputs if i.name}
    got = {
        values[f"NEW_ITEM-VENDORMAT[{n}]"]: (
            values[f"NEW_ITEM-QUANTITY[{n}]"],
            values[f"NEW_ITEM-PRICE[{n}]"],
            values[f"NEW_ITEM-PRICEUNIT[{n}]"],
            values[f"NEW_ITEM-CURRENCY[{n}]"],
        )
        for n in (1, 2)
    }
    assert got == {"CHAIR-1": ("1", "4370.00", "1", "SEK"), "PEN-10": ("3", "44.80", "1", "EUR")}


# --- defect 5: inspect is read-only --------------------------------------------------------------------------


def test_an_inspect_session_shows_the_erp_items_and_writes_nothing(erp, chair, pens):
    editing = punch_in(operation="edit", items=item_out("CHAIR-1", str(chair.pk)), cookie="edit")
    edit_cart = InboundSession.objects.get(buyer_cookie="edit").requisition
    assert edit_cart.lines.count() == 1

    viewer = punch_in(operation="inspect", items=item_out("PEN-10", str(pens.pk)), cookie="inspect")
    inspected = InboundSession.objects.get(buyer_cookie="inspect").requisition
    catalog = viewer.get("/catalog/").content.decode()
    assert "Add to cart" not in catalog and f"/requisitions/{edit_cart.pk}/" not in catalog
    assert "qty-" not in catalog and "look only" in catalog
    page = viewer.get(f"/requisitions/{inspected.pk}/").content.decode()
    assert "Ballpoint pens" in page and f"/requisitions/{edit_cart.pk}/" not in page

    refused = add(viewer, (chair, "5"))
    assert refused.status_code == 403 and "only for looking" in refused.content.decode()
    saved = viewer.post(f"/requisitions/{inspected.pk}/save/", {"action": "save"})
    assert saved.status_code == 403 and "only for looking" in saved.content.decode()
    assert list(edit_cart.lines.values_list("catalog_item__sku", "quantity")) == [("CHAIR-1", Decimal(1))]
    assert list(inspected.lines.values_list("catalog_item__sku", "quantity")) == [("PEN-10", Decimal(1))]
    # The edit session still shops its own cart.
    assert add(editing, (pens, "2")).status_code == 302
    assert edit_cart.lines.count() == 2


# --- defect 6: edit matches what we handed out -----------------------------------------------------------------


def test_edit_takes_only_lines_whose_part_id_and_auxiliary_id_are_ours_together(erp, chair, pens):
    items = (
        item_out("CHAIR-1", str(chair.pk), quantity="2", price="1.00")  # ours: today's price, not the ERP's
        + item_out("CHAIR-1", str(pens.pk), price="2.00")  # our part id with another item's id
        + item_out("GOLD-BAR", None, price="99999.00")  # never sold here
        + item_out("PEN-10", None, price="3.00", currency="EUR")  # our part id without the id we gave
    )
    browser = punch_in(operation="edit", items=items)
    session = InboundSession.objects.get()
    line = session.requisition.lines.get()
    assert (line.catalog_item_id, line.supplier_part_id, line.quantity, line.unit_price_minor, line.unspsc) == (
        chair.pk,
        "CHAIR-1",
        Decimal(2),
        437000,
        "56101504",
    )
    page = browser.get(f"/requisitions/{session.requisition_id}/").content.decode()
    assert "3 lines from Test SAP were not taken into this cart" in page
    for part in ("GOLD-BAR", "PEN-10"):
        assert part in page
    assert f"CHAIR-1 / {pens.pk}" in page


# --- defect 7: OCI DETAIL and VALIDATE -------------------------------------------------------------------------


def oci(**extra: str) -> dict[str, str]:
    return {"USERNAME": "sap-t", "PASSWORD": "oci-secret", "HOOK_URL": "https://erp.example/hook", **extra}


def test_oci_validate_takes_the_ext_product_id_we_hand_out(erp, chair, pens):
    answer = Client().post("/punchout/oci/", oci(FUNCTION="VALIDATE", PRODUCTID=str(pens.pk), QUANTITY="4"))
    values = {i.name: i.value for i in lxml.html.fromstring(answer.content).forms[0].inputs if i.name}
    assert (values["NEW_ITEM-VENDORMAT[1]"], values["NEW_ITEM-EXT_PRODUCT_ID[1]"]) == ("PEN-10", str(pens.pk))
    assert values["NEW_ITEM-QUANTITY[1]"] == "4" and values["NEW_ITEM-PRICE[1]"] == "44.80"
    by_sku = Client().post("/punchout/oci/", oci(FUNCTION="VALIDATE", PRODUCTID="pen-10", QUANTITY="1"))
    assert b'value="PEN-10"' in by_sku.content


def test_oci_detail_opens_the_product_named_by_the_ext_product_id(erp, chair, pens):
    browser = Client()
    landed = browser.post("/punchout/oci/", oci(FUNCTION="DETAIL", PRODUCTID=str(pens.pk)))
    assert parse_qs(urlparse(landed["Location"]).query) == {"detail": ["PEN-10"]}
    opened = browser.get(landed["Location"])
    assert opened["Location"] == "/catalog/?q=PEN-10"
    assert 'data-sku="PEN-10"' in browser.get(opened["Location"]).content.decode()


@pytest.mark.parametrize(
    ("quantity", "words"),
    [
        ("abc", "QUANTITY 'abc' is not a number."),
        ("-2", "QUANTITY '-2' is not a positive number."),
        ("0", "QUANTITY '0' is not a positive number."),
        ("1.2345", "QUANTITY '1.2345' has more than 3 decimals."),
        ("99999999999", "QUANTITY '99999999999' is larger than a requisition line can hold."),
        ("1e3", "QUANTITY '1e3' is not a number."),
    ],
)
def test_oci_validate_answers_a_bad_quantity_with_an_error_not_quantity_1(erp, pens, quantity, words):
    answer = Client().post("/punchout/oci/", oci(FUNCTION="VALIDATE", PRODUCTID="PEN-10", QUANTITY=quantity))
    assert answer.status_code == 400
    page = lxml.html.fromstring(answer.content)
    assert page.get_element_by_id("oci-refused").text_content() == words
    assert not page.forms and b"NEW_ITEM" not in answer.content
    assert not InboundSession.objects.exists()


# --- defect 8: test mode, edit keeps manufacturer and lead time, 0.00, Status texts ---------------------------


def test_a_setup_in_test_mode_is_answered_and_returned_in_test_mode(erp, chair):
    browser = punch_in(mode="test")
    add(browser, (chair, "1"))
    root = etree.fromstring(order_message(transfer(browser)))
    assert root.find("Message").get("deploymentMode") == "test"
    production = punch_in(cookie="prod")
    add(production, (chair, "1"))
    assert etree.fromstring(order_message(transfer(production))).find("Message").get("deploymentMode") == "production"


def test_lines_restored_for_edit_keep_manufacturer_and_lead_time(erp, chair):
    browser = punch_in(operation="edit", items=item_out("CHAIR-1", str(chair.pk), quantity="2"))
    line = InboundSession.objects.get().requisition.lines.get()
    assert (line.manufacturer, line.manufacturer_part_id, line.lead_time_days) == ("Kinnarps", "K-6000", 12)
    item = etree.fromstring(order_message(transfer(browser))).find("Message/PunchOutOrderMessage/ItemIn")
    assert (
        item.findtext("ItemDetail/ManufacturerPartID"),
        item.findtext("ItemDetail/ManufacturerName"),
        item.findtext("ItemDetail/LeadTime"),
    ) == ("K-6000", "Kinnarps", "12")


def test_an_empty_cart_goes_back_with_a_total_of_0_00(erp):
    root = etree.fromstring(order_message(transfer(punch_in())))
    total = root.find("Message/PunchOutOrderMessage/PunchOutOrderMessageHeader/Total/Money")
    assert (total.get("currency"), total.text) == ("SEK", "0.00")


def status(response) -> tuple[str, str, str]:
    element = etree.fromstring(response.content).find("Response/Status")
    return element.get("code"), element.get("text"), (element.text or "").strip()


def test_every_status_we_answer_has_its_standard_text(erp, client):
    for _ in range(5):
        client.post(SETUP, setup_request().replace(b"s3cret", b"wrong"), content_type="text/xml")
    throttled = client.post(SETUP, setup_request(), content_type="text/xml")
    assert throttled.status_code == 429
    assert status(throttled)[:2] == ("429", "Too Many Requests")
    assert status(client.post(SETUP, b"<cXML>", content_type="text/xml"))[:2] == ("400", "Bad Request")
    supplier_side = client.post("/cxml/inbound/", b"not xml", content_type="text/xml")
    assert status(supplier_side)[:2] == ("400", "Bad Request")


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (200, "OK"),
        (201, "Accepted"),
        (204, "No Content"),
        (400, "Bad Request"),
        (401, "Unauthorized"),
        (402, "Payment Required"),
        (403, "Forbidden"),
        (406, "Not Acceptable"),
        (409, "Conflict"),
        (412, "Precondition Failed"),
        (413, "Request Entity Too Large"),
        (417, "Expectation Failed"),
        (429, "Too Many Requests"),
        (450, "Not Implemented"),
        (475, "Signature Required"),
        (476, "Signature Verification Failed"),
        (477, "Signature Unacceptable"),
        (500, "Internal Server Error"),
        (550, "Unable to reach cXML server"),
        (551, "Unable to forward request"),
        (560, "Temporary server error"),
    ],
)
def test_the_codec_writes_the_standard_text_of_each_code_with_our_message(code, text):
    written = cxml.build_response(cxml.Status(code=code, text="whatever", message="Our message."))
    assert dtd_errors(written) == []
    element = etree.fromstring(written).find("Response/Status")
    assert (element.get("code"), element.get("text"), element.text) == (str(code), text, "Our message.")
    assert cxml.CXMLError(code, "Our message.").to_status().text == text
