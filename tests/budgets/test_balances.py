"""Running balances: every budget's pre-committed, committed and actual balances equal its ledger's sums after
each movement, the funds check reads them (its queries do not grow with the ledger), and the reconciliation
finds and fixes a balance that was tampered with."""

import importlib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext

from budgets.ledger import BalanceDrift, budget_balances_drift, budget_balances_reconcile, ledger_write
from budgets.models import Budget, BudgetEntry
from budgets.selectors import budget_figures_for, budget_use
from budgets.services import (
    OrderCommitment,
    funds_commit,
    funds_commit_orders,
    funds_commitment_release,
    funds_precommit,
    requisition_charges,
)
from budgets.tasks import budget_balances_reconcile_task
from p2p.submit_to_order import requisition_submit, requisition_withdraw
from procurement.models import CostCentre, Employee, LegalEntity
from procurement.money import Money
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.usefixtures("budgets")

# Written out here, independently of budgets.models.BALANCE_OF_KIND.
STAGES = {
    "precommitted_minor": ("precommitment", "release"),
    "committed_minor": ("commitment", "commitment_release"),
    "actual_minor": ("actual",),
}


def ledger_sums(budget_id: int) -> dict[str, int]:
    by_kind = dict(
        BudgetEntry.objects.filter(budget_id=budget_id)
        .values("kind")
        .annotate(total=Sum("amount_minor"))
        .order_by()
        .values_list("kind", "total")
    )
    return {stage: sum(by_kind.get(kind, 0) for kind in kinds) for stage, kinds in STAGES.items()}


def balances(budget_id: int) -> dict[str, int]:
    return Budget.objects.filter(pk=budget_id).values(*STAGES).get()


def assert_every_balance_is_its_ledger_sum() -> None:
    for budget_id in Budget.objects.values_list("pk", flat=True):
        assert balances(budget_id) == ledger_sums(budget_id), budget_id
    assert budget_balances_drift() == []


def alice() -> Employee:
    return Employee.objects.select_related("user").get(user__username="alice")


def cart(*lines: tuple[str, str, str]) -> Requisition:
    """A draft of alice's with (amount, currency, cost centre) lines of one item each."""
    requester = alice()
    made = requisition_create(by=requester, legal_entity=LegalEntity.objects.get(code="ACME-FR"))
    for amount, currency, centre in lines:
        requisition_line_add_free_text(
            requisition=made,
            by=requester,
            description="Reagents",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal(amount), currency),
            cost_centre=CostCentre.objects.get(code=centre),
        )
    made.refresh_from_db()
    return made


def lab() -> Budget:
    return Budget.objects.get(cost_centre__code="FR-LAB")


def test_balances_equal_an_independent_sum_after_precommit_release_commit_and_commitment_release():
    assert balances(lab().pk) == {"precommitted_minor": 0, "committed_minor": 0, "actual_minor": 19_000_00}
    requisition = requisition_submit(requisition=cart(("300", "EUR", "FR-LAB"), ("1125", "SEK", "FR-ENG")), by=alice())
    assert balances(lab().pk) == {"precommitted_minor": 300_00, "committed_minor": 0, "actual_minor": 19_000_00}
    assert_every_balance_is_its_ledger_sum()
    requisition_withdraw(requisition=requisition, by=alice())
    assert balances(lab().pk)["precommitted_minor"] == 0
    assert_every_balance_is_its_ledger_sum()
    requisition = requisition_submit(requisition=cart(("300", "EUR", "FR-LAB"), ("1125", "SEK", "FR-ENG")), by=alice())
    first, second = requisition_charges(requisition=requisition)
    funds_commit_orders(
        requisition=requisition,
        orders=[OrderCommitment(None, [first], "PO-1"), OrderCommitment(None, [second], "PO-2")],
        by=None,
    )
    assert balances(lab().pk) == {"precommitted_minor": 0, "committed_minor": 300_00, "actual_minor": 19_000_00}
    assert budget_use(budget=lab()).available == 700_00
    assert_every_balance_is_its_ledger_sum()
    funds_commitment_release(requisition=requisition, charges=[first], by=None, note="PO-1 line 1 cancelled")
    assert balances(lab().pk) == {"precommitted_minor": 0, "committed_minor": 0, "actual_minor": 19_000_00}
    assert_every_balance_is_its_ledger_sum()


def test_committing_all_orders_at_once_writes_the_entries_of_one_commit_per_order():
    lines = (("300", "EUR", "FR-LAB"), ("1125", "SEK", "FR-LAB"), ("400", "EUR", "FR-ENG"))
    one_by_one = requisition_submit(requisition=cart(*lines), by=alice())
    at_once = requisition_submit(requisition=cart(*lines), by=alice())
    for requisition in (one_by_one, at_once):
        charges = requisition_charges(requisition=requisition)
        orders = [OrderCommitment(None, charges[:2], "PO-1"), OrderCommitment(None, charges[2:], "PO-2")]
        if requisition is one_by_one:
            for order in orders:
                funds_commit(requisition=requisition, charges=order.charges, by=None, note=order.note)
        else:
            funds_commit_orders(requisition=requisition, orders=orders, by=None)

    def written(requisition: Requisition) -> list[tuple]:
        return [
            (e.budget_id, e.kind, e.amount_minor, e.source_amount_minor, e.source_currency, e.rate, e.note)
            for e in BudgetEntry.objects.filter(requisition=requisition).order_by("pk")
        ]

    expected = [(*row[:6], row[6].replace(one_by_one.number, at_once.number)) for row in written(one_by_one)]
    assert written(at_once) == expected
    assert [row[1] for row in expected] == ["precommitment"] * 3 + ["release"] * 3 + ["commitment"] * 3
    assert_every_balance_is_its_ledger_sum()


def test_committing_orders_costs_the_same_queries_for_one_order_or_three():
    lines = (("100", "EUR", "FR-LAB"), ("200", "EUR", "FR-LAB"), ("300", "EUR", "FR-ENG"))
    counts = []
    for split in (False, True):
        requisition = requisition_submit(requisition=cart(*lines), by=alice())
        charges = requisition_charges(requisition=requisition)
        orders = (
            [OrderCommitment(None, [charge], f"PO-{n}") for n, charge in enumerate(charges)]
            if split
            else [OrderCommitment(None, charges, "PO-0")]
        )
        with CaptureQueriesContext(connection) as queries:
            funds_commit_orders(requisition=requisition, orders=orders, by=None)
        counts.append(len(queries))
    # what the requisition holds with the covering budgets and those it holds, locked, in one read; the entries; the
    # balances; no savepoint (was 5 and a savepoint pair)
    assert counts[0] == counts[1] == 3
    assert_every_balance_is_its_ledger_sum()


@pytest.mark.parametrize("size", [10, 1_000])
def test_the_funds_check_reads_the_balance_not_the_ledger(size):
    budget = lab()
    ledger_write(
        [
            BudgetEntry(
                budget=budget,
                kind="release" if n % 2 else "precommitment",
                amount_minor=-1 if n % 2 else 1,
                source_amount_minor=-1 if n % 2 else 1,
                source_currency="EUR",
                rate=1,
            )
            for n in range(size)
        ]
    )
    requisition = cart(("600", "EUR", "FR-LAB"))
    with CaptureQueriesContext(connection) as queries:
        funds_precommit(requisition=requisition, by=alice(), exceptions_routed=True)
    sql = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert not [q for q in sql if "SUM(" in q.upper()], sql
    # alice, the lines, their splits, the budgets locked as they are read, the entries, the balance: whatever the
    # ledger's size
    assert len(sql) == 6, sql
    assert budget_use(budget=budget).available == 400_00
    assert_every_balance_is_its_ledger_sum()


def test_the_reconciliation_finds_a_tampered_balance_and_sets_it_to_the_ledger():
    requisition_submit(requisition=cart(("250", "EUR", "FR-LAB")), by=alice())
    budget = lab()
    assert budget_balances_reconcile() == []
    call_command("budget_balances_reconcile")  # no drift: no error
    Budget.objects.filter(pk=budget.pk).update(precommitted_minor=F("precommitted_minor") + 1, actual_minor=0)
    expected = [
        BalanceDrift(budget.pk, "precommitted_minor", 250_01, 250_00),
        BalanceDrift(budget.pk, "actual_minor", 0, 19_000_00),
    ]
    assert budget_balances_drift() == expected
    with pytest.raises(CommandError, match="2 balance"):
        call_command("budget_balances_reconcile")
    assert budget_balances_reconcile(budget_ids=[budget.pk], fix=True) == expected
    assert budget_balances_reconcile() == []
    assert_every_balance_is_its_ledger_sum()


def test_beat_s_nightly_reconciliation_logs_each_drift_and_changes_nothing(caplog):
    requisition_submit(requisition=cart(("250", "EUR", "FR-LAB")), by=alice())
    budget = lab()
    assert budget_balances_reconcile_task.delay().get() == 0
    Budget.objects.filter(pk=budget.pk).update(committed_minor=7)
    with caplog.at_level("ERROR", logger="budgets.tasks"):
        assert budget_balances_reconcile_task.delay().get() == 1
    (record,) = [r for r in caplog.records if r.name == "budgets.tasks"]
    assert (record.getMessage(), record.budget_id, record.field, record.stored_minor, record.ledger_minor) == (
        "budget balance drift",
        budget.pk,
        "committed_minor",
        7,
        0,
    )
    assert Budget.objects.get(pk=budget.pk).committed_minor == 7  # a person decides; --fix sets it


def test_saving_a_budget_read_before_an_entry_keeps_the_balances_the_entry_moved():
    stale = lab()
    requisition_submit(requisition=cart(("250", "EUR", "FR-LAB")), by=alice())
    stale.amount_minor = 25_000_00
    stale.save()
    assert balances(stale.pk)["precommitted_minor"] == 250_00
    assert_every_balance_is_its_ledger_sum()


def test_the_data_migration_fills_the_balances_from_the_ledger():
    requisition_submit(requisition=cart(("250", "EUR", "FR-LAB"), ("90", "EUR", "FR-ENG")), by=alice())
    Budget.objects.update(precommitted_minor=0, committed_minor=0, actual_minor=0)
    assert budget_balances_drift() != []
    migration = importlib.import_module("budgets.migrations.0004_running_balances")

    class Editor:
        connection = connection

        @staticmethod
        def execute(sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    from django.apps import apps

    migration.balances_fill(apps, Editor())
    assert_every_balance_is_its_ledger_sum()


def test_budget_figures_for_reads_each_budget_in_one_query(budgets, django_assert_num_queries):
    requisition_submit(requisition=cart(("250", "EUR", "FR-LAB")), by=alice())
    ids = [budgets.lab.pk, budgets.engineering.pk]
    with django_assert_num_queries(1):
        figures = budget_figures_for(ids)
        codes = {budget_id: use.budget.cost_centre.code for budget_id, use in figures.items()}
    assert codes == {budgets.lab.pk: "FR-LAB", budgets.engineering.pk: "FR-ENG"}
    use = figures[budgets.lab.pk]
    assert (use.actual, use.committed, use.precommitted, use.available) == (19_000_00, 0, 250_00, 750_00)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_on_one_hot_budget_never_overspend_it():
    carts = [cart(("600", "EUR", "FR-LAB")), cart(("600", "EUR", "FR-LAB"))]
    results = run_concurrently([lambda r=r: requisition_submit(requisition=r, by=alice()) for r in carts])
    won = [r for r in results if isinstance(r, Requisition)]
    refused = [getattr(r, "code", r) for r in results if not isinstance(r, Requisition)]
    assert (len(won), refused) == (1, ["budget_exceeded"])
    assert budget_use(budget=lab()).available == 400_00
    assert_every_balance_is_its_ledger_sum()
