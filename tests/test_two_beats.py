"""Two `celery beat` processes by mistake (docs/deploy.md "Beat"): each sends every periodic job, a real worker runs
both copies, at times at the same moment, and still each late task is escalated once, each delegation applied
once and each due order sent once."""

import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from viewflow.workflow.models import Task

from approvals.models import Delegation
from orders.models import Transmission
from procurement.celery import QUEUES
from requisitions.models import RequisitionEvent
from tests.approvals.helpers import decide, open_tasks, submitted
from tests.factories import Company, company
from tests.orders.conftest import cxml_supplier, ordered
from tests.orders.supplier_endpoint import SupplierEndpoint
from tests.waiting import wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="needs Redis: run `make test`"
    ),
]

ROOT = Path(__file__).resolve().parents[1]
JOBS = ("approvals.approvals_escalate", "approvals.delegations_apply", "orders.purchase_order_transmissions_sweep")
RUNS_PER_BEAT = 3


def celery(*args: str, log: Path, schedule_dir: Path) -> subprocess.Popen[bytes]:
    """A real `celery` process on the test database and the test Redis, every beat interval one second."""
    db = connection.settings_dict
    schedule_dir.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule file there
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "tests.beat_settings",
        "CELERY_DIR": str(schedule_dir),
        "APPROVALS_ESCALATE_EVERY_SECONDS": "1",
        "APPROVALS_DELEGATIONS_EVERY_SECONDS": "1",
        "ORDERS_SWEEP_EVERY_SECONDS": "1",
        "WORKER_HEARTBEAT_EVERY_SECONDS": "1",
    }
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and celery
            [sys.executable, "-m", "celery", "-A", "procurement", *args, "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def sent_by(log: Path) -> Counter[str]:
    """How many times a beat sent each job, from its log."""
    return Counter(re.findall(r"Sending due task \S+ \(([\w.]+)\)", log.read_text(errors="replace")))


def succeeded(log: Path) -> Counter[str]:
    return Counter(re.findall(r"Task ([\w.]+)\[[\w-]+\] succeeded", log.read_text(errors="replace")))


def test_two_beats_at_once_escalate_delegate_and_send_each_once(tmp_path: Path):
    # Given alice's requisition waiting for bob for ten days (past the 72-hour SLA), bob's waiting for carol,
    # who is away with erin deciding, and three orders whose first attempt failed and whose retry is due
    acme: Company = company()
    late, carols = submitted("500"), submitted("700", username="bob")
    long_ago = timezone.now() - timedelta(days=10)
    Task.objects.filter(pk=open_tasks(late)["bob"]).update(assigned=long_ago, created=long_ago)
    today = timezone.localdate()
    Delegation.objects.create(
        employee=acme.carol, delegate=acme.erin, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)
    )
    endpoint = SupplierEndpoint(failure_rate=1.0)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        requisition = ordered([(cxml_supplier(f"BEAT{n}", endpoint.url), f"Part {n}", "1", "10.00") for n in range(3)])
        decide(requisition, "bob")  # within his signing limit: approved, ordered, sent and failed once
        numbers = set(requisition.purchase_orders.values_list("number", flat=True))
        assert endpoint.calls == 3 and set(Transmission.objects.values_list("status", flat=True)) == {"retrying"}
        endpoint.failure_rate = 0.0
        Transmission.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))

        # When a worker runs with four threads and two beats run side by side, each with its own schedule file,
        # until each beat has sent every job three times
        worker_log, beat_logs = tmp_path / "worker.log", [tmp_path / "beat-1.log", tmp_path / "beat-2.log"]
        processes.append(
            celery(
                "worker", "--pool=threads", "--concurrency=4", f"--queues={','.join(QUEUES)}",
                "--without-heartbeat", "--without-gossip", "--without-mingle",
                log=worker_log, schedule_dir=tmp_path / "worker",
            )
        )  # fmt: skip
        for n, log in enumerate(beat_logs):
            processes.append(celery("beat", log=log, schedule_dir=tmp_path / f"beat-{n}"))
        assert wait_until(lambda: all(min(sent_by(log)[job] for job in JOBS) >= RUNS_PER_BEAT for log in beat_logs)), (
            "\n".join(log.read_text(errors="replace")[-3000:] for log in beat_logs)
        )
        # Stopped between two ticks: a beat logs "Sending due task" before it publishes, so one stopped within the
        # milliseconds of a send would count a task it never sent. Each ticks every second; its log quiet for 0.2 s
        # means it is asleep until its next tick.
        assert wait_until(lambda: all(time.time() - log.stat().st_mtime >= 0.2 for log in beat_logs), every=0.02)
        for beat in processes[1:]:
            beat.terminate()
        for beat in processes[1:]:
            beat.wait(20)
        sent = sent_by(beat_logs[0]) + sent_by(beat_logs[1])
        assert wait_until(lambda: all(succeeded(worker_log)[job] >= sent[job] for job in JOBS))
        assert wait_until(lambda: not Transmission.objects.exclude(status=Transmission.Status.SENT).exists()), (
            worker_log.read_text()
        )

        # Then the worker ran each job as often as both beats sent it, all without an error
        assert all(succeeded(worker_log)[job] == sent[job] for job in JOBS), (sent, succeeded(worker_log))
        assert "raised unexpected" not in worker_log.read_text()
        # and the late task went up to carol once; bob's went to erin once; each order reached the supplier once
        assert set(open_tasks(late)) == {"carol"} and set(open_tasks(carols)) == {"erin"}
        history = Counter(
            RequisitionEvent.objects.filter(kind__in=["escalated", "delegated"]).values_list(
                "requisition__number", "kind"
            )
        )
        assert history == Counter({(late.number, "escalated"): 1, (carols.number, "delegated"): 1})
        assert endpoint.orders() == numbers and set(endpoint.created.values()) == {1}
        assert endpoint.repeats == 0 and endpoint.calls == 6
        assert set(Transmission.objects.values_list("status", "attempts")) == {("sent", 2)}
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(20)
        endpoint.close()
