"""Benchmark against a peer: Tryton 8.2's purchase requisition and our requisition path, same workload, same run.

    PYTHONPATH=$PWD .venv/bin/python bench/peer_tryton.py        (what `make bench-peer` runs)

Tryton: trytond 8.2.1, proteus 8.2.0 and trytond_purchase_requisition 8.2.0 from PyPI in a scratch virtualenv,
.bench-peer/venv-tryton-8.2 (ignored by git; created once and reused while the pins are unchanged; the project's
virtualenv is never touched), driving bench/_tryton_workload.py in a subprocess through proteus, Tryton's own client
API, on a SQLite database: a company with a chart of accounts, a product, 3 suppliers and an employee (made once and
kept as a template in .bench-peer/tryton/), then per requisition: 5 lines round-robin over the 3 suppliers → wait →
approve (Tryton's requisition has one approval step) → the "create purchase" wizard on its purchase requests (3
purchases) → the purchases quoted and confirmed.

Ours, in this process, on a scratch SQLite file with the demo data: alice's 5-line requisition of 5,500 EUR from 3
suppliers → submitted (funds pre-committed) → bob, carol and erin approve (3 approvals; erin as finance above
5,000 EUR) → 3 purchase orders with their budget commitments (the demo path of bench/orders.py, suppliers ordering
manually so nothing is sent).

Ours is timed two ways, both printed. The headline ("ratio", "ours_median_ms") is the request path as a web process
runs it: the tasks it queues (the requester's and approvers' e-mails, rendered in their language in the path) are
published after commit to the broker the settings give without Redis (kombu's file-system transport, in a scratch
directory; no worker consumes them), and a worker would send them. "ratio_with_email" / "ours_with_email_*" is the
same path with Celery eager: those tasks run in this process, inside the timing. Each approver finds their task as
the requisition's page does (approvals.inbox.approval_open_task_id), inside the timing.

Tryton and ours run interleaved, one requisition each (ours: one of each way) per round and the order alternating,
so all see the same load on a shared machine: BENCH_PEER_WARMUP (1) rounds discarded, then BENCH_PEER_RUNS (9, at
least 5) timed. Then one untimed requisition each counts the SQL (ours: Django's queries, each way; Tryton:
statements SQLite ran, transaction control left out) and the rows it wrote. Prints one JSON object; "ratio" is
Tryton's wall-clock median over ours, "ratio_cpu" the same for the CPU time of each side's process (steadier when
other work shares the machine).
BENCH_PEER_DIR moves the scratch directory (default .bench-peer/ at the repository root).
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.harness import count_queries, django_setup, emit, ratio, rows_per_table, summarize  # noqa: E402

PINS = ("trytond==8.2.1", "proteus==8.2.0", "trytond_purchase_requisition==8.2.0")
WORK = Path(os.environ.get("BENCH_PEER_DIR", REPO / ".bench-peer")).resolve()
RUNS = int(os.environ.get("BENCH_PEER_RUNS", 9))
WARMUP = int(os.environ.get("BENCH_PEER_WARMUP", 1))
LINES = 5
SUPPLIERS = 3
APPROVERS = ("bob", "carol", "erin")


def log(message: str) -> None:
    print(f"bench-peer: {message}", file=sys.stderr, flush=True)


def clean_environment() -> dict[str, str]:
    """The environment for the scratch virtualenv: nothing pointing at the project or its virtualenv."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
        and not key.startswith("TRYTON")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "0"
    return env


def scratch_virtualenv() -> Path:
    """The scratch virtualenv's Python with the pinned Tryton packages, made the first time and reused after."""
    venv = WORK / "venv-tryton-8.2"
    python = venv / "bin" / "python"
    marker = venv / "bench-peer-pins.txt"
    wanted = "\n".join(PINS) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    log(f"creating {venv} with {' '.join(PINS)}")
    shutil.rmtree(venv, ignore_errors=True)
    base = getattr(sys, "_base_executable", sys.executable)  # the interpreter behind the project's virtualenv
    env = clean_environment()
    subprocess.run([base, "-m", "venv", str(venv)], check=True, env=env)  # noqa: S603
    subprocess.run(  # noqa: S603
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PINS],
        check=True,
        env=env,
        stdout=sys.stderr,
    )
    marker.write_text(wanted)
    return python


class Tryton:
    """bench/_tryton_workload.py running in the scratch virtualenv, one JSON line per command."""

    def __init__(self, python: Path) -> None:
        (WORK / "tryton").mkdir(parents=True, exist_ok=True)
        self.stderr: IO[str] = (WORK / "tryton" / "workload.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(python),
                str(REPO / "bench" / "_tryton_workload.py"),
                "--work",
                str(WORK / "tryton"),
                "--suppliers",
                str(SUPPLIERS),
                "--lines",
                str(LINES),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env=clean_environment(),
            cwd=WORK,
        )
        self.ready = self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise RuntimeError(f"the Tryton workload stopped (exit {self.process.returncode}): see {self.stderr.name}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.process.poll() is None:
            self.ask_quit()
        self.stderr.close()

    def ask_quit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=60)


class Ours:
    """Our requisition path on a scratch SQLite file with the demo data (as bench/orders.py's full path)."""

    def __init__(self) -> None:
        # The comparison is SQLite against SQLite: a scratch file whatever DATABASE_URL says; without Redis the
        # settings' broker is kombu's file-system transport, in a scratch directory here (nothing consumes it).
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        broker = Path(tempfile.mkdtemp(prefix="bench-peer-broker-"))
        atexit.register(shutil.rmtree, broker, ignore_errors=True)
        for folder in ("queue", "control"):
            (broker / folder).mkdir()
        os.environ["CELERY_DIR"] = str(broker)
        django_setup()
        from django.core.management import call_command
        from django.test.utils import setup_test_environment

        from procurement.models import Employee, LegalEntity, Supplier

        setup_test_environment()
        call_command("migrate", verbosity=0)
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", stdout=quiet)
        self.people = {e.user.username: e for e in Employee.objects.select_related("user")}
        self.alice = self.people["alice"]
        self.france = LegalEntity.objects.get(code="ACME-FR")
        self.shops = [
            Supplier.objects.create(code=f"BENCH{n}", name=f"BENCH{n}", currency="EUR") for n in range(SUPPLIERS)
        ]
        self.made = 0

    def run_tasks_in_process(self, eager: bool) -> None:
        """True: Celery eager, every task queued by the path (the requester's and approvers' e-mails) runs in this
        process as it is queued, inside the timing. False: tasks are published to the broker after commit, as in
        production where a worker sends the e-mails; the publishing is timed, the sending is not."""
        from procurement.celery import app as celery_app

        celery_app.conf.task_always_eager = eager

    def one(self, steps: dict[str, int] | None = None) -> int:
        """One requisition through three approvals to orders; returns its id. With `steps`, the queries of each
        step are counted into it (build, submit, then each approver's look-up and decision)."""
        from approvals.inbox import approval_open_task_id
        from p2p.submit_to_order import approval_decide, requisition_submit
        from procurement.money import Money
        from requisitions.models import Requisition
        from requisitions.services import requisition_create, requisition_line_add_free_text

        def step[T](name: str, run: Callable[[], T]) -> T:
            if steps is None:
                return run()
            result, steps[name] = count_queries(run)
            return result

        def build() -> Requisition:
            cart = requisition_create(by=self.alice, legal_entity=self.france, title=f"peer {self.made}")
            for n in range(LINES):
                requisition_line_add_free_text(
                    requisition=cart,
                    by=self.alice,
                    description=f"Part {n}",
                    quantity=Decimal(1),
                    unit="EA",
                    unit_price=Money(Decimal("1100"), "EUR"),
                    supplier=self.shops[n % SUPPLIERS],
                )
            return cart

        self.made += 1
        cart = step("build", build)
        made = step("submit", lambda: requisition_submit(requisition=cart, by=self.alice))
        for username in APPROVERS:
            # The approver's open task on it, as the requisition's page finds it for its Approve button.
            task_id = step(
                f"find_task_{username}",
                lambda username=username: approval_open_task_id(  # type: ignore[misc]
                    employee=self.people[username], requisition_id=made.pk
                ),
            )
            assert task_id is not None, f"{username} has no open task on {made.number}"
            step(
                f"decide_{username}",
                lambda username=username, task_id=task_id: approval_decide(  # type: ignore[misc]
                    task_id=task_id, by=self.people[username], decision="approve"
                ),
            )
        return made.pk

    def models(self) -> list[Any]:
        from viewflow.workflow.models import Process, Task

        from approvals.models import ApprovalStep, ApprovalStepApprover
        from budgets.models import BudgetEntry
        from orders.models import PurchaseOrder, PurchaseOrderLine
        from requisitions.models import Requisition, RequisitionLine

        return [
            Requisition,
            RequisitionLine,
            ApprovalStep,
            ApprovalStepApprover,
            Process,
            Task,
            BudgetEntry,
            PurchaseOrder,
            PurchaseOrderLine,
        ]

    def check(self, requisition_id: int) -> dict[str, Any]:
        """What one requisition made: its status, orders and budget entries by kind."""
        from budgets.models import BudgetEntry
        from orders.models import PurchaseOrder
        from requisitions.models import Requisition

        entries: dict[str, int] = {}
        for kind in BudgetEntry.objects.filter(requisition_id=requisition_id).values_list("kind", flat=True):
            entries[kind] = entries.get(kind, 0) + 1
        return {
            "status": Requisition.objects.values_list("status", flat=True).get(pk=requisition_id),
            "purchase_orders": PurchaseOrder.objects.filter(requisition_id=requisition_id).count(),
            "budget_entries": dict(sorted(entries.items())),
        }


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process's) of `run()`."""
    start, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    if RUNS < 5:
        sys.exit("BENCH_PEER_RUNS must be at least 5")
    WORK.mkdir(parents=True, exist_ok=True)
    python = scratch_virtualenv()
    log("starting Tryton (the first time builds its database template: a few minutes)")
    tryton = Tryton(python)
    try:
        log("setting up ours")
        ours = Ours()
        tryton_seconds: list[float] = []
        our_seconds: list[float] = []
        tryton_cpu: list[float] = []
        our_cpu: list[float] = []
        eager_seconds: list[float] = []
        eager_cpu: list[float] = []
        purchases: set[int] = set()

        def ours_queued() -> tuple[float, float]:
            ours.run_tasks_in_process(False)
            return timed(ours.one)

        def ours_eager() -> tuple[float, float]:
            ours.run_tasks_in_process(True)
            return timed(ours.one)

        for round_ in range(WARMUP + RUNS):
            # Alternate who goes first so a drift in the machine's load falls on all alike.
            if round_ % 2 == 0:
                answer = tryton.ask("run")
                ours_took = ours_queued()
                eager_took = ours_eager()
            else:
                eager_took = ours_eager()
                ours_took = ours_queued()
                answer = tryton.ask("run")
            purchases.add(answer["purchases"])
            if round_ >= WARMUP:
                tryton_seconds.append(answer["seconds"])
                our_seconds.append(ours_took[0])
                tryton_cpu.append(answer["cpu_seconds"])
                our_cpu.append(ours_took[1])
                eager_seconds.append(eager_took[0])
                eager_cpu.append(eager_took[1])
            tryton_ms, ours_ms, eager_ms = answer["seconds"] * 1000, ours_took[0] * 1000, eager_took[0] * 1000
            log(
                f"round {round_ + 1}/{WARMUP + RUNS}: Tryton {tryton_ms:.0f} ms, ours {ours_ms:.0f} ms "
                f"(with the e-mails sent in process {eager_ms:.0f} ms)"
            )

        tryton_rows_before = tryton.ask("rows")["rows"]
        counted = tryton.ask("count")
        tryton_rows_after = tryton.ask("rows")["rows"]

        our_models = ours.models()
        ours.run_tasks_in_process(False)
        our_rows_before = rows_per_table(our_models)
        requisition_id, our_queries = count_queries(ours.one)
        our_rows_after = rows_per_table(our_models)
        our_steps: dict[str, int] = {}
        ours.one(our_steps)
        outcome = ours.check(requisition_id)
        ours.run_tasks_in_process(True)
        _eager_id, eager_queries = count_queries(ours.one)
    finally:
        tryton.close()

    tryton_timing = summarize(tryton_seconds, warmup=WARMUP, queries=counted["statements"])
    our_timing = summarize(our_seconds, warmup=WARMUP, queries=our_queries)
    tryton_cpu_timing = summarize(tryton_cpu, warmup=WARMUP)
    our_cpu_timing = summarize(our_cpu, warmup=WARMUP)
    eager_timing = summarize(eager_seconds, warmup=WARMUP, queries=eager_queries)
    eager_cpu_timing = summarize(eager_cpu, warmup=WARMUP)
    figures: dict[str, Any] = {
        "workload": (
            f"a requisition of {LINES} lines from {SUPPLIERS} suppliers to {SUPPLIERS} confirmed purchase orders; "
            "Tryton: 1 approval; ours: 3 approvals (bob, carol, erin) and budget pre-commitments and commitments"
        ),
        "database": "sqlite (both)",
        "runs": RUNS,
        "warmup": WARMUP,
        "tryton_median_ms": tryton_timing.median_ms,
        "tryton_p95_ms": tryton_timing.p95_ms,
        "ours_median_ms": our_timing.median_ms,
        "ours_p95_ms": our_timing.p95_ms,
        "ours_queries_per_requisition": our_queries,
        "tryton_sql_statements_per_requisition": counted["statements"],
        "ratio": ratio(tryton_timing.median_ms, our_timing.median_ms),
        "ratio_p95": ratio(tryton_timing.p95_ms, our_timing.p95_ms),
        "ratio_min": ratio(tryton_timing.min_ms, our_timing.min_ms),
        # CPU time of each side's process: less sensitive than wall-clock to other work on a shared machine.
        "tryton_cpu_median_ms": tryton_cpu_timing.median_ms,
        "ours_cpu_median_ms": our_cpu_timing.median_ms,
        "ratio_cpu": ratio(tryton_cpu_timing.median_ms, our_cpu_timing.median_ms),
        # The same path with Celery eager: the e-mails (requester's and approvers') rendered earlier in the path
        # are also sent, in this process, inside the timing; in production a worker sends them.
        "ours_with_email_median_ms": eager_timing.median_ms,
        "ours_with_email_p95_ms": eager_timing.p95_ms,
        "ours_with_email_cpu_median_ms": eager_cpu_timing.median_ms,
        "ours_with_email_queries_per_requisition": eager_queries,
        "ratio_with_email": ratio(tryton_timing.median_ms, eager_timing.median_ms),
        "ratio_with_email_cpu": ratio(tryton_cpu_timing.median_ms, eager_cpu_timing.median_ms),
        "what_is_timed": (
            "ratio / ours_*: the request path, tasks published to the broker after commit (kombu's file-system "
            "transport, no worker), as a web process does in production; ratio_with_email / ours_with_email_*: "
            "the same with Celery eager, every queued task (the e-mails) run in this process"
        ),
        "tryton": {
            "versions": tryton.ready["versions"],
            "timing": tryton_timing,
            "cpu": tryton_cpu_timing,
            "purchases_per_requisition": sorted(purchases | {counted["purchases"]}),
            "rows_per_requisition": {t: tryton_rows_after[t] - tryton_rows_before[t] for t in tryton_rows_after},
            "rows": tryton_rows_after,
            "template_built_this_run": tryton.ready["template_built"],
        },
        "ours": {
            "timing": our_timing,
            "cpu": our_cpu_timing,
            "queries_per_step": our_steps,
            "last_requisition": outcome,
            "rows_per_requisition": {t: our_rows_after[t] - our_rows_before[t] for t in our_rows_after},
            "rows": our_rows_after,
            "with_email": {"timing": eager_timing, "cpu": eager_cpu_timing},
        },
    }
    emit(figures)


if __name__ == "__main__":
    main()
