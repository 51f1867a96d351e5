"""The ledger's one writer and the budgets' running balances.

Every entry is written by `ledger_write`: the entries are bulk-created and each budget's running balances
(pre-committed, committed, actual) move by their amounts in one UPDATE, in the same transaction, so the
balances equal the ledger's sums whenever a transaction commits. The funds check reads them under the
budget's row lock: one row, whatever the ledger's size.

`budget_balances_reconcile` proves it: it compares each budget's balances with the ledger's sums, read in
one statement (one snapshot), reports any drift and, asked to, sets the balances to the sums under the
budget locks (`manage.py budget_balances_reconcile`).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from procurement.sql import sql_column, sql_in_ids, sql_insert, sql_table

from .lock_objects import budgets_select_for_update
from .models import BALANCE_FIELDS, BALANCE_OF_KIND, KINDS_OF_BALANCE, Budget, BudgetEntry


def balance_deltas(entries: Iterable[BudgetEntry]) -> dict[int, dict[str, int]]:
    """What the entries add to each budget's balances: {budget id: {balance field: minor units}}."""
    deltas: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        deltas[entry.budget_id][BALANCE_OF_KIND[entry.kind]] += entry.amount_minor
    return {budget_id: {f: d for f, d in moved.items() if d} for budget_id, moved in deltas.items()}


def balances_add(deltas: dict[int, dict[str, int]]) -> None:
    """Move the balances by `deltas` in one UPDATE, each balance added to in SQL (atomic whatever was read before).
    As SQL text (identifiers from the model, values as parameters): the ORM's CASE expressions took longer to build
    than the UPDATE to run."""
    deltas = {budget_id: moved for budget_id, moved in deltas.items() if moved}
    if not deltas:
        return
    meta = Budget._meta
    pk = sql_column(meta, "pk")
    fields = sorted({field for moved in deltas.values() for field in moved})
    sets: list[str] = []
    params: list[Any] = []
    for field in fields:
        column = sql_column(meta, field)
        if len(deltas) == 1:
            [moved] = deltas.values()
            sets.append(f"{column} = {column} + %s")
            params.append(moved.get(field, 0))
            continue
        cases = [(budget_id, moved[field]) for budget_id, moved in deltas.items() if field in moved]
        sets.append(f"{column} = {column} + CASE {pk}{' WHEN %s THEN %s' * len(cases)} ELSE 0 END")
        params.extend(value for case in cases for value in case)
    condition, ids = sql_in_ids(pk, deltas)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {sql_table(meta)} SET {', '.join(sets)} WHERE {condition}", [*params, *ids])  # noqa: S608


def ledger_write(entries: Sequence[BudgetEntry]) -> list[BudgetEntry]:
    """Write ledger entries and move their budgets' balances by them, in one transaction: two queries whatever
    the number of entries and budgets. The only writer of BudgetEntry; the entries
    are written as `bulk_create` writes them (`procurement.sql.sql_insert`), their ids set.

    The caller holds the budgets' row locks (`budgets_select_for_update`, taken in primary-key order) when it
    decided on the amounts; the UPDATE then waits for no one and cannot deadlock.
    """
    if not entries:
        return []
    created = list(entries)
    with transaction.atomic(savepoint=False):  # inside the caller's transaction: no savepoint of its own
        sql_insert(created)
        balances_add(balance_deltas(created))
    return created


# --- proof ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceDrift:
    """A balance that is not the ledger's sum: what the budget row says and what the ledger adds up to."""

    budget_id: int
    field: str
    stored_minor: int
    ledger_minor: int

    def __str__(self) -> str:
        return (
            f"budget {self.budget_id} {self.field}: balance {self.stored_minor}, ledger {self.ledger_minor} "
            f"(drift {self.stored_minor - self.ledger_minor:+d})"
        )


def _ledger_sum(field: str) -> Coalesce:
    total = (
        BudgetEntry.objects.filter(budget=OuterRef("pk"), kind__in=KINDS_OF_BALANCE[field])
        .order_by()
        .values("budget")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(0), output_field=BigIntegerField())


def budget_balances_drift(*, budget_ids: Iterable[int] | None = None) -> list[BalanceDrift]:
    """Every balance that differs from the ledger's sum, read with the sums in one statement (one snapshot on
    PostgreSQL: an entry and its balance move commit together, so a running system shows no false drift)."""
    budgets = Budget.objects.all() if budget_ids is None else Budget.objects.filter(pk__in=set(budget_ids))
    sums = {f"ledger_{field}": _ledger_sum(field) for field in BALANCE_FIELDS}
    rows = (
        budgets.order_by("pk")
        .annotate(**sums)
        .filter(Q(*[~Q(**{field: F(f"ledger_{field}")}) for field in BALANCE_FIELDS], _connector=Q.OR))
        .values("pk", *BALANCE_FIELDS, *sums)
    )
    return [
        BalanceDrift(row["pk"], field, row[field], row[f"ledger_{field}"])
        for row in rows
        for field in BALANCE_FIELDS
        if row[field] != row[f"ledger_{field}"]
    ]


@transaction.atomic
def budget_balances_reconcile(*, budget_ids: Iterable[int] | None = None, fix: bool = False) -> list[BalanceDrift]:
    """The drift found (empty: every balance equals its ledger). With `fix`, the drifted budgets are locked,
    read again under the lock and their balances set to the ledger's sums."""
    drift = budget_balances_drift(budget_ids=budget_ids)
    if drift and fix:
        ids = sorted({d.budget_id for d in drift})
        budgets_select_for_update(ids)
        drift = budget_balances_drift(budget_ids=ids)
        for budget_id in sorted({d.budget_id for d in drift}):
            Budget.objects.filter(pk=budget_id).update(
                **{d.field: d.ledger_minor for d in drift if d.budget_id == budget_id}
            )
    return drift
