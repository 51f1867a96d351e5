"""A stand-in for Microsoft Graph (outside our control, not reachable from tests): a small HTTP server on 127.0.0.1
that answers `POST /v1.0/me/getMemberObjects` and its `@odata.nextLink` pages in the documented shapes. It finds out
who "me" is as Graph does, from the bearer access token: it asks the test's real OpenID Connect provider's userinfo
endpoint with it, so a sign-in that sent no valid access token gets 401."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests


@dataclass
class FakeGraph:
    issuer: str
    memberships: dict[str, list[str]] = field(default_factory=dict)  # e-mail → group object ids
    page_size: int = 100
    fail_with: int | None = None
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    url: str = ""
    server: ThreadingHTTPServer | None = None

    def start(self) -> "FakeGraph":
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                graph.requests.append((method, self.path, body))
                parts = urlsplit(self.path)
                if parts.path != "/v1.0/me/getMemberObjects":
                    self._answer(404, {"error": {"code": "Request_ResourceNotFound", "message": "Not found"}})
                    return
                if graph.fail_with is not None:
                    self._answer(graph.fail_with, {"error": {"code": "serviceNotAvailable", "message": "Down"}})
                    return
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                who = requests.get(
                    f"{graph.issuer}/userinfo/", headers={"Authorization": f"Bearer {token}"}, timeout=10
                )
                if who.status_code != 200:
                    self._answer(401, {"error": {"code": "InvalidAuthenticationToken", "message": "Invalid"}})
                    return
                groups = graph.memberships.get(who.json().get("email", ""), [])
                start = int(parse_qs(parts.query).get("$skiptoken", ["0"])[0])
                page: dict[str, Any] = {
                    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(Edm.String)",
                    "value": groups[start : start + graph.page_size],
                }
                if start + graph.page_size < len(groups):
                    page["@odata.nextLink"] = (
                        f"{graph.url}/v1.0/me/getMemberObjects?$skiptoken={start + graph.page_size}"
                    )
                self._answer(200, page)

            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
