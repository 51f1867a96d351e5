"""Machine endpoints read their bodies with our own limits: 40 MB multipart returns with any number of fields,
chunked bodies (raw, as runserver hands them on, or de-chunked by gunicorn), 413 beyond the limit."""

import base64
import io
import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.test.client import ClientHandler, encode_multipart
from django.utils import timezone
from lxml import etree

from procurement.models import Employee
from punchout.models import PunchoutConnection, PunchoutSession
from punchout.services import token_hash
from requisitions.models import Requisition
from requisitions.services import requisition_create

pytestmark = pytest.mark.usefixtures("punch_in")

BOUNDARY = "----punchout-test-boundary"


@pytest.fixture
def cart(organisation) -> Requisition:
    alice = Employee.objects.get(user__username="alice")
    return requisition_create(by=alice, legal_entity=organisation.france, title="Big return")


@pytest.fixture
def return_path(cart, shop_supplier) -> str:
    """An open punchout session for the cart; the path the shop posts its cart back to."""
    connection = PunchoutConnection.objects.create(
        supplier=shop_supplier, name="Big shop", protocol="cxml", url="http://127.0.0.1:9/never-called"
    )
    token = secrets.token_urlsafe(32)
    PunchoutSession.objects.create(
        connection=connection,
        employee=cart.requester,
        requisition=cart,
        token_hash=token_hash(token),
        buyer_cookie="cookie-1",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return f"/punchout/return/{token}/"


def order_message(padding: int = 0, quantity: str = "2") -> bytes:
    filler = f"<!-- {'x' * padding} -->" if padding else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="big@shop.example" timestamp="2026-11-22T10:05:00+01:00">{filler}
<Header><From><Credential domain="DUNS"><Identity>shop</Identity></Credential></From>
<To><Credential domain="NetworkID"><Identity>acme</Identity></Credential></To>
<Sender><Credential domain="DUNS"><Identity>shop</Identity></Credential><UserAgent>Shop</UserAgent></Sender>
</Header><Message><PunchOutOrderMessage><BuyerCookie>cookie-1</BuyerCookie>
<PunchOutOrderMessageHeader operationAllowed="edit"/>
<ItemIn quantity="{quantity}"><ItemID><SupplierPartID>BIG-1</SupplierPartID></ItemID>
<ItemDetail><UnitPrice><Money currency="EUR">3.50</Money></UnitPrice>
<Description xml:lang="en">Big return item</Description><UnitOfMeasure>EA</UnitOfMeasure></ItemDetail></ItemIn>
</PunchOutOrderMessage></Message></cXML>""".encode()


def test_a_multipart_return_with_a_field_over_2_5_mb_is_taken(cart, return_path):
    document = order_message(padding=3 * 1024 * 1024)
    encoded = base64.b64encode(document).decode()
    assert len(encoded) > 4 * 1024 * 1024
    body = encode_multipart(BOUNDARY, {"cxml-base64": encoded})
    response = Client().post(return_path, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 303
    line = cart.lines.get()
    assert (line.supplier_part_id, line.quantity, line.unit_price_minor) == ("BIG-1", Decimal(2), 350)


def test_a_multipart_return_with_more_than_1000_fields_is_taken(cart, return_path):
    fields: dict[str, str] = {}
    for n in range(1, 201):  # 200 OCI lines of 6 fields: 1,200 fields
        fields |= {
            f"NEW_ITEM-DESCRIPTION[{n}]": f"Item {n}",
            f"NEW_ITEM-QUANTITY[{n}]": "1",
            f"NEW_ITEM-UNIT[{n}]": "EA",
            f"NEW_ITEM-PRICE[{n}]": "2.50",
            f"NEW_ITEM-CURRENCY[{n}]": "EUR",
            f"NEW_ITEM-VENDORMAT[{n}]": f"P-{n}",
        }
    body = encode_multipart(BOUNDARY, fields)
    response = Client().post(return_path, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 303
    cart.refresh_from_db()
    assert (cart.line_count, cart.total_minor) == (200, 200 * 250)


def test_a_return_over_40_mb_is_refused_with_413_and_changes_nothing(cart, return_path):
    body = encode_multipart(BOUNDARY, {"cxml-base64": "A" * (41 * 1024 * 1024)})
    response = Client().post(return_path, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 413
    assert "The request is larger than 40 MB." in response.content.decode()
    assert cart.lines.count() == 0


def test_a_supplier_quantity_our_columns_cannot_hold_is_refused_with_a_page(cart, return_path):
    document = order_message(quantity="100000000000000000000000000")
    response = Client().post(return_path, {"cxml-base64": base64.b64encode(document).decode()})
    assert response.status_code == 400
    page = response.content.decode()
    # Refused already by the cXML codec's bounds, with a page that says which line and why.
    assert (
        "The shop&#x27;s cart could not be read (cXML status 400): "
        "the quantity of ItemIn 1 is larger than 9999999999.999: it cannot be stored"
    ) in page
    assert "has a quantity we cannot hold" not in page
    assert cart.lines.count() == 0
    assert PunchoutSession.objects.get().status == "failed"


# --- chunked bodies, through the whole WSGI stack -------------------------------------------------------


def chunked(data: bytes, size: int = 1000) -> bytes:
    framed = b"".join(
        b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size]) for i in range(0, len(data), size)
    )
    return framed + b"0\r\n\r\n"


def wsgi_post(path: str, body: bytes, content_type: str, *, gunicorn: bool) -> tuple[str, dict[str, str], bytes]:
    """POST through Django's request handling with no Content-Length: gunicorn de-chunks and says so
    (`wsgi.input_terminated`); runserver hands the chunked framing on as it came."""
    environ = RequestFactory()._base_environ(  # the test client's own environ, minus the length
        PATH_INFO=path, REQUEST_METHOD="POST", CONTENT_TYPE=content_type, HTTP_TRANSFER_ENCODING="chunked"
    )
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BytesIO(body if gunicorn else chunked(body))
    if gunicorn:
        environ["wsgi.input_terminated"] = True
    # The test client's handler: Django's WSGI handler without closing the test's database connection.
    response = ClientHandler()(environ)
    return f"{response.status_code} {response.reason_phrase}", dict(response.items()), response.content


def setup_request() -> bytes:
    return b"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="erp-chunked@erp.example" timestamp="2026-11-22T10:00:00+01:00">
<Header><From><Credential domain="NetworkID"><Identity>ERP-TEST</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="NetworkID"><Identity>ERP-TEST</Identity><SharedSecret>erp-secret</SharedSecret>
</Credential><UserAgent>Test ERP</UserAgent></Sender></Header>
<Request><PunchOutSetupRequest operation="create"><BuyerCookie>chunky</BuyerCookie>
<BrowserFormPost><URL>http://127.0.0.1:9999/erp/return</URL></BrowserFormPost>
</PunchOutSetupRequest></Request></cXML>"""


@pytest.mark.parametrize("gunicorn", [True, False], ids=["gunicorn-dechunked", "raw-chunked"])
def test_a_chunked_setup_request_is_read_whole(gunicorn):
    cache.clear()
    status, _headers, content = wsgi_post("/punchout/cxml/setup/", setup_request(), "text/xml", gunicorn=gunicorn)
    assert status == "200 OK", content[:500]
    root = etree.fromstring(content)
    assert root.find("Response/Status").get("code") == "200"
    assert root.findtext("Response/PunchOutSetupResponse/StartPage/URL").startswith(
        "http://testserver/punchout/inbound/start/"
    )


@pytest.mark.parametrize("gunicorn", [True, False], ids=["gunicorn-dechunked", "raw-chunked"])
def test_a_chunked_return_is_read_whole(cart, return_path, gunicorn):
    body = encode_multipart(BOUNDARY, {"cxml-base64": base64.b64encode(order_message()).decode()})
    status, _headers, _ = wsgi_post(return_path, body, f"multipart/form-data; boundary={BOUNDARY}", gunicorn=gunicorn)
    assert status.startswith("303")
    assert cart.lines.get().supplier_part_id == "BIG-1"


@pytest.mark.parametrize("gunicorn", [True, False], ids=["gunicorn-dechunked", "raw-chunked"])
def test_a_chunked_setup_request_over_the_limit_is_a_413_status(gunicorn):
    body = setup_request() + b" " * (5 * 1024 * 1024)
    status, _headers, content = wsgi_post("/punchout/cxml/setup/", body, "text/xml", gunicorn=gunicorn)
    assert status.startswith("413")
    status_element = etree.fromstring(content).find("Response/Status")
    assert status_element.get("code") == "413" and "larger than 5 MB" in (status_element.text or "")


def test_a_chunked_oci_call_up_is_read_whole():
    cache.clear()
    body = b"USERNAME=erp-test&PASSWORD=erp-secret&HOOK_URL=http%3A%2F%2Flocalhost%3A8123%2Fhook"
    status, headers, _ = wsgi_post("/punchout/oci/", body, "application/x-www-form-urlencoded", gunicorn=False)
    assert status.startswith("303") and "/punchout/inbound/start/" in headers["Location"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_setup_request_through_a_real_gunicorn(tmp_path):
    """gunicorn de-chunks the body and sets wsgi.input_terminated: the document arrives whole."""
    import http.client
    import os
    import socket
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    # The test opens the listening socket and hands it to gunicorn: requests queue on it from the start,
    # so nothing has to wait for the server to come up.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "procurement.settings.test",
        "DATABASE_URL": (
            f"postgresql://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}"
            f"/{connection.settings_dict['NAME']}"
        ),
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}", "--workers", "1", "procurement.wsgi"],
        env=env,
        pass_fds=[listener.fileno()],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "gunicorn.log").open("wb"),
    )
    try:
        erp = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = setup_request()
        erp.request(
            "POST",
            "/punchout/cxml/setup/",
            body=iter([body[:500], body[500:]]),
            headers={"Content-Type": "text/xml", "Host": "127.0.0.1"},
            encode_chunked=True,
        )
        answer = erp.getresponse()
        content = answer.read()
        erp.close()
    finally:
        server.terminate()
        server.wait(30)
        listener.close()
    assert answer.status == 200, (content[:500], (tmp_path / "gunicorn.log").read_text()[-2000:])
    root = etree.fromstring(content)
    assert root.find("Response/Status").get("code") == "200"
    assert "/punchout/inbound/start/" in root.findtext("Response/PunchOutSetupResponse/StartPage/URL")


def test_a_password_a_shop_sends_with_its_cart_is_kept_masked(cart, return_path):
    response = Client().post(
        return_path,
        {
            "NEW_ITEM-DESCRIPTION[1]": "Stapler",
            "NEW_ITEM-QUANTITY[1]": "1",
            "NEW_ITEM-UNIT[1]": "EA",
            "NEW_ITEM-PRICE[1]": "4.00",
            "NEW_ITEM-CURRENCY[1]": "EUR",
            "NEW_ITEM-VENDORMAT[1]": "ST-1",
            "NEW_ITEM-PASSWORD[1]": "shop-login-secret",
            "NEW_ITEM-GTIN[1]": "4006381333931",
        },
    )
    assert response.status_code == 303
    line = cart.lines.get()
    assert (line.extrinsics["PASSWORD"], line.extrinsics["GTIN"]) == ("********", "4006381333931")
