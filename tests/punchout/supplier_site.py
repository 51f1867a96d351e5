"""A small supplier web shop for tests, speaking cXML punchout and SAP OCI over real HTTP on 127.0.0.1.

Written the way a supplier would, with lxml and string templates, not with our protocol layer, so the
tests check that our side understands an independent implementation.

cXML: POST /cxml/setup answers a PunchOutSetupResponse whose StartPage is /shop/<id>; the shop page
posts /shop/<id>/checkout, which answers a page that auto-posts the PunchOutOrderMessage as
cxml-base64 to the BrowserFormPost URL. OCI: GET or POST /oci/catalog with USERNAME, PASSWORD and
HOOK_URL opens the same shop; its checkout auto-posts NEW_ITEM-* fields to the HOOK_URL.
"""

import base64
import html
import itertools
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from lxml import etree

SECRET = "shop-secret-1"
OCI_USER, OCI_PASSWORD = "acme", "oci-pass-1"
ITEMS = {
    "SHOP-PEN": ("Ballpoint pen, blue, box of 50", Decimal("12.50"), "BX", "44121704"),
    "SHOP-PAPER": ("Copy paper A4 80 g, 5 reams", Decimal("21.90"), "PK", "14111507"),
    "SHOP-MOUSE": ("Wireless mouse", Decimal("18.00"), "EA", "43211708"),
}


@dataclass
class ShopSession:
    protocol: str
    return_url: str
    buyer_cookie: str = ""
    operation: str = "create"
    cart: dict[str, tuple[int, str]] = field(default_factory=dict)  # part id -> (quantity, aux id)


class SupplierSite:
    """Start with `with SupplierSite() as site:`; `site.url` is its base URL."""

    def __init__(self) -> None:
        self.sessions: dict[str, ShopSession] = {}
        self.setup_requests: list[bytes] = []
        self.counter = itertools.count(1)
        self.total_override: str | None = None
        self.tax_rates: dict[str, str] = {}  # part -> the VAT rate the shop puts in the line's Tax
        self.cart_tax_rate: str | None = None  # the rate in the cart's (header) Tax
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site.handle(self, "GET")

            def do_POST(self) -> None:
                site.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "SupplierSite":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- HTTP -------------------------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        fields = dict(parse_qsl(parsed.query if method == "GET" else body.decode("latin-1"), keep_blank_values=True))
        path = parsed.path.rstrip("/")
        if path == "/cxml/setup":
            status, content_type, answer = self.cxml_setup(body)
        elif path == "/oci/catalog":
            status, content_type, answer = self.oci_catalog(fields)
        elif path.startswith("/shop/") and path.endswith("/checkout"):
            status, content_type, answer = self.checkout(path.split("/")[2], fields)
        elif path.startswith("/shop/"):
            status, content_type, answer = self.shop(path.split("/")[2])
        else:
            status, content_type, answer = 404, "text/plain", b"not found"
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(answer)))
        request.end_headers()
        request.wfile.write(answer)

    def cxml_setup(self, body: bytes) -> tuple[int, str, bytes]:
        self.setup_requests.append(body)
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        secret = root.findtext("Header/Sender/Credential/SharedSecret")
        if secret != SECRET:
            return 200, "text/xml", self.status_response(401, "Unauthorized", "Bad shared secret")
        if root.find("Request/ProfileRequest") is not None:
            answer = f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="profile@shop.example" timestamp="2026-11-22T10:00:00+01:00"><Response><Status code="200" text="OK"/>
<ProfileResponse effectiveDate="2026-01-01T00:00:00+00:00"><Transaction requestName="PunchOutSetupRequest">
<URL>{self.url}/cxml/setup</URL></Transaction></ProfileResponse></Response></cXML>"""
            return 200, "text/xml; charset=utf-8", answer.encode()
        setup = root.find("Request/PunchOutSetupRequest")
        shop_id = str(next(self.counter))
        session = ShopSession(
            "cxml",
            (setup.findtext("BrowserFormPost/URL") or "").strip(),
            buyer_cookie=(setup.findtext("BuyerCookie") or "").strip(),
            operation=setup.get("operation", "create"),
        )
        for item in setup.findall("ItemOut"):
            part = item.findtext("ItemID/SupplierPartID") or ""
            aux = item.findtext("ItemID/SupplierPartAuxiliaryID") or ""
            session.cart[part] = (int(Decimal(item.get("quantity", "1"))), aux)
        self.sessions[shop_id] = session
        answer = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<cXML payloadID="shop-{shop_id}@shop.example" timestamp="2026-11-22T10:00:00+01:00">
<Response><Status code="200" text="success"/>
<PunchOutSetupResponse><StartPage><URL>{self.url}/shop/{shop_id}</URL></StartPage></PunchOutSetupResponse>
</Response></cXML>"""
        return 200, "text/xml; charset=utf-8", answer.encode()

    def status_response(self, code: int, text: str, message: str) -> bytes:
        return (
            f'<?xml version="1.0"?><cXML payloadID="err@shop" timestamp="2026-11-22T10:00:00+01:00">'
            f'<Response><Status code="{code}" text="{text}">{message}</Status></Response></cXML>'
        ).encode()

    def oci_catalog(self, fields: dict[str, str]) -> tuple[int, str, bytes]:
        if fields.get("USERNAME") != OCI_USER or fields.get("PASSWORD") != OCI_PASSWORD:
            return 401, "text/html", b"<h1>Login failed</h1>"
        shop_id = str(next(self.counter))
        self.sessions[shop_id] = ShopSession("oci", fields["HOOK_URL"])
        return self.shop(shop_id)

    def shop(self, shop_id: str) -> tuple[int, str, bytes]:
        session = self.sessions.get(shop_id)
        if session is None:
            return 404, "text/html", b"<h1>No such session</h1>"
        rows = "".join(
            f"<tr><td>{part}</td><td>{html.escape(name)}</td><td>{price} EUR / {unit}</td>"
            f'<td><input type="number" name="{part}" aria-label="Quantity of {part}" '
            f'value="{session.cart.get(part, (0, ""))[0]}"></td></tr>'
            for part, (name, price, unit, _) in ITEMS.items()
        )
        page = f"""<!doctype html><html><head><title>Test shop</title></head><body>
<h1>Test shop ({session.protocol}, {session.operation})</h1>
<form method="post" action="/shop/{shop_id}/checkout"><table>{rows}</table>
<button type="submit">Return cart to buyer</button></form></body></html>"""
        return 200, "text/html; charset=utf-8", page.encode()

    def checkout(self, shop_id: str, fields: dict[str, str]) -> tuple[int, str, bytes]:
        session = self.sessions[shop_id]
        chosen = [(part, int(fields.get(part) or 0)) for part in ITEMS]
        chosen = [(part, quantity) for part, quantity in chosen if quantity > 0]
        if session.protocol == "oci":
            inputs = []
            for index, (part, quantity) in enumerate(chosen, 1):
                name, price, unit, unspsc = ITEMS[part]
                for key, value in [
                    ("DESCRIPTION", name[:40]),
                    ("QUANTITY", str(quantity)),
                    ("UNIT", {"EA": "ST", "BX": "BX", "PK": "PK"}[unit]),  # SAP's own code for a piece
                    ("PRICE", str(price)),
                    ("PRICEUNIT", "1"),
                    ("CURRENCY", "EUR"),
                    ("VENDORMAT", part),
                    ("MATGROUP", unspsc),
                    ("LEADTIME", "3"),
                ]:
                    inputs.append((f"NEW_ITEM-{key}[{index}]", value))
                inputs.append((f"NEW_ITEM-LONGTEXT_{index}:132[]", f"{name}. Supplied by the test shop."))
            return 200, "text/html; charset=utf-8", self.autopost(session.return_url, inputs)
        message = self.order_message(session, chosen)
        return (
            200,
            "text/html; charset=utf-8",
            self.autopost(session.return_url, [("cxml-base64", base64.b64encode(message).decode())]),
        )

    def order_message(self, session: ShopSession, chosen: list[tuple[str, int]]) -> bytes:
        items = []
        total = Decimal(0)
        for part, quantity in chosen:
            name, price, unit, unspsc = ITEMS[part]
            total += price * quantity
            aux = session.cart.get(part, (0, ""))[1] or f"{part}-AUX"
            items.append(
                f"""<ItemIn quantity="{quantity}"><ItemID><SupplierPartID>{part}</SupplierPartID>
<SupplierPartAuxiliaryID>{aux}</SupplierPartAuxiliaryID></ItemID>
<ItemDetail><UnitPrice><Money currency="EUR">{price}</Money></UnitPrice>
<Description xml:lang="en">{html.escape(name)}</Description><UnitOfMeasure>{unit}</UnitOfMeasure>
<Classification domain="UNSPSC">{unspsc}</Classification></ItemDetail>{self.tax_of(part, price * quantity)}</ItemIn>"""
            )
        shown_total = self.total_override or str(total)
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<cXML payloadID="poom-{id(session)}@shop.example" timestamp="2026-11-22T10:05:00+01:00" xml:lang="en-US">
<Header><From><Credential domain="DUNS"><Identity>shop</Identity></Credential></From>
<To><Credential domain="NetworkID"><Identity>acme</Identity></Credential></To>
<Sender><Credential domain="DUNS"><Identity>shop</Identity></Credential><UserAgent>Test shop</UserAgent></Sender>
</Header><Message><PunchOutOrderMessage><BuyerCookie>{session.buyer_cookie}</BuyerCookie>
<PunchOutOrderMessageHeader operationAllowed="edit"><Total><Money currency="EUR">{shown_total}</Money></Total>
{self.cart_tax(total)}</PunchOutOrderMessageHeader>{"".join(items)}</PunchOutOrderMessage></Message></cXML>""".encode()

    def tax_of(self, part: str, net: Decimal) -> str:
        rate = self.tax_rates.get(part)
        return "" if rate is None else self.tax_element(rate, net)

    def cart_tax(self, net: Decimal) -> str:
        return "" if self.cart_tax_rate is None else self.tax_element(self.cart_tax_rate, net)

    @staticmethod
    def tax_element(rate: str, net: Decimal) -> str:
        amount = (net * Decimal(rate) / 100).quantize(Decimal("0.01"))
        return f"""<Tax><Money currency="EUR">{amount}</Money><Description xml:lang="en">VAT</Description>
<TaxDetail purpose="tax" category="vat" percentageRate="{rate}"><TaxableAmount><Money currency="EUR">{net}</Money>
</TaxableAmount><TaxAmount><Money currency="EUR">{amount}</Money></TaxAmount></TaxDetail></Tax>"""

    @staticmethod
    def autopost(url: str, inputs: list[tuple[str, str]]) -> bytes:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">' for name, value in inputs
        )
        return f"""<!doctype html><html><body onload="document.forms[0].submit()">
<form method="post" action="{html.escape(url)}">{hidden}<noscript><button>Continue</button></noscript></form>
</body></html>""".encode()
