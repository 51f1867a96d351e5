"""The production process set of deploy/Procfile, started as it is written: two gunicorn web nodes, two Celery
workers and one beat on one PostgreSQL and one Redis, with prod settings.

Requisitions go through submit, three approvals by three approvers (the nodes alternate), the purchase order to
a supplier that fails 30 % of calls, its confirmation and ship notice; meanwhile a worker is killed with SIGKILL
(and started again, as systemd would) and Redis is restarted. Then: every order reached the supplier exactly
once (repeats only of the same payloadID), no task was lost, no decision taken twice, no budget drift, and both
nodes answer the same pages alike. The figures are printed as one JSON line.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Sum

from budgets.models import Budget, BudgetEntry
from orders.models import PurchaseOrder, Transmission
from procurement.models import AuditEvent
from requisitions.models import RequisitionEvent
from tests.factories_documents import CxmlSupplierFactory, buying_organisation
from tests.orders.supplier_documents import confirmation, item, ship_notice
from tests.orders.supplier_endpoint import SupplierEndpoint
from tests.waiting import free_port, wait_for

from .processes import OwnRedis, ProcessSet
from .procfile import ROOT

pytestmark = [
    pytest.mark.topology,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="needs Redis: run `make test`"
    ),
]

REQUISITIONS = 30
PASSWORD = "topology-Pa55word"
SUPPLIER_SECRET = "coyote"
APPROVERS = ("bob", "carol", "erin")  # alice's manager chain up to a signing limit over 10,000 EUR
UNIT_PRICE = Decimal("12000.00")
WAIT = 120.0  # seconds any one condition may take
REDIS_AWAY_SECONDS = 3.0
# What each requisition's history and each order's status history read at the end: every move and decision once.
REQUISITION_HISTORY = [
    ("created", "", "", "alice"),
    ("lines_added", "", "", "alice"),
    ("status", "draft", "submitted", "alice"),
    ("status", "submitted", "in_approval", ""),
    ("decision", "", "", "bob"),
    ("decision", "", "", "carol"),
    ("decision", "", "", "erin"),
    ("status", "in_approval", "approved", "erin"),
    ("edited", "", "", ""),  # the order numbers noted on the requisition
    ("status", "approved", "ordered", ""),
]
ORDER_HISTORY = [("", "issued"), ("issued", "sent"), ("sent", "confirmed"), ("confirmed", "shipped")]
SENDERS_PER_WORKER = os.cpu_count() or 1  # a Celery worker's default concurrency


class Node:
    """One gunicorn web node, reached over HTTP as a user's client would: retries what did not get an answer
    (a 5xx, a cut connection) with the same Idempotency-Key, so a retry never acts twice."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)
        self.retried: list[str] = []  # what needed a second try, and why

    def request(self, method: str, path: str, *, token: str = "", **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Token {token}"
        if method == "POST" and path.startswith("/api/v1/") and "auth/token" not in path:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        deadline = time.monotonic() + WAIT
        while True:
            try:
                response = self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code < 500:
                return response
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} {method} {path}: {response and response.status_code}")
            self.retried.append(f"{method} {path} {response.status_code if response is not None else 'no answer'}")
            time.sleep(0.3)

    def api(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
        response = self.request(method, f"/api/v1/{path}", token=token, json=body)
        assert response.status_code < 300, f"{self.name} {method} {path}: {response.status_code} {response.text}"
        return response.json()

    def page(self, path: str, session: str) -> str:
        # The session cookie is Secure (prod settings); over this plain-HTTP test link it is sent by hand.
        response = self.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        assert response.status_code == 200, f"{self.name} {path}: {response.status_code}"
        return response.text

    def log_in(self, username: str) -> str:
        """The login form, as a browser fills it: the session id it sets."""
        form = self.request("GET", "/login/")
        csrf_cookie = form.cookies["csrftoken"]
        csrf_field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert csrf_field, form.text[:500]
        answer = self.request(
            "POST",
            "/login/",
            headers={"Cookie": f"csrftoken={csrf_cookie}"},
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_field.group(1)},
        )
        assert answer.status_code == 302, f"login {username}: {answer.status_code} {answer.text[:300]}"
        return answer.cookies["sessionid"]

    def token(self, username: str) -> str:
        answer = self.request("POST", "/api/v1/auth/token/", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["token"])

    def inbound(self, document: str) -> tuple[int, int]:
        answer = self.request("POST", "/cxml/inbound/", content=document.encode(), headers={"Content-Type": "text/xml"})
        match = re.search(r'<Status code="(\d+)"', answer.text)
        return answer.status_code, int(match.group(1)) if match else 0


_PER_RESPONSE = [
    re.compile(r"(>)[^<>]+(?= ago<)"),  # "1 minute ago" moves with the clock, not with the node
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'),
    re.compile(r'(name="form_token" value=")[^"]+'),
    re.compile(r'(<meta name="csrf-token" content=")[^"]+'),
    re.compile(r'("X-CSRFToken": ")[^"]+'),
]


def same_page(text: str) -> str:
    """A page without what is new in every response by design (CSRF and one-time form tokens, times ago)."""
    for pattern in _PER_RESPONSE:
        text = pattern.sub(r"\1…", text)
    return text


def with_prod_password(username: str) -> None:
    # Prod settings hash with Django's default (PBKDF2); the test settings' MD5 hashes would not log in there.
    user = User.objects.get(username=username)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])


@pytest.fixture
def fernet_key(settings) -> str:
    """A real production key, also in this process: the supplier's secret is stored encrypted under it."""
    key = Fernet.generate_key().decode()
    settings.SECRETS_ENCRYPTION_KEYS = [key]
    return key


def test_the_production_process_set_loses_nothing_and_doubles_nothing(tmp_path, fernet_key):
    started = time.monotonic()
    organisation = buying_organisation()
    for person in ("alice", "bob", "carol", "erin", "frank"):
        with_prod_password(person)
    endpoint = SupplierEndpoint(failure_rate=0.3, seed=15, secret=SUPPLIER_SECRET)
    endpoint.delay = 0.05
    supplier = CxmlSupplierFactory(
        code="TOPOSUP",
        order_url=endpoint.url,
        order_shared_secret=SUPPLIER_SECRET,
        order_to_identity="supplier@supplier.com",
    )

    db = connection.settings_dict
    redis = OwnRedis(tmp_path / "redis")
    (tmp_path / "logs").mkdir()
    (tmp_path / "state").mkdir()
    environment = {
        "PATH": f"{os.path.dirname(sys.executable)}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "procurement.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECRETS_ENCRYPTION_KEYS": fernet_key,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis.url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "STATE_DIRECTORY": str(tmp_path / "state"),
        "WEB_CONCURRENCY": "2",
        "ORDER_TRANSMISSION_BASE_SECONDS": "0.5",
        "ORDER_TRANSMISSION_ATTEMPTS": "12",
        "ORDER_TRANSMISSION_LEASE_SECONDS": "5",
        "ORDERS_SWEEP_EVERY_SECONDS": "2",
        "WORKER_HEARTBEAT_EVERY_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
        # No mail server here: approval e-mails are made and dropped.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    processes = ProcessSet(environment, tmp_path / "logs")
    nodes = [Node("web1", free_port()), Node("web2", free_port())]
    try:
        redis.start()
        # As a release is installed (docs/deploy.md "Deploying"): static files collected once.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
        )
        for node in nodes:
            metrics_folder = tmp_path / f"metrics-{node.name}"  # systemd's RuntimeDirectory: empty at start
            metrics_folder.mkdir()
            processes.start(
                node.name, "web", PORT=node.url.rsplit(":", 1)[1], PROMETHEUS_MULTIPROC_DIR=str(metrics_folder)
            )
        processes.start("worker1", "worker")
        processes.start("worker2", "worker")
        processes.start("beat", "beat")
        for node in nodes:
            wait_for(lambda node=node: node.request("GET", "/readyz").status_code == 200, f"{node.name} ready")
        for node in nodes:
            node.retried.clear()  # answers before the set was ready are not the run's
        figures = drive(nodes, processes, redis, endpoint, organisation, supplier)
        figures["seconds"] = round(time.monotonic() - started, 1)
        figures["redis_restarts"] = redis.restarts
        figures["client_retries"] = [call for node in nodes for call in node.retried]
        # Both nodes' /metrics count what the whole system did (read from the database, not from one process):
        # each order sent once, three approvals per requisition.
        for node in nodes:
            scraped = node.request("GET", "/metrics").text
            assert f'procurement_order_transmissions_total{{outcome="sent"}} {figures["orders"]}.0' in scraped
            assert f'procurement_approval_decisions_total{{decision="approved"}} {3 * figures["orders"]}.0' in scraped
        print("\ntopology: " + json.dumps(figures), flush=True)
    except BaseException:
        print(processes.tails(), file=sys.stderr)
        raise
    finally:
        processes.stop_all()
        redis.stop()
        endpoint.close()
        for node in nodes:
            node.http.close()


def drive(
    nodes: list[Node], processes: ProcessSet, redis: OwnRedis, endpoint: SupplierEndpoint, organisation, supplier
) -> dict[str, Any]:
    def node(n: int) -> Node:
        return nodes[n % len(nodes)]

    tokens = {name: node(n).token(name) for n, name in enumerate(("alice", *APPROVERS, "frank"))}

    # Given N requisitions of one 12,000 EUR line, each made and submitted by alice, the calls spread on both nodes
    requisitions = []
    for n in range(REQUISITIONS):
        cart = node(n).api(
            "POST", "requisitions/", tokens["alice"], {"title": f"Topology {n}", "legal_entity": "FR-ORG"}
        )
        node(n + 1).api(
            "POST",
            f"requisitions/{cart['id']}/lines/",
            tokens["alice"],
            {
                "description": f"Spectrometer {n}",
                "quantity": "1",
                "unit": "EA",
                "unit_price": {"amount": str(UNIT_PRICE), "currency": "EUR"},
                "supplier": supplier.code,
                "unspsc": "41121500",
            },
        )
        submitted = node(n).api("POST", f"requisitions/{cart['id']}/submit/", tokens["alice"])
        assert submitted["status"] == "in_approval", submitted
        requisitions.append(cart["id"])

    # The inbox page is the same on both nodes (a session made on one works on the other)
    sessions = {name: nodes[0].log_in(name) for name in ("alice", "bob", "frank")}
    inbox = [same_page(web.page("/approvals/", sessions["bob"])) for web in nodes]
    assert inbox[0] == inbox[1] and inbox[0].count("Topology ") >= REQUISITIONS

    # When bob, carol and erin approve each in turn, alternating nodes; during the last stage (orders flowing) a
    # worker is killed and started again, and Redis is restarted
    kills = 0
    for stage, approver in enumerate(APPROVERS):
        for n, requisition in enumerate(requisitions):
            web = node(n + stage)
            task = wait_for(
                lambda web=web, token=tokens[approver], requisition=requisition: task_in_inbox(web, token, requisition),
                f"{approver}'s task for requisition {requisition}",
            )
            decided = web.api("POST", f"approvals/tasks/{task}/approve/", tokens[approver], {"comment": "ok"})
            expected = "approved" if stage == len(APPROVERS) - 1 else "in_approval"
            assert decided["requisition_status"] in (expected, "ordered"), decided
            if stage == len(APPROVERS) - 1 and n == REQUISITIONS // 4:
                endpoint.hold = threading.Event()  # the supplier thinks: sends pile up in the workers
            if stage == len(APPROVERS) - 1 and n == REQUISITIONS // 4 + SENDERS_PER_WORKER + 2:
                # More orders in the supplier's hands than one worker sends at once (one per core): some are
                # worker1's. It dies mid-send, its tasks unacknowledged, its claims standing.
                wait_for(
                    lambda: len(endpoint.received) - endpoint.calls > SENDERS_PER_WORKER,
                    "more orders in flight than one worker sends",
                )
                processes.kill("worker1")
                kills += 1
                processes.start("worker1", "worker")  # as systemd's Restart=on-failure does
                hold, endpoint.hold = endpoint.hold, None
                hold.set()
            if stage == len(APPROVERS) - 1 and n == 2 * REQUISITIONS // 3:
                # Redis restarts, taking a few seconds, while users keep deciding and orders keep flowing
                redis.restart_later(REDIS_AWAY_SECONDS)
    redis.wait_restarted()

    orders = {
        requisition: wait_for(
            lambda requisition=requisition: sent_order(nodes[requisition % 2], tokens["frank"], requisition),
            f"the order of requisition {requisition} sent",
        )
        for requisition in requisitions
    }

    # And the supplier confirms and ships each order, at either node
    for n, requisition in enumerate(requisitions):
        order = PurchaseOrder.objects.get(pk=orders[requisition]["id"])
        assert node(n).inbound(confirmation(order, item(1, "1", ("accept", "1", "")))) == (200, 200)
        shipped = ship_notice(
            order, shipment_date="2026-12-08T00:00:00+01:00", delivery_date="2026-12-10T00:00:00+01:00"
        )
        assert node(n + 1).inbound(shipped) == (200, 200)

    # Then every order reached the supplier exactly once: one accepted order per number, by its own payloadID
    numbers = {order["number"] for order in orders.values()}
    payloads = {
        po.number: po.revisions.get(revision=1).payload_id
        for po in PurchaseOrder.objects.filter(requisition_id__in=requisitions)
    }
    assert len(numbers) == REQUISITIONS
    assert endpoint.orders() == numbers
    accepted_per_order = Counter(number for number, _ in endpoint.created)
    duplicates = sum(count - 1 for count in accepted_per_order.values())
    assert duplicates == 0
    assert set(endpoint.created) == set(payloads.items())
    assert all(count == 1 for count in endpoint.created.values())
    # No task lost: every outbox row sent, every order sent, then confirmed and shipped as posted, once each
    lost = (
        Transmission.objects.exclude(status="sent").count()
        + REQUISITIONS
        - len(PurchaseOrder.objects.filter(requisition_id__in=requisitions, status="shipped"))
    )
    assert lost == 0
    for web in nodes:
        listed = web.api("GET", f"purchase-orders/?supplier={supplier.code}", tokens["frank"])
        assert sorted((o["number"], o["status"]) for o in listed["results"]) == sorted((n, "shipped") for n in numbers)
    for po in PurchaseOrder.objects.filter(requisition_id__in=requisitions):
        assert [(e.from_status, e.to_status) for e in po.events.order_by("created_at", "pk")] == ORDER_HISTORY
    # No decision twice: three stages approved, each by its one approver, once; the history says so exactly
    for n, requisition in enumerate(requisitions):
        chain = node(n).api("GET", f"requisitions/{requisition}/approval-chain/", tokens["alice"])
        assert [(s["status"], [(a["username"], a["status"]) for a in s["approvers"]]) for s in chain["stages"]] == [
            ("approved", [(approver, "approved")]) for approver in APPROVERS
        ]
        history = [
            (e.kind, e.from_status, e.to_status, e.actor.username if e.actor else "")
            for e in RequisitionEvent.objects.filter(requisition_id=requisition).select_related("actor")
        ]
        assert history == REQUISITION_HISTORY, requisition
    assert AuditEvent.objects.filter(event_type="approvals.chain.status").count() == REQUISITIONS
    # No budget drift: what each node shows available is the budget less the sum of its ledger; each requisition
    # pre-committed, released and committed its order's total exactly once
    budget = Budget.objects.get(pk=organisation.budget.pk)
    ledger = BudgetEntry.objects.filter(budget=budget)
    for web in nodes:
        (shown,) = [
            b
            for b in web.api("GET", "budgets/?legal_entity=FR-ORG", tokens["frank"])["results"]
            if b["id"] == budget.pk
        ]
        assert Decimal(shown["available"]) * 100 == budget.amount_minor - ledger.aggregate(s=Sum("amount_minor"))["s"]
    totals = {requisition: int(Decimal(order["total"]["amount"]) * 100) for requisition, order in orders.items()}
    assert set(totals.values()) == {int(UNIT_PRICE * 100)}
    assert Counter(ledger.values_list("requisition_id", "kind", "amount_minor")) == Counter(
        {
            entry: 1
            for requisition, total in totals.items()
            for entry in [
                (requisition, "precommitment", total),
                (requisition, "release", -total),
                (requisition, "commitment", total),
            ]
        }
    )
    # Both nodes are ready again after the restarts (database, migrations, Redis, a worker's heartbeat)
    for web in nodes:
        wait_for(lambda web=web: web.request("GET", "/readyz").status_code == 200, f"{web.name} ready at the end")
    # Both nodes answer the same pages alike
    some = requisitions[0]
    for path, who in [
        (f"/requisitions/{some}/", "alice"),
        (f"/purchase-orders/{orders[some]['id']}/", "frank"),
        ("/approvals/", "bob"),
    ]:
        first, second = (same_page(web.page(path, sessions[who])) for web in nodes)
        assert first == second, path
    return {
        "orders": len(numbers),
        "duplicates": duplicates,
        "lost": lost,
        "supplier_calls": endpoint.calls,
        "supplier_failures": endpoint.failures,
        "supplier_repeats_same_payload_id": endpoint.repeats,
        "worker_kills": kills,
    }


def task_in_inbox(web: Node, token: str, requisition: int) -> int | None:
    for task in web.api("GET", "approvals/inbox/", token)["results"]:
        if task["requisition"] == requisition:
            return int(task["id"])
    return None


def sent_order(web: Node, token: str, requisition: int) -> dict[str, Any] | None:
    listed = web.api("GET", f"purchase-orders/?requisition={requisition}", token)["results"]
    if len(listed) == 1 and listed[0]["status"] == "sent":
        return dict(listed[0])
    return None
