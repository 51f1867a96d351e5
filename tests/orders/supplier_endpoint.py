"""A supplier's order system for tests: takes cXML OrderRequests over real HTTP on 127.0.0.1.

Like a real one it creates an order once per payloadID (a repeat gets 200 and creates nothing). It can be
healthy, flaky (a share of calls answered 500 or cut off before an answer) or refuse everything with 4xx.
Written with lxml, not with our protocol layer.
"""

import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

SECRET = "supplier-secret"


class SupplierEndpoint:
    def __init__(
        self,
        *,
        failure_rate: float = 0.0,
        refuse_with: int | None = None,
        seed: int = 7,
        secret: str = SECRET,
        fail_first: int = 0,
    ) -> None:
        self.failure_rate = failure_rate
        self.secret = secret
        self.fail_first = fail_first  # the first calls answered 500 (a supplier down for a while)
        self.refuse_with = refuse_with
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.calls = 0
        self.failures = 0
        self.created: Counter[tuple[str, str]] = Counter()  # (orderID, payloadID) -> orders created
        self.repeats = 0
        self.documents: list[bytes] = []  # orders taken
        self.received: list[bytes] = []  # every body, taken or not
        self.delay = 0.0  # seconds to think before answering
        self.arrived = threading.Event()  # set when a request has come in
        self.hold: threading.Event | None = None  # when set, each request waits for it before answering
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                endpoint.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cxml/orders"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def orders(self) -> set[str]:
        return {order_id for order_id, _ in self.created}

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        with self.lock:
            self.received.append(body)
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(60)
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.calls += 1
            down = self.calls <= self.fail_first
            fail = down or self.random.random() < self.failure_rate
            if fail:
                self.failures += 1
        if fail:
            if down:
                return self.answer(request, 500, 500, "Internal Server Error", "down for maintenance")
            if self.random.random() < 0.5:
                request.close_connection = True  # cut off: no answer at all
                request.connection.shutdown(2)
                return
            return self.answer(request, 500, 500, "Internal Server Error", "try later")
        if self.refuse_with:
            return self.answer(request, self.refuse_with, self.refuse_with, "Bad Request", "we cannot take this")
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        if root.findtext("Header/Sender/Credential/SharedSecret") != self.secret:
            return self.answer(request, 200, 401, "Unauthorized", "bad shared secret")
        header = root.find("Request/OrderRequest/OrderRequestHeader")
        key = (header.get("orderID"), root.get("payloadID"))
        with self.lock:
            self.documents.append(body)
            if key in self.created:
                self.repeats += 1
            else:
                self.created[key] += 1
        return self.answer(request, 200, 200, "OK", "")

    @staticmethod
    def answer(request: BaseHTTPRequestHandler, http: int, code: int, text: str, message: str) -> None:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><cXML payloadID="s-{id(request)}@supplier" '
            f'timestamp="2026-11-22T10:00:00+00:00"><Response><Status code="{code}" text="{text}">{message}'
            "</Status></Response></cXML>"
        ).encode()
        request.send_response(http)
        request.send_header("Content-Type", "text/xml")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
