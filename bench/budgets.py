"""Benchmark budgets: the funds check at two ledger sizes (the budget's running balance read under its row lock,
against the baseline in the same run: the same lock and the SUM over the ledger the check used to do), the
whole pre-commitment of a cart at both sizes, funds checks per second of the cart's budget panel, and
submissions per second against one hot budget with 8 concurrent clients (baseline: 1 client).

    PostgreSQL: .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/budgets.py
    SQLite:     .venv/bin/python bench/budgets.py

Scale with BENCH_LEDGER_SIZES ("3400,340000": entries on the hot budget), BENCH_RUNS (20), BENCH_SUBMISSIONS (400)
and BENCH_CLIENTS (8). Prints one JSON object (bench.harness.emit).
"""

import os
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import django_setup, emit, measure, rows_per_table

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from budgets.ledger import budget_balances_drift, ledger_write  # noqa: E402
from budgets.lock_objects import budgets_select_for_update  # noqa: E402
from budgets.models import Budget, BudgetEntry  # noqa: E402
from budgets.selectors import budget_advice  # noqa: E402
from budgets.services import budget_available_minor, funds_precommit  # noqa: E402
from p2p.submit_to_order import requisition_submit  # noqa: E402
from procurement.models import CostCentre, Employee, LegalEntity  # noqa: E402
from procurement.money import Money, available_minor, to_minor  # noqa: E402
from requisitions.errors import RequisitionError  # noqa: E402
from requisitions.models import Requisition  # noqa: E402
from requisitions.services import requisition_create, requisition_line_add_free_text  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_LEDGER_SIZES", "3400,340000").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", 20))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", 400))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
BATCH = 5_000


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


def ledger_grow(budget: Budget, to: int) -> None:
    """Pre-commitments of 1 cent and their releases (what is left does not move) until the budget's ledger holds
    `to` entries; written through the ledger's writer, so the balances move with them."""
    have = BudgetEntry.objects.filter(budget=budget).count()
    while have < to:
        n = min(BATCH, to - have)
        # +1, -1, +1, -1, ...; an unpaired last entry is of 0
        amounts = [(-1 if i % 2 else 1) if i + 1 < n or i % 2 else 0 for i in range(n)]
        with transaction.atomic():
            budgets_select_for_update([budget.pk])
            ledger_write(
                [
                    BudgetEntry(
                        budget=budget,
                        kind=BudgetEntry.Kind.RELEASE if i % 2 else BudgetEntry.Kind.PRECOMMITMENT,
                        amount_minor=amount,
                        source_amount_minor=amount,
                        source_currency=budget.currency,
                        rate=Decimal(1),
                        note="bench ledger",
                    )
                    for i, amount in enumerate(amounts)
                ]
            )
        have += n


def check_balance(budget_id: int) -> int:
    """The funds check now: the budget locked, what is left read from its running balances (one query)."""
    with transaction.atomic():
        [budget] = budgets_select_for_update([budget_id])
        return budget_available_minor(budget=budget)


def check_sum(budget_id: int) -> int:
    """The baseline: the same lock, then the SUM over the budget's whole ledger the check did before."""
    with transaction.atomic():
        [budget] = budgets_select_for_update([budget_id])
        used = BudgetEntry.objects.filter(budget=budget).aggregate(total=Sum("amount_minor"))["total"]
        return available_minor(amount_minor=budget.amount_minor, used_minor=used)


def precommit_rolled_back(requisition: Requisition, by: Employee) -> None:
    """A cart's whole pre-commitment (charges, budgets, lock, check, entries, balances), then rolled back."""
    with transaction.atomic():
        funds_precommit(requisition=requisition, by=by, exceptions_routed=True)
        transaction.set_rollback(True)


def explain(sql_of: str, budget_id: int) -> list[str]:
    if connection.vendor != "postgresql":
        return []
    queries = {
        "balance": "SELECT amount_minor, precommitted_minor, committed_minor, actual_minor FROM budgets_budget "
        "WHERE id = %s FOR UPDATE",
        "sum": "SELECT SUM(amount_minor) FROM budgets_budgetentry WHERE budget_id = %s",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + queries[sql_of], [budget_id])
        return [row[0] for row in cursor.fetchall()]


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
    funds_check: dict[str, dict[str, Any]] = {}
    for size in sorted(SIZES):
        ledger_grow(budget, size)
        assert check_balance(budget.pk) == check_sum(budget.pk)  # the same figure, to the cent
        funds_check[f"{size}_entries"] = {
            "ledger_entries": BudgetEntry.objects.filter(budget=budget).count(),
            "balance_under_lock": measure(lambda: check_balance(budget.pk), runs=RUNS).as_dict(),
            "baseline_sum_under_lock": measure(lambda: check_sum(budget.pk), runs=RUNS).as_dict(),
            "precommit_of_a_cart": measure(lambda: precommit_rolled_back(sample, alice), runs=RUNS).as_dict(),
            "budget_panel_of_a_cart": measure(lambda: budget_advice(requisition=sample), runs=RUNS).as_dict(),
            "explain_balance": explain("balance", budget.pk),
            "explain_baseline_sum": explain("sum", budget.pk),
        }
    largest = funds_check[f"{max(SIZES)}_entries"]
    smallest = funds_check[f"{min(SIZES)}_entries"]

    start, checks = time.perf_counter(), 0
    while time.perf_counter() - start < 3:
        budget_advice(requisition=sample)
        checks += 1
    checks_per_second = checks / (time.perf_counter() - start)

    submissions: dict[str, Any] = {}
    if SUBMISSIONS:  # BENCH_SUBMISSIONS=0: the funds check only
        single = carts(SUBMISSIONS // 4, alice, france, lab)
        single_seconds, single_won, _ = submit_with(1, single, alice)
        many = carts(SUBMISSIONS, alice, france, lab)
        many_seconds, many_won, many_refused = submit_with(CLIENTS, many, alice)
        submissions = {
            "baseline_1_client_submissions_per_second": round(single_won / single_seconds, 1),
            f"{CLIENTS}_clients_submissions_per_second": round((many_won + many_refused) / many_seconds, 1),
            f"{CLIENTS}_clients_pre_committed": many_won,
            f"{CLIENTS}_clients_refused": many_refused,
        }
    budget.refresh_from_db()
    available = budget_available_minor(budget=budget)
    emit(
        {
            "database": connection.vendor,
            "funds_check": funds_check,
            "funds_check_p50_ratio_largest_to_smallest": round(
                largest["balance_under_lock"]["median_ms"] / smallest["balance_under_lock"]["median_ms"], 2
            ),
            "baseline_sum_p50_ratio_largest_to_smallest": round(
                largest["baseline_sum_under_lock"]["median_ms"] / smallest["baseline_sum_under_lock"]["median_ms"], 2
            ),
            "funds_checks_per_second": round(checks_per_second, 1),
            **submissions,
            "available_at_end_minor": available,
            "never_negative": available >= 0,
            "balances_equal_ledger": budget_balances_drift() == [],
            "rows": rows_per_table([Budget, BudgetEntry, Requisition]),
        }
    )


if __name__ == "__main__":
    main()
