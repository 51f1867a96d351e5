"""`make run` is the whole system: the web server, a real Celery worker and beat on a broker that needs no
server (a folder), started together and stopped together by one Ctrl-C.

The test runs the README's command itself (on its own SQLite file, broker folder and port) and uses the demo
as a user and an admin would, over HTTP:
- a supplier that is down for its first two calls gets the order on the third attempt, with the same payloadID,
  each retry no earlier than its backoff, and the order's page lists the three attempts;
- an approval task past its SLA goes to the approver's manager by beat, with a reminder first;
- an uploaded file is added by the worker in chunks while the page polls its progress;
- Ctrl-C stops every process it started.
The backoff and beat intervals are shortened through their documented environment variables.
"""

import csv
import io
import os
import re
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.orders.supplier_endpoint import SECRET, SupplierEndpoint
from tests.waiting import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.system]

BASE_SECONDS = 1.0  # ORDER_TRANSMISSION_BASE_SECONDS: retries after 1 s, then 2 s (30 s, 1 min in production)


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (honcho starts each of its processes in a session of its own), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, …
        except OSError:
            continue  # ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class System:
    """`make run PORT=…` in a process group of its own, with its files in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = folder / "db.sqlite3"
        self.log_path = folder / "run.log"
        env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "SITE_URL"}}
        env.update(
            DATABASE_URL=f"sqlite:///{self.database}",
            REDIS_URL="",  # the embedded default: no server at all
            CELERY_DIR=str(folder / "celery"),
            CACHE_DIR=str(folder / "cache"),
            ORDER_TRANSMISSION_BASE_SECONDS=str(BASE_SECONDS),
            ORDERS_SWEEP_EVERY_SECONDS="5",
            APPROVALS_ESCALATE_EVERY_SECONDS="2",
            WORKER_HEARTBEAT_EVERY_SECONDS="2",
            PYTHONUNBUFFERED="1",
        )
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            ["make", "run", f"PORT={self.port}"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ready(self) -> dict[str, Any] | None:
        assert self.process.poll() is None, f"make run ended:\n{self.output()[-4000:]}"
        try:
            response = httpx.get(f"{self.url}/readyz", timeout=5)
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def sql(self, statement: str, *params: object) -> None:
        """Time passing, written where the server keeps it (the test's only write outside the HTTP API)."""
        with sqlite3.connect(self.database, timeout=20) as db:
            db.execute(statement, params)

    def stop(self) -> set[int]:
        """Ctrl-C as a terminal sends it (to the foreground group); the processes that were running."""
        started = descendants(self.process.pid)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        return started


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = System(tmp_path_factory.mktemp("make-run"))
    try:
        # Migrations, the demo, then a worker heartbeat sent by beat and run by the worker: all three are up.
        checks = wait_for(running.ready, "make run to be ready (web, worker heartbeat)", 240)
        assert checks["checks"]["worker"]["mode"] == "workers"
        yield running
    finally:
        left = {pid for pid in running.stop() if alive(pid)}
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left running after Ctrl-C: {sorted(left)}"


def api(system: System, username: str) -> httpx.Client:
    token = httpx.post(
        f"{system.url}/api/v1/auth/token/", json={"username": username, "password": "demo"}, timeout=30
    ).json()["token"]
    return httpx.Client(base_url=f"{system.url}/api/v1/", headers={"Authorization": f"Token {token}"}, timeout=30)


def logged_in(system: System, username: str) -> httpx.Client:
    browser = httpx.Client(base_url=system.url, timeout=30, follow_redirects=True)
    browser.get("/login/")
    browser.post(
        "/login/",
        data={"username": username, "password": "demo", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{system.url}/login/"},
    )
    assert "sessionid" in browser.cookies
    return browser


def cheapest(client: httpx.Client, supplier: str) -> str:
    items = client.get("catalog/items/", params={"supplier": supplier, "legal_entity": "ACME-FR"}).json()["results"]
    return str(min(items, key=lambda item: Decimal(item["price"]["amount"]))["sku"])


def cart_with(client: httpx.Client, title: str, text: str) -> int:
    requisition = client.post("requisitions/", json={"title": title, "legal_entity": "ACME-FR"}).json()["id"]
    added = client.post(f"requisitions/{requisition}/quick-add/", json={"text": text}).json()
    assert added["not_added"] == 0, added
    return int(requisition)


def test_an_order_reaches_a_supplier_that_was_down_on_the_third_attempt(system: System) -> None:
    supplier = SupplierEndpoint(fail_first=2)
    try:
        admin, alice, bob = api(system, "admin"), api(system, "alice"), api(system, "bob")
        changed = admin.patch("suppliers/LABSOURCE/", json={"order_url": supplier.url, "shared_secret": SECRET})
        assert changed.status_code == 200, changed.text
        requisition = cart_with(alice, "Pipette tips", f"{cheapest(alice, 'LABSOURCE')},1")
        assert alice.post(f"requisitions/{requisition}/submit/").status_code == 200

        inbox = bob.get("approvals/inbox/").json()["results"]
        task = next(entry["id"] for entry in inbox if entry["requisition"] == requisition)
        assert bob.post(f"approvals/tasks/{task}/approve/", json={"comment": ""}).status_code == 200

        def sent() -> dict[str, Any] | None:
            orders = alice.get("purchase-orders/", params={"requisition": requisition}).json()["results"]
            return orders[0] if orders and orders[0]["status"] == "sent" else None

        order = wait_for(sent, "the order to be sent", 60)
        (transmission,) = order["transmissions"]
        assert transmission["attempts"] == 3
        # The supplier saw one document three times: the same payloadID, taken once.
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        payload_ids = {etree.fromstring(body, parser).get("payloadID") for body in supplier.received}
        assert (supplier.calls, payload_ids) == (3, {transmission["payload_id"]})
        assert supplier.created == {(order["number"], transmission["payload_id"]): 1}

        page = logged_in(system, "alice").get(f"/purchase-orders/{order['id']}/").text
        attempts = re.findall(r"Attempt (\d) at (\d\d:\d\d:\d\d): (\w+)(?: \(HTTP (\d+))?", page)
        assert [(number, outcome, http) for number, _, outcome, http in attempts] == [
            ("1", "retry", "500"),
            ("2", "retry", "500"),
            ("3", "sent", "200"),
        ]
        # Each retry waited at least its backoff (1 s, then 2 s here; 30 s, 1 min … by default).
        started = [datetime.strptime(at, "%H:%M:%S") for _, at, _, _ in attempts]
        assert started[1] - started[0] >= timedelta(seconds=BASE_SECONDS - 1)
        assert started[2] - started[1] >= timedelta(seconds=2 * BASE_SECONDS - 1)
    finally:
        supplier.close()


def test_an_approval_past_its_sla_goes_to_the_managers_inbox(system: System) -> None:
    alice, bob, carol = api(system, "alice"), api(system, "bob"), api(system, "carol")
    requisition = cart_with(alice, "Paper", f"{cheapest(alice, 'BUROTEC')},1")
    assert alice.post(f"requisitions/{requisition}/submit/").status_code == 200
    task = next(
        entry["id"] for entry in bob.get("approvals/inbox/").json()["results"] if entry["requisition"] == requisition
    )
    assert not any(entry["requisition"] == requisition for entry in carol.get("approvals/inbox/").json()["results"])

    # Bob's step has an SLA of 72 working hours; the task has now waited two weeks.
    two_weeks_ago = (datetime.now(UTC) - timedelta(days=14)).strftime("%Y-%m-%d %H:%M:%S")
    system.sql("UPDATE viewflow_task SET created = ?, assigned = ? WHERE id = ?", two_weeks_ago, two_weeks_ago, task)

    def in_carols_inbox() -> bool:
        return any(entry["requisition"] == requisition for entry in carol.get("approvals/inbox/").json()["results"])

    wait_for(in_carols_inbox, "beat to escalate the task to Bob's manager", 30)
    assert not any(entry["requisition"] == requisition for entry in bob.get("approvals/inbox/").json()["results"])
    events = alice.get(f"requisitions/{requisition}/events/").json()
    escalated = [(event["data"]["from"], event["data"]["to"]) for event in events if event["kind"] == "escalated"]
    assert escalated == [("bob", "carol")]


def test_an_uploaded_file_is_added_by_the_worker_with_live_progress(system: System) -> None:
    alice = api(system, "alice")
    requisition = alice.post("requisitions/", json={"title": "Big restock", "legal_entity": "ACME-FR"}).json()["id"]
    items = alice.get("catalog/items/", params={"supplier": "BUROTEC", "legal_entity": "ACME-FR"}).json()["results"]
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["sku", "quantity"])
    lines = 3000
    for n in range(lines):
        writer.writerow([items[n % len(items)]["sku"], 1])
    upload = alice.post(
        f"requisitions/{requisition}/upload/", files={"file": ("restock.csv", rows.getvalue().encode(), "text/csv")}
    )
    # The request only queues the file: the worker adds it afterwards.
    assert upload.status_code == 202, upload.text
    assert (upload.json()["status"], upload.json()["processed_lines"]) == ("queued", 0)

    seen: list[int] = []

    def done() -> dict[str, Any] | None:
        job = alice.get(f"imports/{upload.json()['id']}/").json()
        seen.append(job["processed_lines"])
        return job if job["status"] == "done" else None

    job = wait_for(done, "the import to finish", 120)
    assert (job["processed_lines"], job["percent"], job["added"], job["errors"]) == (lines, 100, lines, [])
    assert any(0 < processed < lines for processed in seen), f"no progress between 0 and {lines}: {sorted(set(seen))}"
