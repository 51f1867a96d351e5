"""Benchmark approvals: chain resolution at depth 5 and 50 among many rules; the approver's inbox (API and page)
at a small and a large task table with the same open tasks; withdraw and approve decisions at both sizes.

Runs on a throwaway SQLite file unless DATABASE_URL is set; for PostgreSQL:
    .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/approvals.py
Scale with BENCH_RULES (5,000), BENCH_TASKS (the large table: 1,000,000 on PostgreSQL, 100,000 on SQLite),
BENCH_INBOX (10,000 open for bob: the small table is his tasks alone), BENCH_RUNS (30 timed requests per figure
after 3 warm-ups), BENCH_DECISIONS (30), BENCH_WITHDRAWS (30). BENCH_EXPLAIN=<file> writes EXPLAIN (ANALYZE,
BUFFERS) of the inbox's queries on the task table at the large size (PostgreSQL). The task rows are written with
COPY on PostgreSQL.

Each inbox figure comes with the number of queries and a fingerprint of their SQL (literals taken out): equal
fingerprints at both sizes show that the same queries ran. Decisions: `approve_decision` is the last stage of a
100 EUR requisition (the process ends, the requisition approved, its order step run);
`approve_decision_opens_next_stage` the first of three stages of a 5,500 EUR one (the next stage's tasks made, its
approver told). These run their tasks (the approver's e-mail, the order's transmission) in this process, inside
the timing (Celery eager); the `…_tasks_published` figures are the same decisions as a web process makes them, their
tasks published to the broker after commit (Redis under scripts/testenv.py; else a scratch file-system broker) for a
worker to run outside the timing. Baseline in the same run: a bare requisition status move, the floor any decision
costs. Prints one JSON object with the rows per table actually built.
"""

import atexit
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
workdir = tempfile.mkdtemp(prefix="bench-")
atexit.register(shutil.rmtree, workdir, ignore_errors=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
if not os.environ.get("REDIS_URL"):  # the published decisions' tasks go to kombu's file-system broker, here
    for folder in ("queue", "control"):
        Path(workdir, "celery", folder).mkdir(parents=True)
    os.environ["CELERY_DIR"] = f"{workdir}/celery"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings.bench")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from viewflow.workflow.models import Process, Task  # noqa: E402
from viewflow.workflow.status import STATUS  # noqa: E402

from approvals.chain import approval_chain_resolve  # noqa: E402
from approvals.flows import ApprovalFlow  # noqa: E402
from approvals.models import ApprovalChain, ApprovalStep, ApprovalStepApprover, PurchasingRule  # noqa: E402
from bench.harness import emit  # noqa: E402
from p2p.submit_to_order import (  # noqa: E402
    approval_decide,
    requisition_exit,
    requisition_submit,
    requisition_withdraw,
)
from procurement.celery import app as celery_app  # noqa: E402
from procurement.models import Employee, LegalEntity  # noqa: E402
from procurement.money import Money  # noqa: E402
from requisitions.models import Requisition, RequisitionStatus  # noqa: E402
from requisitions.services import (  # noqa: E402
    requisition_create,
    requisition_line_add_free_text,
    requisition_status_move,
)
from tests.factories import EmployeeFactory  # noqa: E402

RULES = int(os.environ.get("BENCH_RULES", 5000))
# A million on PostgreSQL (written with COPY); a tenth of it on SQLite, where rows go in by bulk_create.
TASKS = int(os.environ.get("BENCH_TASKS", 1_000_000 if connection.vendor == "postgresql" else 100_000))
INBOX = min(int(os.environ.get("BENCH_INBOX", 10_000)), TASKS)
RUNS = int(os.environ.get("BENCH_RUNS", 30))
DECISIONS = int(os.environ.get("BENCH_DECISIONS", 30))
WITHDRAWS = int(os.environ.get("BENCH_WITHDRAWS", 30))
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "")
WARMUP = 3
OTHER_OWNERS = 50  # other approvers holding tasks in the large table
OTHER_OPEN_SHARE = 0.05  # of the other tasks, the share still open (for other approvers); the rest is done
TASKS_PER_PROCESS = 3


def cart(requester: Employee, france: LegalEntity, amount: str, unspsc: str = "") -> Requisition:
    requisition = requisition_create(by=requester, legal_entity=france, title=f"bench {amount}")
    requisition_line_add_free_text(
        requisition=requisition,
        by=requester,
        description="bench",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal(amount), "EUR"),
        unspsc=unspsc,
    )
    requisition.refresh_from_db()
    return requisition


def timed(action: Callable[[], Any], runs: int = RUNS) -> tuple[dict[str, Any], Any]:
    """min/median/p95 in ms of `runs` calls after WARMUP (wall time; and the median CPU time of this process), the
    queries of the last call and their fingerprint."""
    for _ in range(WARMUP):
        action()
    timings = []
    cpu = []
    result = None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            result = action()
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    timings.sort()
    return {
        "runs": runs,
        "min_ms": round(timings[0] * 1000, 2),
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        "p95_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.95))] * 1000, 2),
        # This process's CPU (not the database server's): steadier than wall time on a shared machine.
        "cpu_p50_ms": round(statistics.median(cpu) * 1000, 2),
        "queries": len(queries),
        "sql_fingerprint": fingerprint(q["sql"] for q in queries.captured_queries),
    }, (result, [q["sql"] for q in queries.captured_queries])


def fingerprint(statements: Any) -> str:
    """A digest of the statements with their literals taken out: equal at two sizes = the same queries ran."""
    shapes = [re.sub(r"'[^']*'|\b\d+(\.\d+)?\b", "?", sql) for sql in statements]
    shapes = [re.sub(r"\(\?(, \?)*\)", "(…)", shape) for shape in shapes]
    return hashlib.sha256("\n".join(shapes).encode()).hexdigest()[:12]


def chain_resolution(france: LegalEntity) -> dict[str, object]:
    sweden = LegalEntity.objects.get(code="ACME-SE")
    PurchasingRule.objects.bulk_create(
        PurchasingRule(
            name=f"bench rule {n}",
            position=1000 + n,
            effect=PurchasingRule.Effect.ROLE,
            role="finance",
            legal_entity=sweden if n % 2 else None,
            unspsc_prefix="" if n % 2 else f"9{n % 10}",
        )
        for n in range(RULES)
    )
    results = {}
    for depth in (5, 50):
        top = EmployeeFactory(legal_entities=[france], signing_limit_minor=None)
        for _ in range(depth - 1):
            top = EmployeeFactory(
                legal_entities=[france], manager=top, signing_limit_minor=100, signing_limit_currency="EUR"
            )
        requester: Any = EmployeeFactory(legal_entities=[france], manager=top)
        requester.default_cost_centre = france.cost_centres.get(code="FR-ENG")
        requester.save()
        requisition = cart(requester, france, "30000", "43211503")
        figures, (resolved, _) = timed(lambda: approval_chain_resolve(requisition=requisition), runs=5)  # noqa: B023
        results[f"depth_{depth}"] = {**figures, "stages": len(resolved.stages)}
    PurchasingRule.objects.filter(name__startswith="bench rule").delete()
    return {"rules": RULES + 3, **results}


# --- the inbox's data ----------------------------------------------------------------------------------------


def inbox_open_for_bob(france: LegalEntity) -> Process:
    """INBOX requisitions in approval, each with a chain of two steps: carol approved the first (with a
    comment), bob's open task is the second; one viewflow process holds the bench's tasks."""
    bob = Employee.objects.get(user__username="bob")
    carol = Employee.objects.get(user__username="carol")
    alice = Employee.objects.get(user__username="alice")
    requisitions = Requisition.objects.bulk_create(
        Requisition(
            legal_entity=france,
            number=f"BENCH-{n:07d}",
            requester=alice,
            title=f"bench {n}",
            currency="EUR",
            status=RequisitionStatus.IN_APPROVAL,
            total_minor=10000 + n,
        )
        for n in range(INBOX)
    )
    chains = ApprovalChain.objects.bulk_create(
        ApprovalChain(requisition=r, total_minor=r.total_minor or 0, currency="EUR") for r in requisitions
    )
    steps = ApprovalStep.objects.bulk_create(
        ApprovalStep(chain=c, position=p, name=f"Step {p}", status="approved" if p == 1 else "pending")
        for c in chains
        for p in (1, 2)
    )
    now = timezone.now()
    ApprovalStepApprover.objects.bulk_create(
        ApprovalStepApprover(step=s, approver=carol, status="approved", decided_at=now, decided_by=carol, comment="ok")
        for s in steps[0::2]
    )
    assignments = ApprovalStepApprover.objects.bulk_create(
        ApprovalStepApprover(step=s, approver=bob) for s in steps[1::2]
    )
    process = Process.objects.create(flow_class=ApprovalFlow, data={"chain": chains[0].pk})
    start = now - timedelta(days=30)
    tasks_write(
        (
            "ASSIGNED",
            start + timedelta(seconds=n * 60),
            bob.user_id,
            process.pk,
            json.dumps({"step": a.step_id, "assignment": a.pk}),
        )
        for n, a in enumerate(assignments)
    )
    return process


def tasks_write(rows: Any) -> None:
    """Task rows (status, created, owner_id, process_id, data as JSON): COPY on PostgreSQL, bulk_create else."""
    flow_task = Task._meta.get_field("flow_task").get_prep_value(ApprovalFlow.approve)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            columns = "flow_task, flow_task_type, status, created, token, owner_id, process_id, data"
            with cursor.cursor.copy(f"COPY viewflow_task ({columns}) FROM STDIN") as copy:
                for status, created, owner_id, process_id, data in rows:
                    copy.write_row((flow_task, "HUMAN", status, created, "start", owner_id, process_id, data))
        return
    batch: list[Task] = []
    for status, created, owner_id, process_id, data in rows:
        batch.append(
            Task(
                process_id=process_id,
                flow_task=ApprovalFlow.approve,
                flow_task_type="HUMAN",
                status=status,
                created=created,
                owner_id=owner_id,
                data=json.loads(data),
            )
        )
        if len(batch) == 20000:
            Task.objects.bulk_create(batch)
            batch = []
    Task.objects.bulk_create(batch)


def tasks_fill(process: Process, count: int) -> None:
    """`count` more tasks of other approvers: most done, some open, spread over the last year."""
    owners = [
        user.pk for user in User.objects.bulk_create(User(username=f"bench-approver-{n}") for n in range(OTHER_OWNERS))
    ]
    owners.append(Employee.objects.get(user__username="dave").user_id)
    bob = Employee.objects.get(user__username="bob")
    rng = random.Random(18)  # noqa: S311 - a repeatable spread of bench rows
    now = timezone.now()
    # One process for every TASKS_PER_PROCESS tasks, as a chain of a few approvers has: a withdraw that looked
    # its processes up by their JSON data would read them all.
    process_ids = processes_write(max(1, count // TASKS_PER_PROCESS), now)

    def rows() -> Any:
        for n in range(count):
            is_open = rng.random() < OTHER_OPEN_SHARE
            # bob decided some of the done tasks: his closed tasks sit beside his open ones.
            owner = bob.user_id if not is_open and n % 10 == 0 else owners[n % len(owners)]
            created = now - timedelta(seconds=rng.randrange(365 * 86400))
            process_id = process_ids[n // TASKS_PER_PROCESS % len(process_ids)]
            yield ("ASSIGNED" if is_open else "DONE", created, owner, process_id, '{"assignment": 0}')

    tasks_write(rows())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE viewflow_task")
            cursor.execute("VACUUM ANALYZE viewflow_process")


def processes_write(count: int, now: Any) -> list[int]:
    """`count` finished approval processes of requisitions long gone (data as the flow writes it)."""
    flow_class = Process._meta.get_field("flow_class").get_prep_value(ApprovalFlow)
    first = 10_000_000  # ids of chains and requisitions no row has: only the shape of the data matters
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM viewflow_process")
            before = cursor.fetchone()[0]
            with cursor.cursor.copy("COPY viewflow_process (flow_class, status, created, data) FROM STDIN") as copy:
                for n in range(count):
                    data = json.dumps({"chain": first + n, "requisition": first + n})
                    copy.write_row((flow_class, "DONE", now, data))
        return list(Process.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))
    created = Process.objects.bulk_create(
        (
            Process(flow_class=ApprovalFlow, status="DONE", data={"chain": first + n, "requisition": first + n})
            for n in range(count)
        ),
        batch_size=5000,
    )
    return [p.pk for p in created]


def rows_built() -> dict[str, int]:
    return {
        "viewflow_task": Task.objects.count(),
        "viewflow_task_open_for_bob": Task.objects.filter(
            owner__username="bob", status=STATUS.ASSIGNED, flow_task=ApprovalFlow.approve
        ).count(),
        "viewflow_process": Process.objects.count(),
        "approval_chain": ApprovalChain.objects.count(),
        "approval_step": ApprovalStep.objects.count(),
        "approval_step_approver": ApprovalStepApprover.objects.count(),
        "requisition": Requisition.objects.count(),
    }


def inbox_figures() -> dict[str, Any]:
    bob = Employee.objects.select_related("user").get(user__username="bob")
    client = Client()
    client.force_login(bob.user)
    figures: dict[str, Any] = {}
    api, (response, _) = timed(lambda: client.get("/api/v1/approvals/inbox/"))
    body = response.json()
    figures["api_first_page"] = {**api, "count": body["count"], "count_capped": body.get("count_capped")}
    figures["api_first_page"]["results"] = len(body["results"])
    next_url = body["next"]
    if next_url:
        api_next, (response, _) = timed(lambda: client.get(next_url))
        figures["api_next_page"] = {**api_next, "results": len(response.json()["results"])}
    # The last page bob reaches by following `next`: as fast as the first.
    deep = None
    url = "/api/v1/approvals/inbox/"
    while url:
        body = client.get(url).json()
        deep, url = url, body["next"]
    if deep and deep != "/api/v1/approvals/inbox/":
        api_deep, (response, _) = timed(lambda: client.get(deep))
        figures["api_last_page_by_cursor"] = {**api_deep, "results": len(response.json()["results"])}
    page, (response, _) = timed(lambda: client.get("/approvals/"))
    assert response.status_code == 200, response.status_code
    figures["html_page"] = page
    newest, _ = timed(lambda: client.get("/api/v1/approvals/inbox/?order=newest"))
    figures["api_newest_first"] = newest
    return figures


def explain_withdraw(out: Path, france: LegalEntity) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of a withdraw's statements on viewflow's tables, in a transaction rolled back."""
    alice = Employee.objects.get(user__username="alice")
    requisition = requisition_submit(requisition=cart(alice, france, "100"), by=alice)
    with CaptureQueriesContext(connection) as queries:
        requisition_withdraw(requisition=requisition, by=alice)
    plans = []

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for query in queries.captured_queries:
                sql = query["sql"]
                if "viewflow_" not in sql or not sql.startswith(("SELECT", "UPDATE")):
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plans.append(sql + "\n\n" + "\n".join(row[0] for row in cursor.fetchall()))
            raise Rollback
    except Rollback:
        pass
    with out.open("a") as file:
        file.write("\n\n-- withdraw --\n\n" + "\n\n-- next --\n\n".join(plans) + "\n")


def explain_inbox(out: Path) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every query of one inbox API request that reads the task table."""
    bob = Employee.objects.select_related("user").get(user__username="bob")
    client = Client()
    client.force_login(bob.user)
    client.get("/api/v1/approvals/inbox/")
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/approvals/inbox/").json()
        if body["next"]:
            client.get(body["next"])
    seen = set()
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"]
            if "viewflow_task" not in sql or sql in seen:
                continue
            seen.add(sql)
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plans.append(sql + "\n\n" + "\n".join(row[0] for row in cursor.fetchall()))
    out.write_text(f"-- {Task.objects.count():,} tasks\n\n" + "\n\n-- next --\n\n".join(plans) + "\n")


# --- decisions and withdraws ---------------------------------------------------------------------------------


def bob_tasks(bob: Employee, requisitions: list[Requisition]) -> list[int]:
    return list(
        Task.objects.filter(
            flow_task=ApprovalFlow.approve,
            status=STATUS.ASSIGNED,
            owner=bob.user,
            process__data__requisition__in=[r.pk for r in requisitions],
        ).values_list("pk", flat=True)
    )


def decisions(
    alice: Employee, bob: Employee, france: LegalEntity, task_ids: list[int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """bob's last-stage decisions on `task_ids` (100 EUR requisitions), then his first-of-three-stages decisions on
    new 5,500 EUR requisitions (each opens carol's stage and tells her)."""
    pending = iter(task_ids)
    decide, _ = timed(
        lambda: approval_decide(task_id=next(pending), by=bob, decision="approve"), runs=len(task_ids) - WARMUP
    )
    # A middle decision: bob's stage of a 5,500 EUR requisition, which opens carol's (tasks made, carol told).
    to_open = [requisition_submit(requisition=cart(alice, france, "5500"), by=alice) for _ in range(DECISIONS)]
    opening = iter(bob_tasks(bob, to_open))
    decide_middle, _ = timed(
        lambda: approval_decide(task_id=next(opening), by=bob, decision="approve"), runs=DECISIONS - WARMUP
    )
    assert Requisition.objects.filter(pk__in=[r.pk for r in to_open], status=RequisitionStatus.IN_APPROVAL).count() == (
        DECISIONS
    ), "each middle decision leaves its requisition in approval"
    return decide, decide_middle


def decision_and_withdraw(france: LegalEntity) -> dict[str, Any]:
    alice = Employee.objects.get(user__username="alice")
    bob = Employee.objects.select_related("user").get(user__username="bob")
    to_decide = [requisition_submit(requisition=cart(alice, france, "100"), by=alice) for _ in range(DECISIONS)]
    task_ids = bob_tasks(bob, to_decide)
    decide, decide_middle = decisions(alice, bob, france, task_ids)
    # The same two decisions as a web process makes them: their tasks (the approver's e-mail, the order's
    # transmission) published to the broker after commit, sent by a worker outside the timing (Redis under
    # scripts/testenv.py). The figures above run them in this process (Celery eager), inside the timing.
    celery_app.conf.task_always_eager = False
    try:
        published = [requisition_submit(requisition=cart(alice, france, "100"), by=alice) for _ in range(DECISIONS)]
        decide_published, decide_middle_published = decisions(alice, bob, france, bob_tasks(bob, published))
    finally:
        celery_app.conf.task_always_eager = True
    to_withdraw = iter(
        [requisition_submit(requisition=cart(alice, france, "100"), by=alice) for _ in range(WITHDRAWS + WARMUP)]
    )
    withdraw, _ = timed(lambda: requisition_withdraw(requisition=next(to_withdraw), by=alice), runs=WITHDRAWS)
    baseline_carts = iter(
        [requisition_submit(requisition=cart(alice, france, "100"), by=alice) for _ in range(WITHDRAWS + WARMUP)]
    )

    def bare_move() -> None:
        requisition = next(baseline_carts)
        with transaction.atomic():
            requisition_status_move(requisition=requisition, to_status=RequisitionStatus.WITHDRAWN, by=alice)
            requisition_exit(requisition=requisition, to_status=RequisitionStatus.WITHDRAWN, by=alice)

    baseline, _ = timed(bare_move, runs=WITHDRAWS)
    return {
        "approve_decision": decide,
        "approve_decision_opens_next_stage": decide_middle,
        "approve_decision_tasks_published": decide_published,
        "approve_decision_opens_next_stage_tasks_published": decide_middle_published,
        "withdraw": withdraw,
        "baseline_status_move_and_exit": baseline,
    }


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    france = LegalEntity.objects.get(code="ACME-FR")
    result: dict[str, Any] = {"database": connection.vendor, "warmup": WARMUP}
    result["chain_resolution"] = chain_resolution(france) if RULES else "skipped (BENCH_RULES=0)"
    start = time.perf_counter()
    process = inbox_open_for_bob(france)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE viewflow_task")
    small: dict[str, Any] = {"rows": rows_built(), "build_seconds": round(time.perf_counter() - start, 1)}
    small["inbox"] = inbox_figures()
    small.update(decision_and_withdraw(france))
    start = time.perf_counter()
    tasks_fill(process, TASKS - INBOX)
    large: dict[str, Any] = {"rows": rows_built(), "build_seconds": round(time.perf_counter() - start, 1)}
    large["inbox"] = inbox_figures()
    large.update(decision_and_withdraw(france))
    if EXPLAIN and connection.vendor == "postgresql":
        explain_inbox(Path(EXPLAIN))
        explain_withdraw(Path(EXPLAIN), france)
    same = {
        name: small["inbox"][name]["sql_fingerprint"] == large["inbox"].get(name, {}).get("sql_fingerprint")
        for name in small["inbox"]
    }
    result.update({"small": small, "large": large, "same_queries_small_and_large": same})
    emit(result)


if __name__ == "__main__":
    main()
