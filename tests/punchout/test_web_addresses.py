"""URLs that cross a trust boundary are read the way a browser reads them (WHATWG), and tricky ones are refused."""

import pytest
from django.core.cache import cache
from django.test import Client
from lxml import etree

from punchout.models import InboundSession, PunchoutSession
from punchout.web_addresses import WebAddressRefused, web_address_allowed, web_address_parse

ALLOWED = ["127.0.0.1", "localhost", ".erp.example"]

# (text, why it is refused): each would be read differently by Python and a browser, or is not a web page.
REFUSED = [
    ("http://evil.example\\@127.0.0.1/", "backslash"),
    ("http://evil.example%5C@127.0.0.1/", "user name"),
    ("http://evil.example@127.0.0.1/", "user name"),
    ("http://user:pw@127.0.0.1/", "user name"),
    ("http://@127.0.0.1/", "user name"),
    ("http://127.0.0.1\\.evil.example/", "backslash"),
    ("http://127.0.0.1\t.evil.example/", "control"),
    ("http://127.0.0.1\n/", "control"),
    (" http://127.0.0.1/", "control"),
    ("http://127.0.0.1/\x00", "control"),
    ("http://127.0.0.1/\u0085", "control"),
    ("javascript:alert(document.cookie)", "Only http and https"),
    ("JavaScript:alert(1)//http://127.0.0.1/", "Only http and https"),
    ("data:text/html,<script>alert(1)</script>", "Only http and https"),
    ("file:///etc/passwd", "Only http and https"),
    ("ftp://127.0.0.1/", "Only http and https"),
    ("//127.0.0.1/", "not a valid absolute URL"),
    ("/relative/path", "not a valid absolute URL"),
    ("http://", "not a valid absolute URL"),
    ("", "empty"),
    ("http://" + "a" * 2100 + ".example/", "longer than"),
]

# (text, the host a browser connects to, allowed?)
READ_AS_A_BROWSER = [
    ("http://127.0.0.1:9999/erp/return", "127.0.0.1", True),
    ("http://2130706433/erp", "127.0.0.1", True),
    ("http://0x7f.1/erp", "127.0.0.1", True),
    ("http://0177.0.0.1/", "127.0.0.1", True),
    ("http://LOCALHOST./x", "localhost", True),
    ("HTTPS://Sap.ERP.example/hook?client=100", "sap.erp.example", True),
    ("https://erp.example/hook", "erp.example", True),
    ("https://erp.example.evil.example/hook", "erp.example.evil.example", False),
    ("https://evilerp.example/hook", "evilerp.example", False),
    ("http://127.0.0.2/", "127.0.0.2", False),
    ("http://xn--mnchen-3ya.de/", "xn--mnchen-3ya.de", False),
    ("http://münchen.de/", "xn--mnchen-3ya.de", False),
    ("http://[::1]:8000/", "[::1]", False),
]


@pytest.mark.parametrize(("text", "why"), REFUSED, ids=[repr(t)[:40] for t, _ in REFUSED])
def test_tricky_addresses_are_refused_with_a_reason(text, why):
    with pytest.raises(WebAddressRefused) as refused:
        web_address_parse(text)
    assert why in refused.value.message


@pytest.mark.parametrize(("text", "host", "allowed"), READ_AS_A_BROWSER, ids=[t for t, _, _ in READ_AS_A_BROWSER])
def test_hosts_are_compared_after_whatwg_host_parsing(text, host, allowed):
    assert web_address_parse(text).host == host
    if allowed:
        assert web_address_allowed(text, ALLOWED).host == host
    else:
        with pytest.raises(WebAddressRefused, match="not on the allow-list"):
            web_address_allowed(text, ALLOWED)


def test_the_address_handed_on_is_the_normalised_one():
    assert web_address_parse("http://0x7f.1:8000/a b".replace(" ", "%20")).href == "http://127.0.0.1:8000/a%20b"
    # A space in the path is only encoded by a browser (Odoo's HOOK_URL template has one); in the host it is not.
    assert web_address_parse("http://127.0.0.1/return/<uuid4 id>").href == "http://127.0.0.1/return/%3Cuuid4%20id%3E"
    with pytest.raises(WebAddressRefused, match="spaces or control"):
        web_address_parse("http://evil.example @127.0.0.1/")


# --- the endpoints that take a URL from outside ---------------------------------------------------------

SETUP = "/punchout/cxml/setup/"


def setup_request(url: str) -> bytes:
    from xml.sax.saxutils import escape

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="erp-url@erp.example" timestamp="2026-11-22T10:00:00+01:00">
<Header><From><Credential domain="NetworkID"><Identity>ERP-TEST</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="NetworkID"><Identity>ERP-TEST</Identity><SharedSecret>erp-secret</SharedSecret>
</Credential><UserAgent>Test ERP</UserAgent></Sender></Header>
<Request><PunchOutSetupRequest operation="create"><BuyerCookie>c-1</BuyerCookie>
<BrowserFormPost><URL>{escape(url)}</URL></BrowserFormPost>
</PunchOutSetupRequest></Request></cXML>""".encode()


def status_of(response) -> tuple[int, str]:
    status = etree.fromstring(response.content).find("Response/Status")
    return int(status.get("code")), (status.text or "").strip()


ENDPOINT_BYPASSES = [
    "http://evil.example\\@127.0.0.1/steal",
    "http://evil.example@127.0.0.1/steal",
    "http://evil.example%5C@localhost/steal",
    "javascript:alert(1)//127.0.0.1",
]


@pytest.mark.usefixtures("punch_in")
@pytest.mark.parametrize("url", ENDPOINT_BYPASSES)
def test_a_browser_form_post_that_a_browser_would_send_elsewhere_is_refused(client, url):
    cache.clear()
    response = client.post(SETUP, setup_request(url), content_type="text/xml")
    assert response.status_code == 403
    code, message = status_of(response)
    assert code == 403 and message.startswith("The BrowserFormPost URL is not one this client may return to:")
    assert not InboundSession.objects.exists()


@pytest.mark.usefixtures("punch_in")
def test_the_browser_form_post_kept_is_the_one_a_browser_reads(client):
    cache.clear()
    response = client.post(SETUP, setup_request("http://2130706433:9999/erp/return"), content_type="text/xml")
    assert status_of(response)[0] == 200
    assert InboundSession.objects.get().return_url == "http://127.0.0.1:9999/erp/return"


@pytest.mark.usefixtures("punch_in")
@pytest.mark.parametrize("url", ENDPOINT_BYPASSES)
def test_an_oci_hook_url_that_a_browser_would_send_elsewhere_is_refused(url):
    cache.clear()
    params = {"USERNAME": "erp-test", "PASSWORD": "erp-secret", "HOOK_URL": url}
    response = Client().post("/punchout/oci/", params)
    assert response.status_code == 403
    assert "The HOOK_URL URL is not one this client may return to" in response.content.decode()
    assert not InboundSession.objects.exists()


def answer_start_page(site, url: str) -> None:
    """The test shop answers its setup requests with this StartPage."""
    from xml.sax.saxutils import escape

    def cxml_setup(body: bytes) -> tuple[int, str, bytes]:
        return (
            200,
            "text/xml",
            f"""<?xml version="1.0"?><cXML payloadID="s@shop" timestamp="2026-11-22T10:00:00+01:00"><Response>
<Status code="200" text="OK"/><PunchOutSetupResponse><StartPage><URL>{escape(url)}</URL></StartPage>
</PunchOutSetupResponse></Response></cXML>""".encode(),
        )

    site.cxml_setup = cxml_setup


@pytest.mark.usefixtures("punch_in")
@pytest.mark.parametrize(
    "start_page",
    ["javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>", "http://shop\\@evil.example/"],
)
def test_a_supplier_start_page_that_is_not_a_plain_web_address_never_reaches_the_browser(
    client, organisation, cxml_connection, site, start_page
):
    from requisitions.services import requisition_create

    alice = organisation.requester
    cart = requisition_create(by=alice, legal_entity=organisation.france, title="Shop run")
    client.force_login(alice.user)
    answer_start_page(site, start_page)
    response = client.post("/punchout/start/", {"requisition": cart.pk, "connection": cxml_connection.pk})
    # The browser goes back to our own requisitions page, never to the shop's address, and reads why.
    assert (response.status_code, response["Location"]) == (302, "/requisitions/")
    page = client.get(response["Location"]).content.decode()
    assert "answered a StartPage we will not open" in page
    session = PunchoutSession.objects.get()
    assert session.status == "failed" and session.start_url == ""


@pytest.mark.parametrize(
    "url",
    ["http://user:pw@shop.example/punchout", "http://shop.example\\@127.0.0.1/", "javascript:alert(1)"],
)
def test_connection_urls_entered_in_the_api_follow_the_same_rules(db, api_client, shop_supplier, url):
    from django.contrib.auth import get_user_model

    from procurement.models import Employee
    from tests.factories import api_token

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    Employee.objects.create(user=admin)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(admin)}")
    response = api_client.post(
        "/api/v1/punchout/connections/",
        {"supplier": shop_supplier.code, "protocol": "oci", "url": url},
        format="json",
    )
    assert response.status_code == 400
    assert "url" in str(response.json())


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user:pw@shop.example/punchout", "user name or password"),
        ("http://shop.example\\@127.0.0.1/", "backslash"),
    ],
)
def test_connection_urls_entered_in_the_admin_follow_the_same_rules(db, shop_supplier, url, message):
    from punchout.admin import PunchoutConnectionForm

    form = PunchoutConnectionForm(
        data={
            "supplier": shop_supplier.pk,
            "name": "x",
            "protocol": "oci",
            "url": url,
            "is_active": "on",
            "session_minutes": 60,
            "timeout_seconds": 10,
            "deployment_mode": "production",
            "extrinsics": "[]",
            "method": "POST",
            "oci_fields": "{}",
            "unit_map": "{}",
            "charset_fallback": "iso-8859-1",
        }
    )
    assert not form.is_valid()
    assert any(message in error for error in form.errors["url"])


@pytest.mark.parametrize(
    ("entries", "kept", "error"),
    [
        (["ERP.example.", ".Example.COM", "0x7f.1", "::1"], ["erp.example", ".example.com", "127.0.0.1", "[::1]"], ""),
        (["https://erp.example/"], None, "is not a host name"),
        (["user@erp.example"], None, "is not a host name"),
        (["erp.example:8443"], None, "is not a host name"),
        (["*.example.com"], None, "is not a host name"),
    ],
)
def test_an_erp_clients_allowed_hosts_are_kept_as_browsers_read_them(db, entries, kept, error):
    import json

    from procurement.models import LegalEntity
    from punchout.admin import ErpClientForm

    entity = LegalEntity.objects.create(code="LE-1", name="Entity", currency="EUR", po_number_prefix="PO")
    form = ErpClientForm(
        data={
            "code": "ERP-X",
            "name": "ERP X",
            "legal_entity": entity.pk,
            "is_active": "on",
            "allowed_hosts": json.dumps(entries),
            "cxml_identities": "[]",
            "start_minutes": 5,
            "session_minutes": 120,
        }
    )
    if kept is not None:
        assert form.is_valid(), form.errors
        assert form.cleaned_data["allowed_hosts"] == kept
    else:
        assert not form.is_valid()
        assert any(error in message for message in form.errors["allowed_hosts"])
