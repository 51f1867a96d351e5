"""Punching out from a cart to a supplier shop over real HTTP, and taking the cart it sends back."""

import base64
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import httpx
import lxml.html
import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from procurement.models import CatalogItem, Employee
from punchout.models import PunchoutSession
from requisitions.models import Requisition, RequisitionLine
from requisitions.services import requisition_create

from .support import dtd_errors

pytestmark = pytest.mark.usefixtures("organisation")


def alice() -> Employee:
    """The requester of the `organisation` fixture."""
    return Employee.objects.select_related("user").get(user__username="alice")


@pytest.fixture
def cart(organisation) -> Requisition:
    return requisition_create(by=alice(), legal_entity=organisation.france, title="Shop run")


@pytest.fixture
def shopper(client) -> Client:
    client.force_login(alice().user)
    return client


def form_of(page: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The action and fields of the first form on a page, as a shopper would post them."""
    form = lxml.html.fromstring(page).forms[0]
    return form.action, [(i.name, i.value or "") for i in form.inputs if i.name and i.type != "submit"]


def shop(start_url: str, quantities: dict[str, int]) -> tuple[str, list[tuple[str, str]]]:
    """Open the shop page, set the quantities, check out: the auto-posting page's form comes back."""
    page = httpx.get(start_url)
    assert page.status_code == 200, page.text
    checkout = start_url.rstrip("/") + "/checkout"
    answer = httpx.post(checkout, data={part: str(q) for part, q in quantities.items()})
    return form_of(answer.content)


def post_back(action: str, fields: list[tuple[str, str]]):
    """The shop's page posts cross-site: no session cookie and no CSRF token reach us."""
    return Client(enforce_csrf_checks=True).post(urlparse(action).path, dict(fields))


def punch_out(shopper, cart, connection, operation="create"):
    response = shopper.post(
        "/punchout/start/", {"requisition": cart.pk, "connection": connection.pk, "operation": operation}
    )
    assert response.status_code == 303, response.content[:500]
    return response["Location"]


def test_a_cxml_punchout_brings_the_shop_cart_into_the_requisition(shopper, cart, cxml_connection, site, organisation):
    start_url = punch_out(shopper, cart, cxml_connection)
    assert start_url.startswith(f"{site.url}/shop/")
    # What we sent: valid cXML 1.2.069 with our return URL, the secret, the user's e-mail and a cookie.
    (sent,) = site.setup_requests
    assert dtd_errors(sent) == []
    root = etree.fromstring(sent)
    assert root.findtext("Header/Sender/Credential/SharedSecret") == "shop-secret-1"
    setup = root.find("Request/PunchOutSetupRequest")
    assert setup.get("operation") == "create"
    assert "/punchout/return/" in setup.findtext("BrowserFormPost/URL")
    extrinsics = {e.get("name"): e.text for e in setup.findall("Extrinsic")}
    assert extrinsics == {
        "UserEmail": alice().user.email,
        "UniqueName": alice().user.username,
        "CostCenter": organisation.engineering.code,
    }

    action, fields = shop(start_url, {"SHOP-PEN": 2, "SHOP-MOUSE": 1})
    assert [name for name, _ in fields] == ["cxml-base64"]
    back = post_back(action, fields)
    assert back.status_code == 303
    assert back["Location"] == f"/requisitions/{cart.pk}/?punchout={PunchoutSession.objects.get().pk}"

    lines = {line.supplier_part_id: line for line in cart.lines.all()}
    assert set(lines) == {"SHOP-PEN", "SHOP-MOUSE"}
    pen = lines["SHOP-PEN"]
    assert (pen.source, pen.quantity, pen.unit, pen.unit_price_minor, pen.currency) == (
        RequisitionLine.Source.PUNCHOUT,
        Decimal(2),
        "BX",
        1250,
        "EUR",
    )
    assert (pen.supplier.code, pen.supplier_part_auxiliary_id, pen.unspsc) == ("TESTSHOP", "SHOP-PEN-AUX", "44121704")
    cart.refresh_from_db()
    assert cart.total_minor == 2 * 1250 + 1800
    page = shopper.get(back["Location"]).content.decode()
    assert "Back from Test cXML shop" in page and "2 lines added" in page


def test_edit_sends_the_lines_back_and_replaces_them_and_204_keeps_them(shopper, cart, cxml_connection, site):
    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 2, "SHOP-MOUSE": 1})
    post_back(action, fields)
    other = cart.lines.create(
        line_number=99,
        source="free_text",
        description="Keep me",
        quantity=1,
        unit="EA",
        unit_price_minor=100,
        currency="EUR",
        total_minor=100,
    )

    start_url = punch_out(shopper, cart, cxml_connection, "edit")
    edit = etree.fromstring(site.setup_requests[-1])
    assert dtd_errors(site.setup_requests[-1]) == []
    items = {i.findtext("ItemID/SupplierPartID"): i for i in edit.iter("ItemOut")}
    assert set(items) == {"SHOP-PEN", "SHOP-MOUSE"}  # the free-text line is not the shop's
    assert items["SHOP-PEN"].findtext("ItemID/SupplierPartAuxiliaryID") == "SHOP-PEN-AUX"
    assert items["SHOP-PEN"].get("quantity") == "2"

    action, fields = shop(start_url, {"SHOP-PEN": 5, "SHOP-MOUSE": 0, "SHOP-PAPER": 1})
    assert post_back(action, fields).status_code == 303
    now = {line.supplier_part_id or line.description: line.quantity for line in cart.lines.all()}
    assert now == {"SHOP-PEN": 5, "SHOP-PAPER": 1, "Keep me": 1}
    assert cart.lines.filter(pk=other.pk).exists()

    # The shop says "no change" (Status 204): the lines stay as they are.
    punch_out(shopper, cart, cxml_connection, "edit")
    session = PunchoutSession.objects.order_by("-pk").first()
    cookie = etree.fromstring(site.setup_requests[-1]).findtext("Request/PunchOutSetupRequest/BuyerCookie")
    message = (
        '<cXML payloadID="x@shop" timestamp="2026-11-22T10:00:00+01:00"><Header><From><Credential domain="DUNS">'
        '<Identity>shop</Identity></Credential></From><To><Credential domain="DUNS"><Identity>acme</Identity>'
        '</Credential></To><Sender><Credential domain="DUNS"><Identity>shop</Identity></Credential>'
        '<UserAgent>t</UserAgent></Sender></Header><Message><Status code="204" text="No Content"/>'
        f'<PunchOutOrderMessage><BuyerCookie>{cookie}</BuyerCookie><PunchOutOrderMessageHeader operationAllowed="edit">'
        '<Total><Money currency="EUR">0</Money></Total></PunchOutOrderMessageHeader></PunchOutOrderMessage>'
        "</Message></cXML>"
    )
    return_url = etree.fromstring(site.setup_requests[-1]).findtext("Request/PunchOutSetupRequest/BrowserFormPost/URL")
    assert post_back(return_url, [("cxml-urlencoded", message)]).status_code == 303
    assert {line.supplier_part_id or line.description for line in cart.lines.all()} == {
        "SHOP-PEN",
        "SHOP-PAPER",
        "Keep me",
    }
    session.refresh_from_db()
    assert session.result["kept"] is True


def test_inspect_changes_nothing(shopper, cart, cxml_connection, site):
    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    post_back(action, fields)
    action, fields = shop(punch_out(shopper, cart, cxml_connection, "inspect"), {"SHOP-PAPER": 9})
    assert etree.fromstring(site.setup_requests[-1]).find("Request/PunchOutSetupRequest").get("operation") == (
        "inspect"
    )
    assert post_back(action, fields).status_code == 303
    assert [line.supplier_part_id for line in cart.lines.all()] == ["SHOP-PEN"]


def test_a_return_is_taken_once_only_in_time_and_only_for_its_user(shopper, cart, cxml_connection, site):
    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    assert post_back(action, fields).status_code == 303
    replay = post_back(action, fields)
    assert replay.status_code == 410 and "already ended" in replay.content.decode()
    assert cart.lines.count() == 1

    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    PunchoutSession.objects.filter(status="open").update(expires_at=timezone.now() - timedelta(seconds=1))
    late = post_back(action, fields)
    assert late.status_code == 410 and "expired" in late.content.decode()

    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    bob = Client()
    bob.force_login(Employee.objects.get(user__username="bob").user)
    foreign = bob.post(urlparse(action).path, dict(fields))
    assert foreign.status_code == 403 and "belongs to someone else" in foreign.content.decode()

    unknown = Client().post("/punchout/return/not-a-token/", dict(fields))
    assert unknown.status_code == 404
    assert cart.lines.count() == 1


def test_a_cart_for_another_buyer_cookie_is_refused(shopper, cart, cxml_connection, site):
    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    message = base64.b64decode(fields[0][1]).replace(b"<BuyerCookie>", b"<BuyerCookie>x")
    refused = post_back(action, [("cxml-base64", base64.b64encode(message).decode())])
    assert refused.status_code == 403 and "BuyerCookie" in refused.content.decode()
    assert cart.lines.count() == 0


def test_the_shop_total_is_not_trusted_and_contract_prices_win(shopper, cart, cxml_connection, site, shop_supplier):
    CatalogItem.objects.create(
        supplier=shop_supplier,
        sku="SHOP-MOUSE",
        name="Wireless mouse",
        unit="EA",
        unspsc="43211708",
        base_price_minor=1500,
        currency="EUR",
    )
    site.total_override = "1.00"
    start_url = punch_out(shopper, cart, cxml_connection)
    back = post_back(*shop(start_url, {"SHOP-MOUSE": 2}))
    mouse = cart.lines.get()
    # 15.00 list price less the French entity's 12 % framework agreement: 13.20, below the shop's 18.00.
    assert mouse.unit_price_minor == 1320 and mouse.catalog_item is not None
    cart.refresh_from_db()
    assert cart.total_minor == 2640
    page = Client()
    page.force_login(alice().user)
    text = page.get(back["Location"]).content.decode()
    assert "our contract price 13.20" in text and "The shop&#x27;s total (1.00 EUR) differs" in text


def test_a_shop_that_refuses_the_setup_leaves_a_clear_message(shopper, cart, cxml_connection):
    cxml_connection.shared_secret = "wrong"
    cxml_connection.save()
    response = shopper.post(
        "/punchout/start/",
        {"requisition": cart.pk, "connection": cxml_connection.pk},
        HTTP_REFERER=f"/requisitions/{cart.pk}/",
        follow=True,
    )
    assert "Test cXML shop refused the punchout: 401 Bad shared secret" in response.content.decode()
    assert PunchoutSession.objects.get().status == "failed"  # recorded, and its token never works


def test_an_oci_punchout_posts_the_login_and_takes_new_item_fields(shopper, cart, oci_connection, site):
    start_url = punch_out(shopper, cart, oci_connection)
    assert start_url.startswith("http://testserver/punchout/callup/")
    callup = Client().get(urlparse(start_url).path)  # works without a login: the token is the credential
    action, fields = form_of(callup.content)
    names = dict(fields)
    assert action == f"{site.url}/oci/catalog"
    assert names["USERNAME"] == "acme" and names["PASSWORD"] == "oci-pass-1" and names["~OkCode"] == "ADDI"
    assert "/punchout/return/" in names["HOOK_URL"]
    assert Client().get(urlparse(start_url).path).status_code == 410  # the call-up page works once

    shop_page = httpx.post(action, data=dict(fields))
    shop_id = lxml.html.fromstring(shop_page.content).forms[0].action.split("/")[2]
    hook, new_items = shop(f"{site.url}/shop/{shop_id}", {"SHOP-MOUSE": 3, "SHOP-PEN": 1})
    assert hook == names["HOOK_URL"]
    assert post_back(hook, new_items).status_code == 303
    mouse = cart.lines.get(supplier_part_id="SHOP-MOUSE")
    assert (mouse.quantity, mouse.unit, mouse.unit_price_minor, mouse.lead_time_days) == (3, "EA", 1800, 3)
    assert mouse.extrinsics["long_text"].startswith("Wireless mouse. Supplied by the test shop.")
    assert cart.lines.get(supplier_part_id="SHOP-PEN").unspsc == "44121704"


def test_an_oci_cart_in_latin_1_is_read(shopper, cart, oci_connection, site):
    start_url = punch_out(shopper, cart, oci_connection)
    _, fields = form_of(Client().get(urlparse(start_url).path).content)
    hook = dict(fields)["HOOK_URL"]
    body = (
        "NEW_ITEM-DESCRIPTION[1]=B%FCroklammern&NEW_ITEM-QUANTITY[1]=2&NEW_ITEM-UNIT[1]=ST"
        "&NEW_ITEM-PRICE[1]=3.5&NEW_ITEM-CURRENCY[1]=EUR&NEW_ITEM-VENDORMAT[1]=BK-1"
    )
    response = Client().post(urlparse(hook).path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303
    assert cart.lines.get().description == "Büroklammern"


def test_hostile_returns_are_refused_and_change_nothing(shopper, cart, cxml_connection, site):
    action, _ = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE cXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<cXML><Message><PunchOutOrderMessage><BuyerCookie>&x;</BuyerCookie></PunchOutOrderMessage></Message></cXML>"
    )
    refused = post_back(action, [("cxml-base64", base64.b64encode(xxe).decode())])
    assert refused.status_code == 400 and "root:" not in refused.content.decode()
    assert cart.lines.count() == 0

    action, _ = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    huge = Client().post(
        urlparse(action).path,
        b"cxml-base64=" + b"A" * (50 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert huge.status_code == 413 and cart.lines.count() == 0


def test_the_api_opens_a_session_and_admins_register_connections(api_client, cart, cxml_connection, site):
    from tests.factories import api_token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice().user)}")
    started = api_client.post(
        "/api/v1/punchout/sessions/", {"requisition": cart.pk, "supplier": "TESTSHOP", "operation": "create"}
    )
    assert started.status_code == 201 and started.json()["start_url"].startswith(f"{site.url}/shop/")
    refused = api_client.post(
        "/api/v1/punchout/connections/", {"supplier": "TESTSHOP", "protocol": "oci", "url": "https://x.example/"}
    )
    assert refused.status_code == 403

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="admin")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    created = api_client.post(
        "/api/v1/punchout/connections/",
        {
            "supplier": "TESTSHOP",
            "protocol": "cxml",
            "url": f"{site.url}/cxml/setup",
            "from": {"domain": "NetworkID", "identity": "acme"},
            "to": {"domain": "DUNS", "identity": "shop"},
            "shared_secret": "top-secret",
            "supports_edit": False,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["has_shared_secret"] is True and "top-secret" not in created.content.decode()
    assert body["sender"] == {"domain": "NetworkID", "identity": "acme"}


def test_a_shared_secret_sent_through_the_browser_is_refused(shopper, cart, cxml_connection, site):
    from .support import sample

    action, _ = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    leaked = sample("PunchOutOrderMessage__officeluv__lowercase_root_gbp_empty.xml")
    refused = post_back(action, [("cxml-base64", base64.b64encode(leaked).decode())])
    assert refused.status_code == 400 and "shared secret" in refused.content.decode().lower()
    assert cart.lines.count() == 0


def test_a_5000_line_oci_cart_passes_the_upload_limits_of_this_view_only(shopper, cart, oci_connection, site):
    from urllib.parse import urlencode

    start_url = punch_out(shopper, cart, oci_connection)
    _, fields = form_of(Client().get(urlparse(start_url).path).content)
    hook = urlparse(dict(fields)["HOOK_URL"]).path
    items = []
    for n in range(1, 5001):
        items += [
            (f"NEW_ITEM-DESCRIPTION[{n}]", f"Item {n}"),
            (f"NEW_ITEM-QUANTITY[{n}]", "1"),
            (f"NEW_ITEM-UNIT[{n}]", "EA"),
            (f"NEW_ITEM-PRICE[{n}]", "2.50"),
            (f"NEW_ITEM-CURRENCY[{n}]", "EUR"),
            (f"NEW_ITEM-VENDORMAT[{n}]", f"P-{n}"),
        ]
    response = Client().post(hook, urlencode(items), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303
    cart.refresh_from_db()
    assert (cart.line_count, cart.total_minor) == (5000, 5000 * 250)
    # Everywhere else Django's limit of 1,000 fields still holds.
    from django.urls import reverse

    elsewhere = shopper.post(reverse("requisitions:update", args=[cart.pk]), dict(items[:1200]))
    assert elsewhere.status_code == 400


def test_the_admin_tests_a_connection_and_sees_the_raw_answer_without_the_secret(
    admin_client, cxml_connection, oci_connection
):
    page = admin_client.post(f"/admin/punchout/punchoutconnection/{cxml_connection.pk}/test/").content.decode()
    assert "OK" in page and "the supplier supports: PunchOutSetupRequest" in page
    assert "ProfileRequest" in page and "shop-secret-1" not in page and "********" in page
    oci = admin_client.post(f"/admin/punchout/punchoutconnection/{oci_connection.pk}/test/").content.decode()
    assert "The catalog answered HTTP 200" in oci and "oci-pass-1" not in oci
    cxml_connection.shared_secret = "wrong"
    cxml_connection.save()
    refused = admin_client.post(f"/admin/punchout/punchoutconnection/{cxml_connection.pk}/test/").content.decode()
    assert "Failed" in refused and "401" in refused


def test_a_cart_submitted_while_its_owner_shopped_refuses_the_return_clearly(shopper, cart, cxml_connection, site):
    from requisitions.models import Requisition as RequisitionModel

    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    RequisitionModel.objects.filter(pk=cart.pk).update(status="submitted")
    refused = post_back(action, fields)
    assert refused.status_code == 400 and "was not added" in refused.content.decode()
    assert cart.lines.count() == 0
    assert PunchoutSession.objects.get().status == "failed"
    assert shopper.post("/punchout/start/", {"requisition": "abc", "connection": "1"}).status_code == 400


def test_a_call_up_link_works_only_for_its_own_user_when_a_browser_is_logged_in(shopper, cart, oci_connection, site):
    from django.contrib.auth import get_user_model

    start_url = punch_out(shopper, cart, oci_connection)
    someone_else = Client()
    someone_else.force_login(get_user_model().objects.create_user("mallory"))
    refused = someone_else.get(urlparse(start_url).path)
    assert refused.status_code == 403 and "belongs to someone else" in refused.content.decode()
    assert "oci-pass-1" not in refused.content.decode()
    # The refusal did not use the link up: its owner still gets the call-up.
    owner = shopper.get(urlparse(start_url).path)
    action, _ = form_of(owner.content)
    assert owner.status_code == 200 and action == f"{site.url}/oci/catalog"


def test_the_admin_never_sees_a_call_up_link(shopper, cart, oci_connection, admin_client):
    start_url = punch_out(shopper, cart, oci_connection)
    session = PunchoutSession.objects.get()
    assert session.start_url == ""  # the one-time link is only in the answer that opened the session
    page = admin_client.get(f"/admin/punchout/punchoutsession/{session.pk}/change/").content.decode()
    assert urlparse(start_url).path not in page and "/punchout/callup/" not in page
    listing = admin_client.get("/admin/punchout/punchoutsession/").content.decode()
    assert "/punchout/callup/" not in listing
    # Unused, the link still works for the session's own browser (and nobody could read it in the admin).
    assert Client().get(urlparse(start_url).path).status_code == 200


def test_a_connection_test_shows_the_suppliers_answer_with_its_credentials_masked(admin_client, cxml_connection, site):
    def chatty_setup(body: bytes) -> tuple[int, str, bytes]:
        return (
            200,
            "text/xml",
            b'<?xml version="1.0"?><cXML payloadID="p@shop" timestamp="2026-11-22T10:00:00+01:00"><Header>'
            b'<From><Credential domain="DUNS"><Identity>shop</Identity></Credential></From>'
            b'<To><Credential domain="NetworkID"><Identity>acme</Identity></Credential></To>'
            b'<Sender><Credential domain="DUNS"><Identity>shop</Identity>'
            b"<SharedSecret>the-shops-own-secret</SharedSecret></Credential><UserAgent>x</UserAgent></Sender>"
            b'</Header><Response><Status code="200" text="OK"/><ProfileResponse effectiveDate="2026-01-01">'
            b"</ProfileResponse></Response></cXML>",
        )

    site.cxml_setup = chatty_setup
    page = admin_client.post(f"/admin/punchout/punchoutconnection/{cxml_connection.pk}/test/").content.decode()
    assert "the-shops-own-secret" not in page and "shop-secret-1" not in page
    assert "&lt;SharedSecret&gt;********&lt;/SharedSecret&gt;" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_transaction_or_row_lock_is_open_while_the_supplier_is_called(cart, cxml_connection, site):
    import threading

    from django.db import connection, connections

    arrived, release = threading.Event(), threading.Event()
    answer_setup = site.cxml_setup

    def held_setup(body: bytes) -> tuple[int, str, bytes]:
        arrived.set()
        release.wait(30)
        return answer_setup(body)

    site.cxml_setup = held_setup
    outcome: dict[str, int] = {}

    def shop_in_another_request() -> None:
        try:
            browser = Client()
            browser.force_login(alice().user)
            outcome["status"] = browser.post(
                "/punchout/start/", {"requisition": cart.pk, "connection": cxml_connection.pk}
            ).status_code
        finally:
            connections.close_all()

    worker = threading.Thread(target=shop_in_another_request)
    worker.start()
    try:
        assert arrived.wait(30), "the supplier was never called"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.state, count(l.pid) FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid"
                " AND l.locktype IN ('transactionid', 'tuple')"
                " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
                " AND (a.state LIKE 'idle in transaction%%' OR l.pid IS NOT NULL) GROUP BY a.state"
            )
            held = cursor.fetchall()
        # The session row is committed and visible to everyone while the shop thinks.
        assert PunchoutSession.objects.filter(requisition=cart, status="open").count() == 1
    finally:
        release.set()
        worker.join(30)
    assert held == []
    assert outcome["status"] == 303


@override_settings(SITE_URL="http://elsewhere.example:8000")
def test_an_admins_oci_connection_test_gives_the_shop_a_hook_at_the_address_the_admin_used(
    admin_client, oci_connection, site
):
    response = admin_client.post(reverse("admin:punchout_punchoutconnection_test", args=[oci_connection.pk]))

    assert response.status_code == 200
    (session,) = site.sessions.values()
    assert session.return_url == "http://testserver/punchout/return/connection-test/"


def test_the_shops_cart_tax_gives_its_lines_rate_and_the_cart_shows_it(shopper, cart, cxml_connection, site):
    from procurement.taxes import tax_codes_default_create

    france = cart.legal_entity
    tax_codes_default_create(legal_entity=france, country="FR")
    # given a French shop whose mouse line says 5.5 % and whose cart Tax says 10 % for the rest
    cxml_connection.supplier.country = "FR"
    cxml_connection.supplier.save()
    site.tax_rates = {"SHOP-MOUSE": "5.5"}
    site.cart_tax_rate = "10"
    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 2, "SHOP-MOUSE": 1})
    back = post_back(action, fields)
    assert back.status_code == 303
    lines = {line.supplier_part_id: line for line in cart.lines.all()}
    assert [
        (part, lines[part].tax_code, lines[part].tax_rate, lines[part].tax_minor) for part in ("SHOP-PEN", "SHOP-MOUSE")
    ] == [("SHOP-PEN", "AA10", Decimal("10.000"), 250), ("SHOP-MOUSE", "AA5.5", Decimal("5.500"), 99)]
    page = shopper.get(back["Location"]).content.decode()
    assert "VAT 10 % on 25.00\xa0EUR" in page and "VAT 5.5 % on 18.00\xa0EUR" in page
    assert "Total EUR with VAT" in page and "46.49\xa0EUR" in page
