"""ERP systems punch into our catalog: setup (cXML, OCI), a one-time StartPage, shopping, the cart sent back."""

import base64
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import lxml.html
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from lxml import etree

from procurement.models import CatalogItem, Employee
from procurement.selectors import catalog_item_price
from punchout import cxml, oci
from punchout.erp_punchin_requests import client_price_lists
from punchout.models import ErpClient, InboundSession
from requisitions.models import RequisitionStatus

from .support import CXML_SAMPLES, dtd_errors, sample

pytestmark = pytest.mark.usefixtures("punch_in")

SETUP = "/punchout/cxml/setup/"


def setup_request(
    cookie: str = "erp-cookie-1",
    secret: str = "erp-secret",
    identity: str = "ERP-TEST",
    url: str = "http://127.0.0.1:9999/erp/return",
    operation: str = "create",
    items: str = "",
    email: str = "buyer@erp.example",
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.069/cXML.dtd">
<cXML payloadID="erp-1@erp.example" timestamp="2026-11-22T10:00:00+01:00">
<Header><From><Credential domain="NetworkID"><Identity>{identity}</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="networkid"><Identity>{identity}</Identity><SharedSecret>{secret}</SharedSecret>
</Credential><UserAgent>Test ERP</UserAgent></Sender></Header>
<Request><PunchOutSetupRequest operation="{operation}"><BuyerCookie>{cookie}</BuyerCookie>
<Extrinsic name="UserEmail">{email}</Extrinsic><Extrinsic name="CostCenter">4711</Extrinsic>
<BrowserFormPost><URL>{url}</URL></BrowserFormPost>
<Contact role="endUser"><Name xml:lang="en">Erik Buyer</Name><Email>{email}</Email></Contact>{items}
</PunchOutSetupRequest></Request></cXML>""".encode()


def post_setup(client: Client, body: bytes):
    return client.post(SETUP, body, content_type="text/xml")


def status_of(response) -> tuple[int, str]:
    root = etree.fromstring(response.content)
    status = root.find("Response/Status")
    return int(status.get("code")), (status.text or "").strip()


def start_page(response) -> str:
    return etree.fromstring(response.content).findtext("Response/PunchOutSetupResponse/StartPage/URL")


def test_a_setup_request_gets_a_one_time_start_page_that_logs_the_user_in(client):
    response = post_setup(client, setup_request())
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert status_of(response)[0] == 200
    assert dtd_errors(response.content) == []
    url = start_page(response)
    assert url.startswith("http://testserver/punchout/inbound/start/")
    session = InboundSession.objects.get()
    assert (session.buyer_cookie, session.user_email, session.extrinsics["CostCenter"]) == (
        "erp-cookie-1",
        "buyer@erp.example",
        "4711",
    )
    assert session.contact["name"] == "Erik Buyer"

    browser = Client()
    landed = browser.get(urlparse(url).path)
    assert landed.status_code == 303 and landed["Location"] == "/catalog/"
    page = browser.get("/catalog/").content.decode()
    assert "Shopping for Test ERP" in page and "Transfer cart to Test ERP" in page
    assert "Approvals" not in page and "Budgets" not in page
    assert Client().get(urlparse(url).path).status_code == 410  # once only


def test_a_start_page_used_late_is_refused(client):
    url = start_page(post_setup(client, setup_request()))
    InboundSession.objects.update(start_expires_at=timezone.now() - timedelta(seconds=1))
    late = Client().get(urlparse(url).path)
    assert late.status_code == 410 and "expired" in late.content.decode()


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (setup_request(secret="wrong"), 401, "wrong shared secret"),
        (setup_request(identity="SOMEONE-ELSE"), 401, "Unknown sender"),
        (b"<cXML><Request><PunchOutSetupRequest>", 400, ""),
        (b"not xml at all", 400, ""),
        (setup_request(url="https://evil.example/steal"), 403, "evil.example is not one this client may return to"),
        (sample("OrderRequest__cxml-php__1.2.050.xml"), 406, "OrderRequest"),
    ],
    ids=["bad-secret", "unknown-sender", "malformed", "not-xml", "foreign-host", "order-request"],
)
def test_refusals_are_cxml_statuses(client, body, code, words):
    response = post_setup(client, body)
    assert response.status_code == code
    assert status_of(response)[0] == code and words in status_of(response)[1]
    assert not InboundSession.objects.exists()


def test_xml_attacks_on_the_setup_endpoint_are_refused(client):
    xxe = b'<?xml version="1.0"?><!DOCTYPE cXML [<!ENTITY x SYSTEM "file:///etc/passwd">]><cXML>&x;</cXML>'
    response = post_setup(client, xxe)
    assert response.status_code == 400 and b"root:" not in response.content


def test_a_profile_request_says_what_we_support(client):
    profile = cxml.build_profile_request(
        cxml.ProfileRequest(
            header=cxml.Header(
                from_=cxml.Credential(domain="NetworkID", identity="ERP-TEST"),
                to=cxml.Credential(domain="DUNS", identity="ACME-CATALOG"),
                sender=cxml.Credential(domain="NetworkID", identity="ERP-TEST", shared_secret="erp-secret"),
                user_agent="Test ERP",
            )
        )
    )
    response = post_setup(client, profile)
    assert response.status_code == 200 and dtd_errors(response.content) == []
    answer = cxml.parse_profile_response(response.content)
    assert answer.url_for("PunchOutSetupRequest") == "http://testserver/punchout/cxml/setup/"


SAMPLES = sorted(p.name for p in CXML_SAMPLES.glob("PunchOutSetupRequest__*.xml"))
NO_RETURN_URL = {"PunchOutSetupRequest__business-cxml__contact_only.xml"}


@pytest.mark.parametrize("name", SAMPLES)
def test_real_setup_requests_are_answered_with_a_start_page(client, erp_client, name):
    """Each sample, with an ERP client set up for its sender, secret and return host."""
    data = sample(name)
    request = cxml.parse_punchout_setup_request(data)
    host = urlparse((request.browser_form_post_url or "http://none.example/").strip()).hostname
    ErpClient.objects.create(
        code=f"C{abs(hash(name)) % 10**6}",
        name="Sample ERP",
        legal_entity_id=erp_client.legal_entity_id,
        cxml_identities=[{"domain": request.header.sender.domain, "identity": request.header.sender.identity}],
        shared_secret=request.header.sender.shared_secret or "unused-secret",
        allowed_hosts=[host],
    )
    response = post_setup(client, data)
    code, text = status_of(response)
    if name in NO_RETURN_URL:
        assert (response.status_code, code) == (400, 400) and "BrowserFormPost" in text
    elif not request.header.sender.shared_secret:
        assert (response.status_code, code) == (401, 401)
    else:
        assert (response.status_code, code) == (200, 200), text
        assert start_page(response).startswith("http://testserver/punchout/inbound/start/")
        session = InboundSession.objects.get()
        assert session.operation == request.operation
        assert len(session.items_out) == len(request.items_out)


def shop_three_items(browser: Client) -> list[CatalogItem]:
    items = list(CatalogItem.objects.filter(is_active=True).order_by("sku")[:3])
    browser.post("/requisitions/add-from-catalog/", {f"qty-{item.pk}": str(n) for n, item in enumerate(items, 1)})
    return items


def test_the_cart_goes_back_as_a_punchout_order_message_at_the_client_prices(client, erp_client):
    url = start_page(post_setup(client, setup_request()))
    browser = Client()
    browser.get(urlparse(url).path)
    items = shop_three_items(browser)
    transfer = browser.post("/punchout/inbound/transfer/")
    assert transfer.status_code == 200
    form = lxml.html.fromstring(transfer.content).forms[0]
    assert form.action == "http://127.0.0.1:9999/erp/return" and form.get("target") == "_top"
    document = base64.b64decode(form.inputs["cxml-base64"].value)
    assert dtd_errors(document) == []
    message = cxml.parse_punchout_order_message(document)
    assert message.buyer_cookie == "erp-cookie-1"
    lists = client_price_lists(erp_client)
    expected = {item.sku: catalog_item_price(item=item, price_lists=lists) for item in items}
    got = {line.supplier_part_id: line for line in message.items}
    assert set(got) == set(expected)
    for n, item in enumerate(items, 1):
        line = got[item.sku]
        assert (line.quantity, line.unit_price.amount, line.unit_price.currency) == (
            n,
            expected[item.sku].amount,
            expected[item.sku].currency,
        )
    assert message.total.amount == sum(expected[i.sku].amount * n for n, i in enumerate(items, 1))
    # The session is over: the punchout-only user is logged out and the transfer cannot be repeated.
    again = browser.post("/punchout/inbound/transfer/")
    assert again.status_code == 400 and "You are not in a punchout session." in again.content.decode()
    assert InboundSession.objects.get().status == "transferred"


def test_an_employee_named_by_the_erp_shops_as_a_punch_in_identity_not_as_the_employee(client):
    alice = Employee.objects.get(user__username="alice")
    url = start_page(post_setup(client, setup_request(email=alice.user.email)))
    browser = Client()
    browser.get(urlparse(url).path)
    shopper = InboundSession.objects.get().employee
    assert shopper != alice and shopper.user.email == alice.user.email
    assert not shopper.user.has_usable_password() and not shopper.user.is_staff


def test_edit_starts_with_the_erp_lines_and_inspect_is_read_only(client):
    item = CatalogItem.objects.filter(is_active=True).order_by("sku").first()
    item_out = f"""<ItemOut quantity="4"><ItemID><SupplierPartID>{item.sku}</SupplierPartID>
<SupplierPartAuxiliaryID>{item.pk}</SupplierPartAuxiliaryID></ItemID><ItemDetail><UnitPrice>
<Money currency="SEK">1.00</Money></UnitPrice><Description xml:lang="en">x</Description>
<UnitOfMeasure>EA</UnitOfMeasure></ItemDetail></ItemOut>"""
    url = start_page(post_setup(client, setup_request(operation="edit", items=item_out)))
    browser = Client()
    landed = browser.get(urlparse(url).path)
    cart = InboundSession.objects.get().requisition
    assert landed["Location"] == f"/requisitions/{cart.pk}/"
    line = cart.lines.get()
    assert (line.supplier_part_id, line.quantity, line.catalog_item_id) == (item.sku, 4, item.pk)

    url = start_page(post_setup(client, setup_request(operation="inspect", cookie="c2", items=item_out)))
    viewer = Client()
    viewer.get(urlparse(url).path)
    inspected = InboundSession.objects.get(buyer_cookie="c2").requisition
    assert inspected.status == RequisitionStatus.CANCELLED  # nothing can be changed
    page = viewer.get(f"/requisitions/{inspected.pk}/").content.decode()
    assert "look only" in page and "Back to Test ERP" in page and "Save changes" not in page


def oci_params(**extra: str) -> dict[str, str]:
    return {
        "USERNAME": "erp-test",
        "PASSWORD": "erp-secret",
        "HOOK_URL": "http://localhost:8123/sap/hook?client=100",
        "~TARGET": "_parent",
        "~OkCode": "ADDI",
        "~CALLER": "CTLG",
        **extra,
    }


def test_an_oci_call_up_logs_in_and_the_cart_goes_back_as_new_item_fields():
    cache.clear()
    browser = Client()
    landed = browser.post("/punchout/oci/", oci_params())
    assert landed.status_code == 303 and "/punchout/inbound/start/" in landed["Location"]
    browser.get(urlparse(landed["Location"]).path)
    item = CatalogItem.objects.filter(is_active=True, name__regex=r"^.{41,}$").first() or CatalogItem.objects.first()
    browser.post("/requisitions/add-from-catalog/", {f"qty-{item.pk}": "2"})
    transfer = browser.post("/punchout/inbound/transfer/")
    form = lxml.html.fromstring(transfer.content).forms[0]
    assert form.action == "http://localhost:8123/sap/hook?client=100" and form.get("target") == "_parent"
    fields = [(i.name, i.value) for i in form.inputs if i.name]
    values = dict(fields)
    assert len(values["NEW_ITEM-DESCRIPTION[1]"]) <= 40
    assert values["NEW_ITEM-QUANTITY[1]"] == "2" and values["NEW_ITEM-CURRENCY[1]"] == item.currency
    assert values["NEW_ITEM-VENDORMAT[1]"] == item.sku and values["NEW_ITEM-UNIT[1]"] == item.unit
    (parsed,) = oci.parse_new_item_form(fields)
    assert parsed.text.startswith(item.name[:40]) and parsed.quantity == Decimal(2)


def test_oci_refuses_bad_logins_throttles_them_and_foreign_hook_urls():
    cache.clear()
    browser = Client()
    assert browser.post("/punchout/oci/", oci_params(PASSWORD="nope")).status_code == 401
    assert browser.get("/punchout/oci/", oci_params(USERNAME="nobody")).status_code == 401
    for _ in range(4):
        browser.post("/punchout/oci/", oci_params(PASSWORD="nope"))
    locked = browser.post("/punchout/oci/", oci_params())
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    cache.clear()
    foreign = browser.post("/punchout/oci/", oci_params(HOOK_URL="https://attacker.example/hook"))
    assert foreign.status_code == 403
    assert not InboundSession.objects.exists()


def test_oci_validate_and_background_search_answer_at_once():
    cache.clear()
    item = CatalogItem.objects.filter(is_active=True).order_by("sku").first()
    validate = Client().post("/punchout/oci/", oci_params(FUNCTION="VALIDATE", PRODUCTID=item.sku, QUANTITY="3"))
    fields = dict((i.name, i.value) for i in lxml.html.fromstring(validate.content).forms[0].inputs if i.name)
    assert fields["NEW_ITEM-VENDORMAT[1]"] == item.sku and fields["NEW_ITEM-QUANTITY[1]"] == "3"
    search = Client().get("/punchout/oci/", oci_params(FUNCTION="BACKGROUND_SEARCH", SEARCHSTRING="ballpoint"))
    found = oci.parse_new_item_form(oci.fields_from_html(search.content))
    # the two ballpoint pens of the catalog (tests/punchout/conftest.py), and nothing else
    assert sorted(f.vendor_material for f in found) == ["PEN-BLK-10", "PEN-BLU-50"]
    assert not InboundSession.objects.exists()


def test_the_admin_sets_up_an_erp_client_with_hashed_password_and_its_prices(admin_client, organisation):
    from django.contrib.auth.hashers import check_password

    price_list = organisation.framework
    form = {
        "code": "SAP-PROD",
        "name": "SAP production",
        "legal_entity": organisation.france.pk,
        "is_active": "on",
        "allowed_hosts": '["sap.example.com"]',
        "cxml_identities": "[]",
        "shared_secret": "",
        "oci_enabled": "on",
        "oci_username": "sapprod",
        "oci_password": "s3cret-pw",
        "price_lists": [price_list.pk],
        "start_minutes": "5",
        "session_minutes": "120",
    }
    response = admin_client.post("/admin/punchout/erpclient/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    client = ErpClient.objects.get(code="SAP-PROD")
    assert check_password("s3cret-pw", client.oci_password_hash) and "s3cret-pw" not in client.oci_password_hash
    assert price_list.groups.filter(pk=client.group_id).exists()
    page = admin_client.get(f"/admin/punchout/erpclient/{client.pk}/change/").content.decode()
    assert "s3cret-pw" not in page


def test_a_punchout_login_opens_only_the_catalog_and_the_cart(client):
    """The ERP vouched for who the user is, not for approving or buying here: the rest stays closed."""
    erin = Employee.objects.get(user__username="erin")  # finance: approver, budgets, orders
    url = start_page(post_setup(client, setup_request(email=erin.user.email)))
    browser = Client()
    browser.get(urlparse(url).path)
    assert browser.get("/catalog/").status_code == 200
    cart = InboundSession.objects.get().requisition
    assert browser.get(f"/requisitions/{cart.pk}/").status_code == 200
    for closed in ("/approvals/", "/budgets/", "/purchase-orders/", "/admin/", "/api/v1/approvals/inbox/"):
        assert browser.get(closed).status_code == 403, closed
    # Leaving ends the session; the browser was never erin, so her pages stay closed.
    left = browser.post("/punchout/inbound/leave/")
    assert left.status_code == 200 and "nothing was sent to Test ERP" in left.content.decode()
    assert InboundSession.objects.get().status == "expired"
    assert browser.get("/approvals/")["Location"].startswith("/login/")
    assert browser.get("/catalog/")["Location"].startswith("/login/")


def item_out(quantity: str = "1", currency: str = "SEK", amount: str = "1.00") -> str:
    return f"""<ItemOut quantity="{quantity}"><ItemID><SupplierPartID>NOPE-1</SupplierPartID></ItemID><ItemDetail>
<UnitPrice><Money currency="{currency}">{amount}</Money></UnitPrice><Description xml:lang="en">x</Description>
<UnitOfMeasure>EA</UnitOfMeasure></ItemDetail></ItemOut>"""


def test_erp_lines_our_columns_cannot_hold_are_refused_at_setup(client):
    response = post_setup(client, setup_request(operation="edit", items=item_out(quantity="0.0001")))
    assert (response.status_code, status_of(response)) == (
        400,
        (400, "the quantity of ItemOut 1 has more than 3 decimals: it cannot be stored"),
    )
    assert not InboundSession.objects.exists()


@pytest.mark.parametrize(
    "line", [item_out(currency="EURO"), item_out(currency="XXY"), item_out(amount="123456789012345678901234")]
)
def test_erp_lines_that_cannot_become_a_cart_are_refused_clearly(client, line):
    response = post_setup(client, setup_request(operation="edit", items=line))
    if response.status_code == 200:
        refused = Client().get(urlparse(start_page(response)).path)
        assert refused.status_code == 400 and "could not be opened here" in refused.content.decode()
        assert InboundSession.objects.get().status == "pending"
    else:
        assert (response.status_code, status_of(response)[0]) == (400, 400)
        assert not InboundSession.objects.exists()
