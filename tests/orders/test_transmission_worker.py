"""Orders reach suppliers exactly once through Redis and real Celery workers: healthy, flaky (30 % of calls
answered 500 or cut off), refusing (4xx, never retried), and a worker killed mid-run and started again."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.db import connection

from orders import transmission
from orders.models import PurchaseOrder, Transmission
from orders.tasks import purchase_order_transmissions_sweep
from procurement.celery import QUEUES
from procurement.celery import app as celery_app
from tests.waiting import wait_until

from .conftest import cxml_supplier, ordered
from .supplier_endpoint import SupplierEndpoint

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("auto_approve"),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="needs Redis: run `make test`"
    ),
]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(transmission, "BASE_DELAY", 0.05)
    monkeypatch.setattr(transmission, "MAX_DELAY", 0.5)
    monkeypatch.setattr(transmission, "MAX_ATTEMPTS", 30)


def place_orders(supplier_url: str, count: int) -> list[str]:
    supplier = cxml_supplier("WORKERSUP", supplier_url)
    numbers = []
    for n in range(count):
        requisition = ordered([(supplier, f"Part {n}", "1", "10.00")], title=f"Worker {n}")
        numbers.append(requisition.purchase_orders.get().number)
    return numbers


def settled() -> bool:
    return not Transmission.objects.filter(status__in=["pending", "sending", "retrying"]).exists()


def test_a_healthy_supplier_gets_each_order_once(redis_worker):
    endpoint = SupplierEndpoint()
    try:
        numbers = place_orders(endpoint.url, 10)
        assert wait_until(settled)
        assert endpoint.orders() == set(numbers) and set(endpoint.created.values()) == {1}
        assert endpoint.calls == 10
        assert set(PurchaseOrder.objects.values_list("status", flat=True)) == {"sent"}
    finally:
        endpoint.close()


def test_a_flaky_supplier_still_gets_every_order_exactly_once(redis_worker, quick_retries):
    endpoint = SupplierEndpoint(failure_rate=0.3, seed=11)
    try:
        numbers = place_orders(endpoint.url, 20)
        assert wait_until(settled, 90)
        # It really failed, and we came back: every call that created no order was a failure.
        assert endpoint.failures == endpoint.calls - len(numbers) and endpoint.failures > 0
        assert endpoint.repeats == 0
        assert endpoint.orders() == set(numbers)
        assert all(count == 1 for count in endpoint.created.values())
        assert set(Transmission.objects.values_list("status", flat=True)) == {"sent"}
        assert sum(Transmission.objects.values_list("attempts", flat=True)) == endpoint.calls
    finally:
        endpoint.close()


def test_a_refusal_is_not_retried(redis_worker, quick_retries):
    endpoint = SupplierEndpoint(refuse_with=400)
    try:
        place_orders(endpoint.url, 3)
        assert wait_until(settled)  # every row failed: none is waiting for a retry
        # The worker (one at a time, in order) answers a sweep only after any task queued before it: nothing is due.
        assert purchase_order_transmissions_sweep.delay().get(timeout=30) == 0
        assert endpoint.calls == 3 and not endpoint.created
        assert set(Transmission.objects.values_list("status", "attempts")) == {("failed", 1)}
        assert set(PurchaseOrder.objects.values_list("status", flat=True)) == {"failed"}
    finally:
        endpoint.close()


def worker_process() -> subprocess.Popen[bytes]:
    """A real `celery worker` process on the test database and the test Redis."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "tests.orders.worker_settings",
        "ORDER_TRANSMISSION_BASE_SECONDS": "0.05",
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and celery
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "procurement",
            "worker",
            "--pool=solo",
            f"--queues={','.join(QUEUES)}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killing_the_worker_mid_run_loses_nothing():
    endpoint = SupplierEndpoint()
    endpoint.delay = 0.15  # slow enough to be killed in the middle
    celery_app.conf.task_always_eager = False
    first = worker_process()
    second = None
    try:
        numbers = place_orders(endpoint.url, 12)
        assert wait_until(lambda: len(endpoint.created) >= 3, 60)
        first.send_signal(signal.SIGKILL)  # no goodbye: unacknowledged tasks stay with the dead worker
        first.wait(10)
        assert Transmission.objects.filter(status="pending").exists()
        second = worker_process()

        def swept_and_settled() -> bool:
            # Beat's sweeper finds what is due and has no live task, as it does every minute. A second worker
            # still starting on a loaded machine answers late: ask again, as the next minute's beat would.
            try:
                purchase_order_transmissions_sweep.delay().get(timeout=30)
            except CeleryTimeoutError:
                return False
            return settled()

        assert wait_until(swept_and_settled, 180)
        assert endpoint.orders() == set(numbers)
        assert all(count == 1 for count in endpoint.created.values())
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
        celery_app.conf.task_always_eager = True
        endpoint.close()
