"""`/metrics`: what the business did, counted from the database, and who may read it."""

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from orders.models import PurchaseOrder, Transmission
from orders.transmission import transmission_send
from p2p.metrics import CACHE_KEY
from p2p.submit_to_order import approval_decide, requisition_submit
from procurement.audit_tally import audit_moves_count
from procurement.models import Employee
from procurement.money import Money
from punchout.models import PunchoutConnection
from requisitions.models import Requisition
from requisitions.services import import_job_create, requisition_create, requisition_line_add_free_text
from tests.factories import CatalogItemFactory, SupplierFactory
from tests.factories_documents import CxmlSupplierFactory, Organisation, buying_organisation
from tests.orders.supplier_endpoint import SECRET as SUPPLIER_SECRET
from tests.orders.supplier_endpoint import SupplierEndpoint
from tests.production_process import production_environment
from tests.punchout.supplier_site import SECRET as SHOP_SECRET
from tests.punchout.supplier_site import SupplierSite
from tests.waiting import free_port

REPO = Path(__file__).resolve().parent.parent.parent
OURS = (
    "procurement_business_metrics_up",
    "procurement_order_transmissions_total",
    "procurement_order_transmissions_in_status",
    "procurement_approval_decisions_total",
    "procurement_punchout_sessions_total",
    "procurement_punchout_sessions_in_status",
    "procurement_import_lines_total",
    "procurement_import_jobs",
)


@pytest.fixture
def organisation(db) -> Organisation:
    return buying_organisation()


@pytest.fixture
def endpoint():
    running = SupplierEndpoint()
    yield running
    running.close()


@pytest.fixture
def site():
    with SupplierSite() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_counts(settings):
    """Every scrape reads the database (the cache is tested on its own)."""
    settings.METRICS_CACHE_SECONDS = 0
    settings.METRICS_TOKEN = ""
    cache.delete(CACHE_KEY)


def person(username: str) -> Employee:
    return Employee.objects.select_related("user", "default_legal_entity").get(user__username=username)


def submitted(title: str, supplier, price: str = "10") -> Requisition:
    alice = person("alice")
    cart = requisition_create(by=alice, legal_entity=alice.default_legal_entity, title=title)
    requisition_line_add_free_text(
        requisition=cart,
        by=alice,
        description=title,
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal(price), "EUR"),
        supplier=supplier,
        unspsc="41121500",
    )
    return requisition_submit(requisition=cart, by=alice)


def bob_decides(requisition: Requisition, decision: str, comment: str = "") -> None:
    task = Task.objects.get(
        process__data__requisition=requisition.pk, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
    )
    approval_decide(task_id=task.pk, by=person("bob"), decision=decision, comment=comment)


def scrape(client: Client, **headers: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Our metrics in the answer of /metrics: name → {sorted labels → value}."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def ours(found: dict[str, dict[tuple[tuple[str, str], ...], float]]) -> dict[str, dict[str, float]]:
    """The business metrics, labels written as `a=x,b=y` for short expected values."""
    return {
        name: {",".join(f"{k}={v}" for k, v in labels): value for labels, value in found.get(name, {}).items()}
        for name in OURS
    }


def test_the_counters_say_what_was_sent_retried_failed_decided_shopped_and_imported(
    organisation, endpoint, site, client, django_capture_on_commit_callbacks
):
    # Given three orders approved by bob and one requisition he rejected
    acme = CxmlSupplierFactory(code="ACMETOOLS", order_url=endpoint.url, order_shared_secret=SUPPLIER_SECRET)
    first, second, third = (submitted(title, acme) for title in ("Lathe", "Drill", "Saw"))
    for requisition in (first, second, third):
        bob_decides(requisition, "approve")
    bob_decides(submitted("Yacht", acme), "reject", comment="Not for the lab")
    orders = [PurchaseOrder.objects.get(requisition=r) for r in (first, second, third)]
    sending = [order.transmissions.get().pk for order in orders]

    # When the first order goes through, the second fails once and then goes through at its retry time, and
    # the supplier refuses the third (the sends run against a real HTTP endpoint)
    assert transmission_send(transmission_id=sending[0]) == "sent"
    endpoint.failure_rate = 1.0
    assert transmission_send(transmission_id=sending[1]) == "retry"
    endpoint.failure_rate = 0.0
    Transmission.objects.filter(pk=sending[1]).update(next_attempt_at=timezone.now())
    assert transmission_send(transmission_id=sending[1]) == "sent"
    endpoint.refuse_with = 400
    assert transmission_send(transmission_id=sending[2]) == "failed"
    assert len(endpoint.orders()) == 2

    # ... and alice punches out to a cXML shop, and imports a file of three lines, one of an unknown SKU
    shop = SupplierFactory(code="TESTSHOP", name="Test shop", currency="EUR")
    shop_connection = PunchoutConnection.objects.create(
        supplier=shop,
        name="Test cXML shop",
        protocol="cxml",
        url=f"{site.url}/cxml/setup",
        from_domain="NetworkID",
        from_identity="acme",
        to_domain="DUNS",
        to_identity="shop",
        sender_domain="NetworkID",
        sender_identity="acme",
        shared_secret=SHOP_SECRET,
    )
    alice = person("alice")
    cart = requisition_create(by=alice, legal_entity=organisation.france, title="Shop and import")
    client.force_login(alice.user)
    started = client.post("/punchout/start/", {"requisition": cart.pk, "connection": shop_connection.pk})
    assert started.status_code == 303
    office = SupplierFactory(code="OFFICE", name="Office Ltd")
    CatalogItemFactory(supplier=office, sku="PEN-1", base_price_minor=150)
    CatalogItemFactory(supplier=office, sku="PAD-1", base_price_minor=320)
    content = b"sku;quantity\nPEN-1;2\nPAD-1;1\nMISSING;1\n"
    with django_capture_on_commit_callbacks(execute=True):
        import_job_create(requisition=cart, by=alice, filename="order.csv", content=content)
    client.logout()

    # Then /metrics counts each of them, by outcome
    assert ours(scrape(client)) == {
        "procurement_business_metrics_up": {"": 1.0},
        "procurement_order_transmissions_total": {"outcome=sent": 2.0, "outcome=retried": 1.0, "outcome=failed": 1.0},
        "procurement_order_transmissions_in_status": {
            "status=pending": 0.0,
            "status=sending": 0.0,
            "status=retrying": 0.0,
            "status=sent": 2.0,
            "status=failed": 1.0,
            "status=manual": 0.0,
        },
        "procurement_approval_decisions_total": {
            "decision=approved": 3.0,
            "decision=rejected": 1.0,
            "decision=returned": 0.0,
        },
        "procurement_punchout_sessions_total": {
            "direction=outbound,protocol=cxml": 1.0,
            "direction=outbound,protocol=oci": 0.0,
            "direction=inbound,protocol=cxml": 0.0,
            "direction=inbound,protocol=oci": 0.0,
        },
        "procurement_punchout_sessions_in_status": {
            "direction=outbound,status=open": 1.0,
            "direction=outbound,status=returned": 0.0,
            "direction=outbound,status=failed": 0.0,
            "direction=outbound,status=expired": 0.0,
            "direction=inbound,status=pending": 0.0,
            "direction=inbound,status=shopping": 0.0,
            "direction=inbound,status=transferred": 0.0,
            "direction=inbound,status=expired": 0.0,
        },
        "procurement_import_lines_total": {"outcome=added": 2.0, "outcome=not_added": 1.0},
        "procurement_import_jobs": {
            "status=queued": 0.0,
            "status=running": 0.0,
            "status=done": 1.0,
            "status=failed": 0.0,
        },
    }


def test_a_scrape_reads_the_database_in_seven_queries_and_caches_them(db, client, settings):
    settings.METRICS_CACHE_SECONDS = 10
    audit_moves_count(event_type="orders.transmission.status")  # the tally of transmission moves is current
    with CaptureQueriesContext(connection) as first:
        scrape(client)
    with CaptureQueriesContext(connection) as second:
        found = scrape(client)
    assert (len(first.captured_queries), len(second.captured_queries)) == (7, 0)
    assert found["procurement_order_transmissions_total"] == {
        (("outcome", "sent"),): 0.0,
        (("outcome", "retried"),): 0.0,
        (("outcome", "failed"),): 0.0,
    }


def test_requests_and_queries_of_this_process_are_counted(db, client):
    # Given what the process has counted so far
    before = scrape(client)
    # When a page is served and a readiness probe queries the database
    assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    after = scrape(client)
    # Then the requests are counted by view name (no path), and the queries by connection
    requests = "django_http_requests_total"

    def grown(name: str, labels: tuple[tuple[str, str], ...]) -> float:
        return after[name].get(labels, 0.0) - before.get(name, {}).get(labels, 0.0)

    assert grown(requests, (("method", "GET"), ("status", "200"), ("view", "healthz"))) == 1
    assert grown(requests, (("method", "GET"), ("status", "404"), ("view", "<unresolved>"))) == 1
    # the first scrape itself is counted by the second
    assert grown(requests, (("method", "GET"), ("status", "200"), ("view", "metrics"))) == 1
    vendor = (("alias", "default"), ("vendor", connection.vendor))
    assert grown("django_db_queries_total", vendor) >= 6  # the business counts of the first scrape, at least
    assert grown("django_http_request_duration_seconds_count", (("method", "GET"), ("view", "healthz"))) == 1


def test_with_a_token_only_a_bearer_of_it_reads_the_metrics(db, settings):
    settings.METRICS_TOKEN = "m3trics-t0ken-for-tests"
    client = Client()
    refused = client.get("/metrics")
    assert (refused.status_code, refused["WWW-Authenticate"]) == (401, 'Bearer realm="metrics"')
    assert b"procurement_" not in refused.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic m3trics-t0ken-for-tests").status_code == 401
    allowed = client.get("/metrics", HTTP_AUTHORIZATION="Bearer m3trics-t0ken-for-tests")
    assert allowed.status_code == 200
    assert b"procurement_order_transmissions_total" in allowed.content


@pytest.mark.parametrize(
    ("address", "headers", "status"),
    [
        ("127.0.0.1", {}, 200),
        ("10.1.2.3", {}, 200),
        ("192.168.0.7", {}, 200),
        ("::1", {}, 200),
        ("::ffff:172.20.0.4", {}, 200),
        ("fd12:3456::1", {}, 200),
        ("8.8.8.8", {}, 401),
        ("169.254.169.254", {}, 401),
        ("203.0.113.9", {}, 401),  # a public address
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, 401),  # came through a proxy
        ("10.1.2.3", {"HTTP_FORWARDED": "for=203.0.113.9"}, 401),
    ],
)
def test_without_a_token_only_direct_internal_requests_read_the_metrics(db, address, headers, status):
    assert Client(REMOTE_ADDR=address).get("/metrics", **headers).status_code == status


# --- several gunicorn workers on one node --------------------------------------------------------


def test_under_gunicorn_a_node_answers_for_every_worker_it_ran(tmp_path):
    # Given a production node: two gunicorn workers, each replaced after 4 requests, sharing a metrics folder
    folder = tmp_path / "prometheus"
    folder.mkdir()
    port = free_port()
    environment = production_environment(
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONWARNINGS="ignore",
        PROMETHEUS_MULTIPROC_DIR=str(folder),
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "procurement.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    node = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [*command, "--max-requests", "4", "--log-level", "warning"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=60)  # an accepted probe is answered (and counted)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)

        # When 12 more liveness probes are answered, by at least three generations of workers
        for _ in range(12):
            assert httpx.get(f"{base}/healthz", timeout=60).status_code == 200
        answer = httpx.get(f"{base}/metrics", timeout=60)
        redirected = httpx.get(f"{base}/login/", timeout=60)  # any other page goes to HTTPS
    finally:
        node.terminate()
        node.wait(30)

    # Then the node's answer (over plain HTTP: /metrics is exempt from the HTTPS redirect, like /healthz) counts
    # all 13, whichever worker served them and whichever is gone
    assert answer.status_code == 200
    assert (redirected.status_code, redirected.headers["Location"]) == (301, f"https://127.0.0.1:{port}/login/")
    found = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }
    assert found[("django_http_requests_total", (("method", "GET"), ("status", "200"), ("view", "healthz")))] == 13
    workers = {path.stem.rsplit("_", 1)[-1] for path in folder.glob("*.db")}
    assert len(workers) >= 3, workers
    # The database of this node has no tables: the process metrics still answer, and say so.
    assert found[("procurement_business_metrics_up", ())] == 0
