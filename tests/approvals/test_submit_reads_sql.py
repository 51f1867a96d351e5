"""The submission's reads written as SQL text (procurement.sql) read what Django's ORM read: the purchasing rules that
may apply with their named approver, the approver's account and the rule's group (approvals.chain), and the
budgets covering a requisition's charges, locked with their cost centres or not (budgets.services); the ledger's
writer writes the rows and balances `bulk_create` and the ORM's UPDATE wrote."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from approvals.chain import RequisitionFacts, _requisition_rules, candidate_rules, in_amount_band
from approvals.models import PurchasingRule
from budgets.ledger import budget_balances_drift, ledger_write
from budgets.models import Budget, BudgetEntry
from budgets.services import Charge, budgets_covering
from procurement.money import Money
from tests.factories import BudgetFactory, CostCentreFactory, GroupFactory, PurchasingRuleFactory, SupplierFactory

from .helpers import cart_of

pytestmark = pytest.mark.django_db


def columns(obj: Model | None) -> dict[str, object] | None:
    """Every concrete column's value, with its Python type (a str where a datetime was due would differ)."""
    if obj is None:
        return None
    return {f.attname: (getattr(obj, f.attname), type(getattr(obj, f.attname))) for f in obj._meta.concrete_fields}


def facts_of(acme, total: str, **extra) -> RequisitionFacts:
    defaults = {
        "legal_entity_id": acme.france.pk,
        "requester": acme.alice,
        "org_units": frozenset(),
        "cost_centres": frozenset({acme.alice.default_cost_centre_id}),
        "unspsc": frozenset({"43211708"}),
        "suppliers": frozenset(),
        "sources": frozenset({"free_text"}),
    }
    return RequisitionFacts(total=Money(Decimal(total), "EUR"), **{**defaults, **extra})


@pytest.mark.parametrize("total", ["500", "6000", "250000"])
def test_the_rules_read_as_the_orm_read_them(acme, total):
    supplier = SupplierFactory()
    reviewers = GroupFactory(name="IT reviewers", members=[acme.bob, acme.carol])
    PurchasingRuleFactory(
        name="Named", position=5, effect=PurchasingRule.Effect.NAMED_APPROVER, approver=acme.dave, unspsc_prefix="43"
    )
    PurchasingRuleFactory(name="Group", position=20, effect=PurchasingRule.Effect.GROUP, group=reviewers)
    PurchasingRuleFactory(name="Inactive", position=1, is_active=False)
    PurchasingRuleFactory(name="Other entity", position=2, legal_entity=acme.sweden)
    PurchasingRuleFactory(name="Other supplier", position=3, supplier=supplier)
    PurchasingRuleFactory(
        name="Band in SEK",
        position=40,
        effect=PurchasingRule.Effect.BLOCK,
        min_amount_minor=1_000_000_00,
        currency="SEK",
    )
    PurchasingRuleFactory(
        name="Band in EUR",
        position=40,
        effect=PurchasingRule.Effect.AUTO_APPROVE,
        max_amount_minor=1_000_00,
        currency="EUR",
    )
    facts = facts_of(acme, total)
    orm = list(
        candidate_rules(facts)
        .filter(in_amount_band(facts))
        .select_related("approver__user", "group")
        .order_by("position", "id")
    )
    read = _requisition_rules(facts)
    assert [rule.name for rule in read] == [rule.name for rule in orm]
    assert len(read) >= 4
    with CaptureQueriesContext(connection) as queries:
        for mine, theirs in zip(read, orm, strict=True):
            assert columns(mine) == columns(theirs)
            assert columns(mine.approver) == columns(theirs.approver)
            if theirs.approver is not None:
                assert columns(mine.approver.user) == columns(theirs.approver.user)
            assert columns(mine.group) == columns(theirs.group)
    assert len(queries) == 0, "the related objects come with the rules"


def test_the_rules_with_a_supplier_and_no_cost_centre(acme):
    supplier = SupplierFactory()
    PurchasingRuleFactory(name="This supplier", position=3, supplier=supplier)
    facts = facts_of(acme, "100", suppliers=frozenset({supplier.pk}), cost_centres=frozenset(), unspsc=frozenset())
    orm = candidate_rules(facts).filter(in_amount_band(facts)).order_by("position", "id")
    assert [r.pk for r in _requisition_rules(facts)] == [r.pk for r in orm]


@pytest.mark.parametrize("lock", [True, False])
def test_the_covering_budgets_read_as_the_orm_read_them(acme, lock):
    engineering = acme.alice.default_cost_centre
    lab = CostCentreFactory(legal_entity=acme.france, code="FR-LAB")
    year = date.today().year
    wanted = [
        BudgetFactory(cost_centre=engineering, control=Budget.Control.WARN),
        BudgetFactory(cost_centre=lab, gl_account="6000"),
        BudgetFactory(
            cost_centre=lab,
            period_kind=Budget.PeriodKind.MONTH,
            period_label=f"{year}-{date.today().month:02d}",
            period_start=date.today().replace(day=1),
            period_end=date.today(),
        ),
    ]
    BudgetFactory(cost_centre=engineering, control=Budget.Control.NONE, gl_account="7000")  # control-free
    BudgetFactory(
        cost_centre=lab,
        period_label=str(year - 1),
        period_start=date(year - 1, 1, 1),
        period_end=date(year - 1, 12, 31),
    )
    BudgetFactory(cost_centre=CostCentreFactory(legal_entity=acme.france, code="FR-IT"))
    charges = [Charge(c.pk, "", "", 100_00, "EUR") for c in (engineering, lab)]
    cart = cart_of("alice", "10")
    with transaction.atomic():
        read = budgets_covering(requisition=cart, charges=charges, on=date.today(), lock=lock)
    orm = list(
        Budget.objects.select_related("cost_centre")
        .filter(
            legal_entity_id=acme.france.pk,
            cost_centre_id__in=[engineering.pk, lab.pk],
            period_start__lte=date.today(),
            period_end__gte=date.today(),
        )
        .exclude(control=Budget.Control.NONE)
        .order_by("pk")
    )
    assert [b.pk for b in read] == [b.pk for b in orm] == [b.pk for b in wanted]
    with CaptureQueriesContext(connection) as queries:
        for mine, theirs in zip(read, orm, strict=True):
            assert columns(mine) == columns(theirs)
            if lock:
                assert columns(mine.cost_centre) == columns(theirs.cost_centre)
    assert len(queries) == 0
    assert budgets_covering(requisition=cart, charges=[], on=date.today(), lock=lock) == []


def test_the_ledger_writes_the_rows_and_balances(acme):
    one, two = (
        BudgetFactory(cost_centre=acme.alice.default_cost_centre),
        BudgetFactory(cost_centre=CostCentreFactory(legal_entity=acme.france, code="FR-LAB")),
    )

    def entry(budget: Budget, kind: str, minor: int) -> BudgetEntry:
        return BudgetEntry(
            budget=budget,
            kind=kind,
            amount_minor=minor,
            source_amount_minor=minor,
            source_currency="EUR",
            rate=Decimal("1.0000000000"),
            note=f"{kind} {minor}",
        )

    for written in (
        [entry(one, BudgetEntry.Kind.ACTUAL, 7_00)],
        [
            entry(one, BudgetEntry.Kind.PRECOMMITMENT, 100_00),
            entry(two, BudgetEntry.Kind.PRECOMMITMENT, 50_00),
            entry(two, BudgetEntry.Kind.COMMITMENT, 20_00),
            entry(one, BudgetEntry.Kind.RELEASE, -30_00),
        ],
    ):
        with transaction.atomic():
            made = ledger_write(written)
        assert made == written and all(e.pk for e in made)
        for mine in made:
            stored = BudgetEntry.objects.get(pk=mine.pk)
            # As bulk_create leaves them: the values written (a kind given as its enum equals its text).
            assert {f.attname: getattr(mine, f.attname) for f in BudgetEntry._meta.concrete_fields} == {
                f.attname: getattr(stored, f.attname) for f in BudgetEntry._meta.concrete_fields
            }
    assert budget_balances_drift() == []
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.precommitted_minor, one.committed_minor, one.actual_minor) == (70_00, 0, 7_00)
    assert (two.precommitted_minor, two.committed_minor, two.actual_minor) == (50_00, 20_00, 0)


def test_sql_insert_of_a_proxy_model_writes_what_save_writes():
    """The approval process (a proxy of viewflow's Process) is written by sql_insert at the start: the same row."""
    from approvals.flows import ApprovalFlow
    from approvals.models import ApprovalProcess
    from procurement.sql import sql_insert

    made, saved = (ApprovalProcess(flow_class=ApprovalFlow, data={"chain": n}) for n in (1, 2))
    sql_insert([made])
    saved.save()
    assert made.pk and made.pk != saved.pk
    fields = [f for f in ApprovalProcess._meta.concrete_fields if not f.primary_key]
    mine, theirs = (ApprovalProcess.objects.get(pk=p.pk) for p in (made, saved))
    assert {f.attname: getattr(mine, f.attname) for f in fields if f.name not in ("created", "data")} == {
        f.attname: getattr(theirs, f.attname) for f in fields if f.name not in ("created", "data")
    }
    assert (mine.data, theirs.data) == ({"chain": 1}, {"chain": 2})
    assert mine.created == made.created


def test_sql_insert_batches_a_long_list_as_bulk_create_does(acme, monkeypatch):
    """Over SQL_INSERT_MAX_PARAMS values, the rows go in several statements, every one with its id (a long
    order's lines, a ledger write of many entries)."""
    from procurement import sql

    budget = BudgetFactory(cost_centre=acme.alice.default_cost_centre)
    monkeypatch.setattr(sql, "SQL_INSERT_MAX_PARAMS", 30)  # 14 columns: 2 entries a statement
    entries = [
        BudgetEntry(
            budget=budget,
            kind=BudgetEntry.Kind.ACTUAL,
            amount_minor=n,
            source_amount_minor=n,
            source_currency="EUR",
            rate=Decimal(1),
        )
        for n in range(1, 6)
    ]
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        ledger_write(entries)
    assert sum("INSERT" in q["sql"] for q in queries.captured_queries) == 3
    assert sorted(BudgetEntry.objects.filter(budget=budget).values_list("pk", "amount_minor")) == sorted(
        (e.pk, e.amount_minor) for e in entries
    )
    budget.refresh_from_db()
    assert budget.actual_minor == 15


def test_sql_update_writes_what_save_with_update_fields_writes(acme):
    """A requisition's status save (submission, final approval) by sql_update: the row save(update_fields=…) wrote,
    auto_now set on the instance; a row gone raises as save does."""
    from django.db import DatabaseError
    from django.utils import timezone

    from procurement.sql import sql_update
    from requisitions.models import Requisition

    mine, theirs = cart_of("alice", "10"), cart_of("alice", "10")
    fields = ["status", "updated_at", "submitted_at", "total_minor"]
    for requisition in (mine, theirs):
        requisition.status, requisition.total_minor = "submitted", 12_34
        requisition.submitted_at = timezone.now()
        requisition.title = "not saved"
    before = mine.updated_at
    sql_update(mine, fields)
    theirs.save(update_fields=fields)
    assert mine.updated_at > before
    skip = {"id", "number", "updated_at", "submitted_at", "created_at"}
    stored_mine, stored_theirs = (Requisition.objects.get(pk=r.pk) for r in (mine, theirs))
    assert {
        f.attname: getattr(stored_mine, f.attname) for f in Requisition._meta.concrete_fields if f.name not in skip
    } == {f.attname: getattr(stored_theirs, f.attname) for f in Requisition._meta.concrete_fields if f.name not in skip}
    assert (stored_mine.updated_at, stored_mine.submitted_at) == (mine.updated_at, mine.submitted_at)
    assert stored_mine.title != "not saved"
    Requisition.objects.filter(pk=mine.pk).update(status="draft")
    gone = Requisition(pk=mine.pk + 10_000, status="draft")
    with pytest.raises(DatabaseError), transaction.atomic():
        sql_update(gone, ["status"])
    with pytest.raises(DatabaseError), transaction.atomic():
        gone.save(update_fields=["status"])
