"""The order generation of a final approval (p2p.submit_to_order.final_approval) costs a number of queries that does
not grow with the requisition's lines, and the orders' own part does not grow with its orders either: the orders,
their lines, history rows, revisions and transmissions are each written in one insert, the numbers allocated at once.

The budgets' part (funds_commit_orders, once per requisition) is counted apart."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from approvals import services as approvals
from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from orders.models import PurchaseOrder, PurchaseOrderEvent, PurchaseOrderLine, Transmission
from orders.transmission import transmission_enqueue
from p2p.submit_to_order import final_approval, requisition_submit
from procurement.models import Supplier
from procurement.money import Money
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.approvals.helpers import open_tasks, person
from tests.factories import SupplierFactory
from tests.factories_documents import buying_organisation

# Queries of the final approval's order generation, 5 lines from 3 suppliers sent by hand (PROFILE.md's path):
# before this batching 104 (6 sequence reads, 6 event inserts, 3 order and 3 line inserts, 3 totals updates, a
# revision, a transmission and a status move per order, each order's lines and splits read back for its charges).
# Then 18; 17 since the pending order change and the orders already made are read in one query; 13 since that query
# also reads the entity's order-number prefix and bill-to, whether a hold rule or a split line exists (the rules and
# splits are read only then), and the orders are written issued (or `manual`) with all their history in one insert;
# 12 since the requisition's lines with their suppliers are read in that query too; on PostgreSQL 11, the requisition's
# move to `ordered` written with its change-log row in one statement.
ORDERS_PART = (
    11 if connection.vendor == "postgresql" else 12
)  # constant: 1 or 3 orders, 5 or 50 lines, sent by hand or not
# funds_commit_orders, once per requisition: every budget locked once, the release and commitments written at once
# (before: funds_commit once per order, 8 queries each and 2 more with the first). 3 since it opens no savepoint and
# reads what the requisition holds with the budgets, locking the covering ones and those it holds, in one statement.
BUDGETS_PART = 3  # constant: 1 or 3 orders, 5 or 50 lines


@pytest.fixture
def organisation(db):
    made = buying_organisation()
    purchasing_rule_save(
        rule=PurchasingRule(name="Manager approval", position=10, effect=PurchasingRule.Effect.MANAGER_CHAIN)
    )
    return made


def approved(suppliers: list[Supplier], lines: int) -> Requisition:
    """A requisition of `lines` lines spread over `suppliers`, 5,500.00 EUR in all, approved by every approver of
    its chain through approvals alone (no orders yet)."""
    alice = person("alice")
    cart = requisition_create(by=alice, legal_entity=alice.default_legal_entity, title="Query count")
    for n in range(lines):
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description=f"Part {n}",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal(5500) / lines, "EUR"),
            supplier=suppliers[n % len(suppliers)],
        )
    requisition = requisition_submit(requisition=cart, by=alice)
    while tasks := open_tasks(requisition):
        for username, task_id in tasks.items():
            approvals.approval_decide(task_id=task_id, by=person(username), decision="approve")
    requisition.refresh_from_db()
    assert requisition.status == "approved"
    return requisition


def generation_queries(requisition: Requisition) -> tuple[int, int]:
    """(queries of the orders and the rest, queries of budgets) of the final approval's order generation. Budgets'
    queries are those naming a budgets table, and any savepoint of its own (from a savepoint whose first statement
    reads a budgets table to the release of that savepoint)."""
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        final_approval(requisition=requisition, by=person("erin"))
    statements = [q["sql"] for q in queries.captured_queries]
    budgets, section = 0, ""
    for n, sql in enumerate(statements):
        if not section and sql.startswith("SAVEPOINT") and '"budgets_' in statements[n + 1]:
            section = sql.removeprefix("SAVEPOINT ")
        budgets += bool(section) or '"budgets_' in sql
        if section and sql == f"RELEASE SAVEPOINT {section}":
            section = ""
    return len(statements) - budgets, budgets


def by_hand(count: int) -> list[Supplier]:
    return [SupplierFactory(code=f"HAND{n}", order_method=Supplier.OrderMethod.NONE) for n in range(count)]


@pytest.mark.parametrize(
    ("suppliers", "lines"),
    [(1, 5), (3, 5), (1, 50), (3, 50)],
)
def test_the_orders_part_of_the_final_approval_is_constant_in_orders_and_lines(organisation, suppliers, lines):
    requisition = approved(by_hand(suppliers), lines)
    orders_part, budgets_part = generation_queries(requisition)
    assert (orders_part, budgets_part) == (ORDERS_PART, BUDGETS_PART)
    # and what was written is whole: every line on an order, each order with its history, revision and outbox row
    requisition.refresh_from_db()
    assert requisition.status == "ordered"
    orders = PurchaseOrder.objects.filter(requisition=requisition)
    assert sorted(orders.values_list("status", flat=True)) == ["manual"] * suppliers
    assert PurchaseOrderLine.objects.filter(purchase_order__requisition=requisition).count() == lines
    assert list(
        PurchaseOrderEvent.objects.filter(purchase_order__requisition=requisition)
        .order_by("purchase_order__number", "id")
        .values_list("purchase_order__number", "from_status", "to_status")
    ) == [
        step for number in sorted(orders.values_list("number", flat=True)) for step in
        [(number, "", "issued"), (number, "issued", "manual")]
    ]  # fmt: skip
    assert Transmission.objects.filter(purchase_order__requisition=requisition, status="manual").count() == suppliers


def test_orders_sent_electronically_cost_the_same_and_are_queued_once_each(
    organisation, django_capture_on_commit_callbacks
):
    suppliers = [
        SupplierFactory(
            code=f"CXML{n}",
            order_method=Supplier.OrderMethod.CXML,
            order_url="https://supplier.example/cxml",
            order_shared_secret="s3cret",
        )
        for n in range(3)
    ]
    requisition = approved(suppliers, 5)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        orders_part, budgets_part = generation_queries(requisition)
    # The same as the orders sent by hand above: those are written `manual` at once.
    assert (orders_part, budgets_part) == (ORDERS_PART, BUDGETS_PART)
    pending = Transmission.objects.filter(purchase_order__requisition=requisition, status="pending")
    assert pending.count() == 3
    sends = [callback for callback in queued if getattr(callback, "func", None) is transmission_enqueue]
    assert sorted(send.args[0] for send in sends) == sorted(pending.values_list("pk", flat=True))  # once each
