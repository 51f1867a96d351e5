"""Benchmark purchase orders end to end through Redis and a real Celery worker, with a supplier on localhost:

- orders generated and transmitted per second (each requisition auto-approved into one cXML order);
- a full requisition of 5 lines from 3 suppliers through three approvals (bob, carol, erin) to orders, cost per
  requisition, against the same requisition approved without orders (baseline in the same run).

Needs PostgreSQL and Redis: .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/orders.py
Scale with BENCH_ORDERS (200) and BENCH_FULL (20). Prints one JSON object.
"""

import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import count_queries, django_setup, emit, ratio, rows_per_table, summarize

if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
    # `make bench` runs every script on SQLite too: this one says why it has nothing to measure there.
    emit({"skipped": "needs PostgreSQL and Redis: run it through scripts/testenv.py"}, with_machine=False)
    sys.exit(0)

django_setup()

from celery.contrib.testing.worker import start_worker  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from approvals import services as approvals  # noqa: E402
from approvals.models import PurchasingRule  # noqa: E402
from approvals.services import purchasing_rule_save  # noqa: E402
from orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision, Transmission  # noqa: E402
from p2p.submit_to_order import approval_decide, requisition_submit  # noqa: E402
from procurement.celery import QUEUES  # noqa: E402
from procurement.celery import app as celery_app  # noqa: E402
from procurement.models import Employee, LegalEntity, Supplier  # noqa: E402
from procurement.money import Money  # noqa: E402
from requisitions.models import Requisition  # noqa: E402
from requisitions.services import requisition_create, requisition_line_add_free_text  # noqa: E402
from tests.orders.supplier_endpoint import SECRET, SupplierEndpoint  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", 200))
FULL = int(os.environ.get("BENCH_FULL", 20))


def supplier(code: str, url: str) -> Supplier:
    return Supplier.objects.create(
        code=code,
        name=code,
        currency="EUR",
        order_method=Supplier.OrderMethod.CXML,
        order_url=url,
        order_from_identity="ACME-CATALOG",
        order_to_identity=code,
        order_sender_identity="ACME-CATALOG",
        order_shared_secret=SECRET,
    )


def requisition(alice: Employee, france: LegalEntity, lines: list[tuple[Supplier, str]], title: str) -> Requisition:
    cart = requisition_create(by=alice, legal_entity=france, title=title)
    for n, (who, price) in enumerate(lines):
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description=f"Part {n}",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal(price), "EUR"),
            supplier=who,
        )
    return requisition_submit(requisition=cart, by=alice)


def bench_transmissions() -> QuerySet[Transmission]:
    """The outbox rows of the orders this bench made (the demo seed has its own, some sent by hand)."""
    return Transmission.objects.filter(purchase_order__supplier__code__startswith="BENCH")


def wait_sent(total: int, seconds: float = 600) -> bool:
    deadline = time.monotonic() + seconds
    while bench_transmissions().filter(status="sent").count() < total:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def approve_three_stages(
    requisition_id: int, people: dict[str, Employee], decide: Callable[..., object] = approval_decide
) -> int:
    """bob, carol and erin approve; returns the queries of erin's, the last decision (with the orders made)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    queries = 0
    for username in ("bob", "carol", "erin"):
        task = Task.objects.get(
            process__data__requisition=requisition_id, status=STATUS.ASSIGNED, owner__username=username
        )
        by = people[username]
        _, queries = count_queries(partial(decide, task_id=task.pk, by=by, decision="approve"))
    return queries


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    celery_app.conf.task_always_eager = False
    endpoint = SupplierEndpoint()
    people = {e.user.username: e for e in Employee.objects.select_related("user")}
    alice, france = people["alice"], LegalEntity.objects.get(code="ACME-FR")
    shops = [supplier(f"BENCH{n}", endpoint.url) for n in range(3)]
    result: dict[str, object] = {"database": connection.vendor, "broker": "redis"}
    # Every queue (procurement.celery.QUEUES): the transmit task is routed to `orders`, and a worker on the default
    # queue alone never sends an order (the bench once waited 600 s for that).
    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30, queues=list(QUEUES)
    ):
        # 1. Throughput: auto-approved one-line requisitions, each one order sent over cXML.
        rule = purchasing_rule_save(
            rule=PurchasingRule(name="bench auto", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
        )
        start = time.perf_counter()
        for n in range(ORDERS):
            requisition(alice, france, [(shops[n % 3], "10")], f"throughput {n}")
        generated = time.perf_counter() - start
        finished = wait_sent(ORDERS)
        elapsed = time.perf_counter() - start
        result["orders"] = ORDERS
        result["orders_generated_per_second"] = round(ORDERS / generated, 1)
        result["orders_generated_and_sent_per_second"] = round(ORDERS / elapsed, 1) if finished else None
        result["all_sent_within_600_s"] = finished
        rule.is_active = False
        rule.save()

        # 2. Full path: 5 lines from 3 suppliers, 5,500 EUR: bob, carol (signing limits) and erin (finance above
        # 5,000 EUR) approve, then three orders are sent. One warm-up requisition first, untimed.
        lines = [(shops[n % 3], "1100") for n in range(5)]
        approve_three_stages(requisition(alice, france, lines, "full warm-up").pk, people)
        costs, last_decision_queries = [], 0
        for n in range(FULL):
            start = time.perf_counter()
            made = requisition(alice, france, lines, f"full {n}")
            last_decision_queries = approve_three_stages(made.pk, people)
            costs.append(time.perf_counter() - start)
        finished = wait_sent(ORDERS + 3 * (FULL + 1))
        # The baseline decides through approvals' own service: approved, and no orders are made.
        warm_up = requisition(alice, france, lines, "baseline warm-up")
        approve_three_stages(warm_up.pk, people, decide=approvals.approval_decide)
        baseline, baseline_last_queries = [], 0
        for n in range(FULL):
            start = time.perf_counter()
            made = requisition(alice, france, lines, f"baseline {n}")
            baseline_last_queries = approve_three_stages(made.pk, people, decide=approvals.approval_decide)
            baseline.append(time.perf_counter() - start)
        full, base = summarize(costs, warmup=1), summarize(baseline, warmup=1)
        result["full_requisitions"] = FULL
        result["full_requisition_to_orders_queued"] = full
        result["baseline_requisition_approved_without_orders"] = base
        result["full_ms_per_requisition_to_orders_queued"] = full.median_ms
        result["baseline_ms_per_requisition_approved_without_orders"] = base.median_ms
        result["orders_share_of_full_cost"] = ratio(full.median_ms - base.median_ms, full.median_ms, 2)
        result["last_decision_queries_with_3_orders"] = last_decision_queries
        result["last_decision_queries_without_orders"] = baseline_last_queries
        result["order_generation_queries"] = last_decision_queries - baseline_last_queries
        result["full_path_all_sent_within_600_s"] = finished
    sent = bench_transmissions()
    result["supplier_calls"] = endpoint.calls
    result["each_order_received_once"] = len(endpoint.created) == sent.count() and set(endpoint.created.values()) == {1}
    result["all_sent"] = not sent.exclude(status="sent").exists()
    tables = [Requisition, PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision, Transmission]
    result["rows"] = rows_per_table(tables)
    endpoint.close()
    emit(result)


if __name__ == "__main__":
    main()
