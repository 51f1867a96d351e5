"""Benchmark approvals: chain resolution at depth 5 and 50 among many rules, the inbox of an approver with
10,000 open tasks among many more, and approve decisions per second.

Runs on a throwaway SQLite file unless DATABASE_URL is set; for PostgreSQL:
    .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/approvals.py
Scale with BENCH_RULES (5,000), BENCH_TASKS (1,000,000), BENCH_INBOX (10,000), BENCH_DECISIONS (200).
Baseline in the same run: a bare requisition status move, the floor any decision costs.
Prints one JSON object.
"""

import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
workdir = tempfile.mkdtemp(prefix="bench-")
atexit.register(shutil.rmtree, workdir, ignore_errors=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from viewflow.workflow.models import Process, Task  # noqa: E402
from viewflow.workflow.status import STATUS  # noqa: E402
from viewflow.workflow.token import Token  # noqa: E402

from approvals.chain import approval_chain_resolve  # noqa: E402
from approvals.flows import ApprovalFlow  # noqa: E402
from approvals.models import ApprovalChain, ApprovalStep, ApprovalStepApprover, PurchasingRule  # noqa: E402
from p2p.submit_to_order import approval_decide, requisition_exit, requisition_submit  # noqa: E402
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
TASKS = int(os.environ.get("BENCH_TASKS", 1_000_000))
INBOX = int(os.environ.get("BENCH_INBOX", 10_000))
DECISIONS = int(os.environ.get("BENCH_DECISIONS", 200))


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
        requester = EmployeeFactory(legal_entities=[france], manager=top)
        requester.default_cost_centre = france.cost_centres.get(code="FR-ENG")
        requester.save()
        requisition = cart(requester, france, "30000", "43211503")
        timings = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                resolved = approval_chain_resolve(requisition=requisition)
                timings.append(time.perf_counter() - start)
        results[f"depth_{depth}"] = {
            "median_ms": round(statistics.median(timings) * 1000, 1),
            "queries": len(queries),
            "stages": len(resolved.stages),
        }
    PurchasingRule.objects.filter(name__startswith="bench rule").delete()
    return {"rules": RULES + 3, **results}


def inbox(france: LegalEntity) -> dict[str, object]:
    bob = Employee.objects.select_related("user").get(user__username="bob")
    other = Employee.objects.select_related("user").get(user__username="dave")
    alice = Employee.objects.get(user__username="alice")
    chains_needed = max(1, INBOX // 100)
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
        for n in range(chains_needed)
    )
    chains = ApprovalChain.objects.bulk_create(
        ApprovalChain(requisition=r, total_minor=r.total_minor or 0, currency="EUR") for r in requisitions
    )
    steps = ApprovalStep.objects.bulk_create(
        ApprovalStep(chain=c, position=p, name=f"Step {p}") for c in chains for p in range(1, 101)
    )
    assignments = ApprovalStepApprover.objects.bulk_create(
        ApprovalStepApprover(step=s, approver=bob) for s in steps[:INBOX]
    )
    process = Process.objects.create(flow_class=ApprovalFlow, data={"chain": chains[0].pk})
    start = time.perf_counter()
    batch = []
    for n in range(TASKS):
        mine = n < INBOX
        batch.append(
            Task(
                process=process,
                flow_task=ApprovalFlow.approve,
                flow_task_type="HUMAN",
                status=STATUS.ASSIGNED if mine else STATUS.DONE,
                owner=bob.user if mine else other.user,
                token=Token("start"),
                data={"assignment": assignments[n].pk} if mine else {},
            )
        )
        if len(batch) == 20000:
            Task.objects.bulk_create(batch)
            batch = []
    Task.objects.bulk_create(batch)
    generated = time.perf_counter() - start
    client = Client()
    client.force_login(bob.user)
    client.get("/api/v1/approvals/inbox/")
    timings = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get("/api/v1/approvals/inbox/")
            timings.append(time.perf_counter() - start)
    body = response.json()
    return {
        "tasks": TASKS,
        "open_for_approver": INBOX,
        "count_reported": body["count"],
        "page_size": len(body["results"]),
        "median_ms": round(statistics.median(timings) * 1000, 1),
        "queries": len(queries),
        "generation_seconds": round(generated, 1),
    }


def decisions(france: LegalEntity) -> dict[str, object]:
    alice = Employee.objects.get(user__username="alice")
    bob = Employee.objects.select_related("user").get(user__username="bob")
    submitted = [requisition_submit(requisition=cart(alice, france, "100"), by=alice) for _ in range(DECISIONS)]
    task_ids = list(
        Task.objects.filter(
            flow_task=ApprovalFlow.approve,
            status=STATUS.ASSIGNED,
            owner=bob.user,
            process__data__requisition__in=[r.pk for r in submitted],
        ).values_list("pk", flat=True)
    )
    start = time.perf_counter()
    for task_id in task_ids:
        approval_decide(task_id=task_id, by=bob, decision="approve")
    decided = time.perf_counter() - start
    approved = Requisition.objects.filter(pk__in=[r.pk for r in submitted], status="approved").count()
    baseline_carts = [
        requisition_submit(requisition=cart(alice, france, "100"), by=alice) for _ in range(min(DECISIONS, 100))
    ]
    start = time.perf_counter()
    for requisition in baseline_carts:
        with transaction.atomic():
            requisition_status_move(requisition=requisition, to_status=RequisitionStatus.WITHDRAWN, by=alice)
            requisition_exit(requisition=requisition, to_status=RequisitionStatus.WITHDRAWN, by=alice)
    baseline = time.perf_counter() - start
    return {
        "decisions": len(task_ids),
        "approved": approved,
        "decisions_per_second": round(len(task_ids) / decided, 1),
        "baseline_status_moves_per_second": round(len(baseline_carts) / baseline, 1),
    }


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    france = LegalEntity.objects.get(code="ACME-FR")
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "chain_resolution": chain_resolution(france),
                "approve_throughput": decisions(france),
                "inbox": inbox(france),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
