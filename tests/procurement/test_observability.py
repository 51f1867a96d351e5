"""Request ids that follow a request into its tasks, JSON logs in production, and error reports without secrets."""

import gzip
import io
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from procurement.money import Money
from procurement.observability import RequestIdFilter, SecretsFilter, TextFormatter, sentry_init
from procurement.services import notification_send
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories_documents import buying_organisation
from tests.production_process import production_manage

GENERATED = re.compile(r"[0-9a-f]{32}")


# --- request ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("req-42", True),
        ("0f8e2c1a-5b7d-4e1f-9a3c-2b6d8e0f1a2b", True),
        ("Root=1-67891233-abcdef012345678912345678", True),
        ("x" * 128, True),
        ("x" * 129, False),  # too long
        ("two words", False),
        ('quote"d', False),
        ("line\nbreak", False),
        ("", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept_and_any_other_replaced(db, incoming, kept):
    headers = {"HTTP_X_REQUEST_ID": incoming} if incoming else {}
    answered = Client().get("/healthz", **headers)["X-Request-ID"]
    if kept:
        assert answered == incoming
    else:
        assert GENERATED.fullmatch(answered), answered


def test_each_request_without_an_id_gets_its_own(db):
    client = Client()
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/no-such-page/")["X-Request-ID"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


class Records(logging.Handler):
    """Log records of every thread, with the request id the filter puts on them."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []
        self.changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self.changed:
            self.records.append(record)
            self.changed.notify_all()

    def wait_for(self, message: str, seconds: float = 30) -> list[logging.LogRecord]:
        with self.changed:
            self.changed.wait_for(lambda: any(r.getMessage() == message for r in self.records), seconds)
            return [r for r in self.records if r.getMessage() == message]


@pytest.fixture
def task_records() -> Iterator[Records]:
    handler = Records()
    tasks_logger = logging.getLogger("procurement.tasks")
    level = tasks_logger.level
    tasks_logger.setLevel(logging.INFO)
    tasks_logger.addHandler(handler)
    yield handler
    tasks_logger.removeHandler(handler)
    tasks_logger.setLevel(level)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="needs Redis: run `make test`")
def test_a_task_enqueued_by_a_request_logs_on_the_worker_under_the_requests_id(redis_worker, task_records):
    # Given alice's cart, which her manager bob approves
    organisation = buying_organisation()
    alice, bob = organisation.requester, organisation.lead
    cart = requisition_create(by=alice, legal_entity=organisation.france, title="Request id")
    requisition_line_add_free_text(
        requisition=cart,
        by=alice,
        description="Calipers",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal("40"), "EUR"),
    )
    api = Client()
    api.force_login(alice.user)

    # When she submits it in a request with an id, which queues the e-mail to bob for a worker
    submitted = api.post(f"/api/v1/requisitions/{cart.pk}/submit/", HTTP_X_REQUEST_ID="req-submit-7")
    assert (submitted.status_code, submitted["X-Request-ID"]) == (200, "req-submit-7")

    # Then the worker sends it, and its log line for that task carries the request's id
    [sent] = task_records.wait_for(f"notification e-mail sent to user {bob.user.pk}")
    assert (sent.request_id, sent.threadName == threading.current_thread().name) == ("req-submit-7", False)
    assert [m.to for m in mail.outbox] == [[bob.user.email]]

    # And a task queued outside any request (as beat does) runs under a fresh id of its own
    with transaction.atomic():
        notification_send(user=alice.user, subject="Reminder", body="Nothing to do.")
    [reminded] = task_records.wait_for(f"notification e-mail sent to user {alice.user.pk}")
    assert GENERATED.fullmatch(reminded.request_id), reminded.request_id


def test_a_handler_logs_a_masked_copy_and_other_handlers_get_the_record_as_logged():
    logger = logging.getLogger("tests.observability.secrets")
    masked, raw = Records(), Records()
    masked.addFilter(SecretsFilter())
    logger.addHandler(masked)
    logger.addHandler(raw)
    try:
        logger.warning("callback to %s", "/punchout/return/tok-123456/", extra={"sent": "password=pw-1&x=1"})
    finally:
        logger.removeHandler(masked)
        logger.removeHandler(raw)
    [line], [record] = masked.records, raw.records
    assert (line.getMessage(), line.sent) == ("callback to /punchout/return/********/", "password=********&x=1")
    assert (record.getMessage(), record.sent) == ("callback to /punchout/return/tok-123456/", "password=pw-1&x=1")


def test_a_traceback_already_formatted_by_another_handler_is_masked_too():
    logger = logging.getLogger("tests.observability.traceback")
    first, ours = io.StringIO(), io.StringIO()
    plain = logging.StreamHandler(first)  # formats first and keeps the traceback text on the record
    masked = logging.StreamHandler(ours)
    masked.addFilter(SecretsFilter())
    masked.setFormatter(TextFormatter("%(message)s"))
    logger.addHandler(plain)
    logger.addHandler(masked)
    try:
        raise ValueError("<SharedSecret>pa55-w0rd-9</SharedSecret>")
    except ValueError:
        logger.exception("refused")
    finally:
        logger.removeHandler(plain)
        logger.removeHandler(masked)
    assert first.getvalue().rstrip().endswith("ValueError: <SharedSecret>pa55-w0rd-9</SharedSecret>")
    assert ours.getvalue().rstrip().endswith("ValueError: <SharedSecret>********</SharedSecret>")


# --- logs in production --------------------------------------------------------------------------

# In a production process: a request for a page that is not there, on a path with a token in it, then an
# error logged with its traceback while a task of another request runs.
PROD_SCRIPT = """
import logging
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from procurement.observability import request_id_var
answer = Client().get(
    "/punchout/return/tok-3f9a8b7c6d5e/nope", HTTP_HOST="example.com", HTTP_X_REQUEST_ID="req-json-1", secure=True
)
assert answer.status_code == 404, answer.status_code
request_id_var.set("req-json-2")
try:
    raise ValueError("supplier said <SharedSecret>s3cr3t-shared</SharedSecret>")
except ValueError:
    logging.getLogger("orders.transmission").exception("sending failed for %s", "PO-1")
"""


def _production_logs(tmp_path: Path, **environ: str) -> list[str]:
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    ran = production_manage(database, "shell", "-c", PROD_SCRIPT, PYTHONWARNINGS="ignore", **environ)
    assert ran.returncode == 0, ran.stderr
    assert "tok-3f9a8b7c6d5e" not in ran.stderr and "s3cr3t-shared" not in ran.stderr
    return ran.stderr.splitlines()


def test_production_logs_one_json_object_a_line_with_the_request_id_and_no_secret(tmp_path):
    lines = [json.loads(line) for line in _production_logs(tmp_path)]
    not_found, failed = lines
    assert set(not_found) == {"timestamp", "level", "logger", "message", "request_id", "request", "status_code"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", not_found["timestamp"])
    assert {k: v for k, v in not_found.items() if k != "timestamp"} == {
        "level": "WARNING",
        "logger": "django.request",
        "message": "Not Found: /punchout/return/********/nope",
        "request_id": "req-json-1",
        "request": "<WSGIRequest: GET '/punchout/return/********/nope'>",
        "status_code": 404,
    }
    assert {k: v for k, v in failed.items() if k not in {"timestamp", "exception"}} == {
        "level": "ERROR",
        "logger": "orders.transmission",
        "message": "sending failed for PO-1",
        "request_id": "req-json-2",
    }
    assert failed["exception"].startswith("Traceback (most recent call last):\n")
    assert failed["exception"].endswith("ValueError: supplier said <SharedSecret>********</SharedSecret>")


def test_log_format_text_gives_plain_lines_in_production(tmp_path):
    lines = _production_logs(tmp_path, LOG_FORMAT="text")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING django\.request \[req-json-1\] "
        r"Not Found: /punchout/return/\*{8}/nope",
        lines[0],
    ), lines[0]
    assert lines[1].endswith("ERROR orders.transmission [req-json-2] sending failed for PO-1")
    assert lines[-1] == "ValueError: supplier said <SharedSecret>********</SharedSecret>"


# --- error reports -------------------------------------------------------------------------------

# Made at run time: the reports carry source lines of the failing code, which must not hold the values looked for.
TOKEN = f"ret-{secrets.token_hex(6)}"
SHARED_SECRET = f"shared-{secrets.token_hex(8)}"
BEARER = f"api-{secrets.token_hex(10)}"
COOKIE = f"cookie-{secrets.token_hex(8)}"
PASSWORD = f"pw-{secrets.token_hex(6)}"


def failing_return(request: HttpRequest, token: str) -> HttpResponse:
    raise RuntimeError(f"supplier answered <SharedSecret>{SHARED_SECRET}</SharedSecret> to {request.path}")


urlpatterns = [path("punchout/return/<str:token>/", failing_return)]


class IngestServer:
    """Stands in for a Sentry server: takes the envelopes posted to /api/<project>/envelope/ on 127.0.0.1."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, bytes]] = []
        self.changed = threading.Condition()
        ingest = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = self.headers.get("Content-Encoding", "")
                assert encoding in ("", "gzip"), encoding
                with ingest.changed:
                    ingest.envelopes.append((self.path, gzip.decompress(body) if encoding == "gzip" else body))
                    ingest.changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, seconds: float = 20) -> list[dict[str, Any]]:
        """The error events received, once at least one has come."""
        deadline = time.monotonic() + seconds
        with self.changed:
            while not (found := self._events()) and time.monotonic() < deadline:
                self.changed.wait(0.2)
        return found

    def _events(self) -> list[dict[str, Any]]:
        found = []
        for _path, envelope in self.envelopes:
            lines = envelope.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ingest() -> Iterator[IngestServer]:
    server = IngestServer()
    yield server
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)
    server.close()


def test_without_sentry_dsn_nothing_is_reported():
    assert sentry_init(dsn="") is False
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.urls(__name__)
def test_an_error_is_reported_with_its_request_id_and_without_secrets(db, ingest):
    # Given error reporting switched on by a DSN
    assert sentry_init(dsn=f"http://publickey@127.0.0.1:{ingest.port}/1", environment="staging", release="p@1.2.3")

    # When a page fails on a path with a token, a password in the query, a bearer token and a session cookie,
    # served the way gunicorn serves it (Django's WSGI handler)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/punchout/return/{TOKEN}/",
        "QUERY_STRING": f"password={PASSWORD}&page=2",
        "HTTP_HOST": "testserver",
        "HTTP_X_REQUEST_ID": "req-boom-1",
        "HTTP_AUTHORIZATION": f"Bearer {BEARER}",
        "HTTP_COOKIE": f"sessionid={COOKIE}",
        "REMOTE_ADDR": "198.51.100.23",
    }
    setup_testing_defaults(environ)
    answered: list[str] = []
    # As Django's test client does: the test's database connection stays open across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        b"".join(WSGIHandler()(environ, lambda status, headers, *_: answered.append(status)))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert answered == ["500 Internal Server Error"]
    sentry_sdk.flush(timeout=10)

    # Then the server receives one event: the exception, the request id as a tag, and no secret anywhere
    [event] = ingest.events()
    [path_posted] = {posted for posted, _ in ingest.envelopes}
    assert path_posted == "/api/1/envelope/"
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == (
        "RuntimeError",
        "supplier answered <SharedSecret>********</SharedSecret> to /punchout/return/********/",
    )
    assert (event["tags"]["request_id"], event["environment"], event["release"], event["level"]) == (
        "req-boom-1",
        "staging",
        "p@1.2.3",
        "error",
    )
    request = event["request"]
    assert (request["method"], request["url"], request["query_string"]) == (
        "GET",
        "http://testserver/punchout/return/********/",
        "password=********&page=2",
    )
    assert request["headers"] == {
        "Host": "testserver",
        "X-Request-Id": "req-boom-1",
        "Authorization": "[Filtered]",
        "Cookie": "[Filtered]",
    }
    assert "cookies" not in request and "data" not in request
    assert "user" not in event or "ip_address" not in event["user"]
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])
    everything = b"".join(envelope for _, envelope in ingest.envelopes).decode()
    for secret in (TOKEN, SHARED_SECRET, BEARER, PASSWORD, COOKIE):
        assert secret not in everything
