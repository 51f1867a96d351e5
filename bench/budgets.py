"""Benchmark budgets: funds checks per second, and submissions per second against one hot budget with
8 concurrent clients (baseline in the same run: the same submissions from 1 client).

Meant for PostgreSQL (row locks): .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/budgets.py
Scale with BENCH_SUBMISSIONS (400) and BENCH_CLIENTS (8). Prints one JSON object.
"""

import atexit
import json
import os
import shutil
import sys
import tempfile
import threading
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
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from budgets.models import Budget  # noqa: E402
from budgets.selectors import budget_advice  # noqa: E402
from budgets.services import budget_available_minor  # noqa: E402
from p2p.submit_to_order import requisition_submit  # noqa: E402
from procurement.models import CostCentre, Employee, LegalEntity  # noqa: E402
from procurement.money import Money, to_minor  # noqa: E402
from requisitions.errors import RequisitionError  # noqa: E402
from requisitions.models import Requisition  # noqa: E402
from requisitions.services import requisition_create, requisition_line_add_free_text  # noqa: E402

SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", 400))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))


def carts(count: int, alice: Employee, france: LegalEntity, lab: CostCentre) -> list[Requisition]:
    made = []
    for n in range(count):
        cart = requisition_create(by=alice, legal_entity=france, title=f"bench {n}")
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description="Reagent",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal("10"), "EUR"),
            cost_centre=lab,
        )
        made.append(cart)
    return made


def submit_with(clients: int, requisitions: list[Requisition], alice: Employee) -> tuple[float, int, int]:
    chunks = [requisitions[i::clients] for i in range(clients)]
    won, refused = [0] * clients, [0] * clients
    barrier = threading.Barrier(clients)

    def client(index: int) -> None:
        barrier.wait()
        for requisition in chunks[index]:
            try:
                requisition_submit(requisition=requisition, by=alice)
                won[index] += 1
            except RequisitionError:
                refused[index] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, sum(won), sum(refused)


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    alice = Employee.objects.select_related("user").get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    lab = CostCentre.objects.get(code="FR-LAB")
    budget = Budget.objects.get(cost_centre=lab)
    # Room for 90 % of the submissions, so the end of the run fights over the last funds.
    budget.amount_minor = to_minor("19000", "EUR") + to_minor(Decimal(SUBMISSIONS) * 9, "EUR")
    budget.save()

    sample = carts(1, alice, france, lab)[0]
    start, checks = time.perf_counter(), 0
    while time.perf_counter() - start < 3:
        budget_advice(requisition=sample)
        checks += 1
    checks_per_second = checks / (time.perf_counter() - start)

    single = carts(SUBMISSIONS // 4, alice, france, lab)
    single_seconds, single_won, _ = submit_with(1, single, alice)
    many = carts(SUBMISSIONS, alice, france, lab)
    many_seconds, many_won, many_refused = submit_with(CLIENTS, many, alice)
    available = budget_available_minor(budget=budget)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "funds_checks_per_second": round(checks_per_second, 1),
                "baseline_1_client_submissions_per_second": round(single_won / single_seconds, 1),
                f"{CLIENTS}_clients_submissions_per_second": round((many_won + many_refused) / many_seconds, 1),
                f"{CLIENTS}_clients_pre_committed": many_won,
                f"{CLIENTS}_clients_refused": many_refused,
                "available_at_end_minor": available,
                "never_negative": available >= 0,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
