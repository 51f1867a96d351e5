"""The submit-to-order path with every app attached: each step in its order, and every way out gives back what
the requisition held (PostgreSQL, as in production)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from approvals.flows import ApprovalFlow
from approvals.models import ApprovalChain, PurchasingRule
from approvals.services import purchasing_rule_save
from budgets.models import Budget, BudgetEntry
from budgets.services import BudgetSpec, budget_save
from orders.models import OrderChange, PurchaseOrder, Transmission
from orders.order_changes import LineChange
from p2p.submit_to_order import (
    approval_decide,
    purchase_order_change,
    requisition_cancel,
    requisition_submit,
    requisition_withdraw,
)
from procurement.models import Role, Supplier
from procurement.money import Money
from requisitions.errors import RequisitionError
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import CostCentreFactory, EmployeeFactory, SupplierFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(france):
    """A requester whose manager approves, a hard-stop budget of 1,000.00 EUR on their cost centre, a buyer and
    a supplier that takes orders over cXML."""
    centre = CostCentreFactory(legal_entity=france, code="FR-P2P")
    manager = EmployeeFactory(legal_entities=[france], job_title="Team lead")
    requester = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER])
    requester.manager, requester.default_cost_centre = manager, centre
    requester.save()
    buyer = EmployeeFactory(legal_entities=[france], roles=[Role.BUYER])
    budget, _ = budget_save(
        spec=BudgetSpec(
            legal_entity=france,
            cost_centre=centre,
            period=f"{timezone.localdate():%Y-%m}",
            amount=Money(Decimal("1000.00"), "EUR"),
            control=Budget.Control.HARD,
        )
    )
    supplier = SupplierFactory(
        code="P2P-SUP",
        order_method=Supplier.OrderMethod.CXML,
        order_url="https://supplier.example/cxml",
        order_shared_secret="s3cret",
    )
    return {
        "france": france,
        "requester": requester,
        "manager": manager,
        "buyer": buyer,
        "budget": budget,
        "supplier": supplier,
    }


def cart(world, price: str = "300.00") -> Requisition:
    requester = world["requester"]
    made = requisition_create(by=requester, legal_entity=world["france"], title="Lab scales")
    requisition_line_add_free_text(
        requisition=made,
        by=requester,
        description="Scale",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal(price), "EUR"),
        supplier=world["supplier"],
    )
    made.refresh_from_db()
    return made


def entries(requisition: Requisition) -> list[tuple[str, int]]:
    return list(BudgetEntry.objects.filter(requisition=requisition).order_by("pk").values_list("kind", "amount_minor"))


def open_task(requisition: Requisition) -> Task:
    return Task.objects.get(
        process__data__requisition=requisition.pk, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
    )


def statuses(requisition: Requisition) -> list[str]:
    return list(requisition.events.filter(kind="status").order_by("pk").values_list("to_status", flat=True))


def test_submit_pre_commits_the_funds_and_stores_the_chain_resolved_once(world):
    with CaptureQueriesContext(connection) as queries:
        submitted = requisition_submit(requisition=cart(world), by=world["requester"])
    assert submitted.status == "in_approval"
    assert entries(submitted) == [("precommitment", 30000)]
    # One resolution: the purchasing rules are read once (validation and storing share the resolved chain).
    rule_reads = [q["sql"] for q in queries.captured_queries if 'FROM "approvals_purchasingrule"' in q["sql"]]
    assert len(rule_reads) == 1
    [chain] = ApprovalChain.objects.filter(requisition=submitted)
    assert (chain.status, chain.total_minor) == ("pending", 30000)
    assert [(step.name, step.status) for step in chain.steps.all()] == [
        (f"Manager: {world['manager'].display_name}", "pending")
    ]
    assert open_task(submitted).owner == world["manager"].user
    assert statuses(submitted) == ["submitted", "in_approval"]
    assert not PurchaseOrder.objects.filter(requisition=submitted).exists()


def test_the_last_approval_commits_the_budget_makes_the_order_and_queues_its_transmission(
    world, django_capture_on_commit_callbacks
):
    submitted = requisition_submit(requisition=cart(world), by=world["requester"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        approval_decide(task_id=open_task(submitted).pk, by=world["manager"], decision="approve")
    submitted.refresh_from_db()
    assert submitted.status == "ordered"
    assert statuses(submitted) == ["submitted", "in_approval", "approved", "ordered"]
    # Budgets: the pre-commitment released and the order's amount committed, in that order.
    assert entries(submitted) == [("precommitment", 30000), ("release", -30000), ("commitment", 30000)]
    [order] = PurchaseOrder.objects.filter(requisition=submitted)
    assert (order.status, order.supplier, order.total_minor, order.issued_by) == (
        "issued",
        world["supplier"],
        30000,
        world["manager"],
    )
    assert list(order.revisions.values_list("revision", "kind")) == [(1, "new")]
    # Orders: the transmission row waits; it is sent only once the approval's transaction commits.
    [transmission] = Transmission.objects.filter(purchase_order=order)
    assert (transmission.status, transmission.method, transmission.attempts) == ("pending", "cxml", 0)
    assert len(queued) == 2  # after commit: the e-mail telling the requester, and sending this transmission
    assert not Task.objects.filter(process__data__requisition=submitted.pk, status=STATUS.ASSIGNED).exists()
    note = submitted.events.get(data__purchase_orders=True)
    assert note.comment == f"1 purchase order: {order.number}"


def test_a_requisition_no_approver_is_needed_for_is_ordered_at_submission(world):
    purchasing_rule_save(
        rule=PurchasingRule(name="Scales need no approval", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
    )
    submitted = requisition_submit(requisition=cart(world), by=world["requester"])
    assert submitted.status == "ordered"
    assert statuses(submitted) == ["submitted", "approved", "ordered"]
    assert entries(submitted) == [("precommitment", 30000), ("release", -30000), ("commitment", 30000)]
    [order] = PurchaseOrder.objects.filter(requisition=submitted)
    assert (order.status, order.issued_by) == ("issued", None)  # a rule approved it, nobody decided
    assert Transmission.objects.filter(purchase_order=order, status="pending").count() == 1
    assert not Process.objects.filter(data__requisition=submitted.pk).exists()


def test_a_hard_stop_refuses_the_submission_and_nothing_is_kept(world):
    draft = cart(world, price="1200.00")
    with pytest.raises(RequisitionError) as error:
        requisition_submit(requisition=draft, by=world["requester"])
    assert error.value.code == "budget_exceeded"
    draft.refresh_from_db()
    assert (draft.status, draft.budget_exception, draft.submitted_at) == ("draft", "", None)
    assert entries(draft) == []
    assert not ApprovalChain.objects.filter(requisition=draft).exists()
    assert not Process.objects.filter(data__requisition=draft.pk).exists()


@pytest.mark.parametrize("way_out", ["reject", "return", "withdraw"])
def test_every_way_out_before_approval_releases_the_funds_and_ends_the_tasks(world, way_out):
    submitted = requisition_submit(requisition=cart(world), by=world["requester"])
    task = open_task(submitted)
    if way_out == "withdraw":
        requisition_withdraw(requisition=submitted, by=world["requester"], comment="Not needed")
    else:
        approval_decide(task_id=task.pk, by=world["manager"], decision=way_out, comment="Not this month")
    submitted.refresh_from_db()
    expected = {"reject": "rejected", "return": "returned", "withdraw": "withdrawn"}[way_out]
    assert submitted.status == expected
    assert entries(submitted) == [("precommitment", 30000), ("release", -30000)]
    assert BudgetEntry.objects.get(requisition=submitted, kind="release").note == f"{submitted.number} {expected}"
    task.refresh_from_db()
    assert task.status == (STATUS.CANCELED if way_out == "withdraw" else STATUS.DONE)
    assert not Process.objects.filter(data__requisition=submitted.pk, status=PROCESS.NEW).exists()
    chain = ApprovalChain.objects.get(requisition=submitted)
    assert chain.status == {"reject": "rejected", "return": "returned", "withdraw": "withdrawn"}[way_out]
    assert not PurchaseOrder.objects.filter(requisition=submitted).exists()


def test_a_buyer_cancelling_an_approved_requisition_releases_what_its_held_orders_kept(world):
    purchasing_rule_save(
        rule=PurchasingRule(name="Buyers check scales", position=1, effect=PurchasingRule.Effect.HOLD_FOR_BUYER)
    )
    submitted = requisition_submit(requisition=cart(world), by=world["requester"])
    approval_decide(task_id=open_task(submitted).pk, by=world["manager"], decision="approve")
    submitted.refresh_from_db()
    assert submitted.status == "approved"
    assert list(PurchaseOrder.objects.filter(requisition=submitted).values_list("status", flat=True)) == ["held"]
    assert entries(submitted) == [("precommitment", 30000)]
    requisition_cancel(requisition=submitted, by=world["buyer"], comment="Bought elsewhere")
    submitted.refresh_from_db()
    assert submitted.status == "cancelled"
    assert entries(submitted) == [("precommitment", 30000), ("release", -30000)]


def test_a_raised_quantity_goes_through_approval_and_a_rejection_refuses_the_change(world):
    purchasing_rule_save(
        rule=PurchasingRule(
            name="Small orders need no approval",
            position=1,
            effect=PurchasingRule.Effect.AUTO_APPROVE,
            max_amount_minor=40000,
            currency="EUR",
        )
    )
    ordered = requisition_submit(requisition=cart(world), by=world["requester"])
    [order] = PurchaseOrder.objects.filter(requisition=ordered)
    # 2 more scales (600.00 EUR): above what the rule approves alone, so the manager decides.
    changed = purchase_order_change(order=order, by=world["buyer"], changes=[LineChange(1, quantity=Decimal(3))])
    assert changed.revision == order.revision  # nothing went out yet
    [change] = OrderChange.objects.filter(purchase_order=order)
    assert (change.status, change.requisition.status) == ("pending", "in_approval")
    assert entries(change.requisition) == [("precommitment", 60000)]
    approval_decide(task_id=open_task(change.requisition).pk, by=world["manager"], decision="reject", comment="No")
    change.refresh_from_db()
    assert (change.status, change.requisition.status) == ("refused", "rejected")
    assert entries(change.requisition) == [("precommitment", 60000), ("release", -60000)]
    order.refresh_from_db()
    assert (order.revision, order.lines.get().quantity) == (changed.revision, Decimal(1))


def test_an_approved_raise_goes_on_the_order_with_its_commitment(world):
    purchasing_rule_save(
        rule=PurchasingRule(
            name="Small orders need no approval",
            position=1,
            effect=PurchasingRule.Effect.AUTO_APPROVE,
            max_amount_minor=40000,
            currency="EUR",
        )
    )
    ordered = requisition_submit(requisition=cart(world), by=world["requester"])
    [order] = PurchaseOrder.objects.filter(requisition=ordered)
    purchase_order_change(order=order, by=world["buyer"], changes=[LineChange(1, quantity=Decimal(3))])
    [change] = OrderChange.objects.filter(purchase_order=order)
    approval_decide(task_id=open_task(change.requisition).pk, by=world["manager"], decision="approve")
    change.refresh_from_db()
    assert (change.status, change.requisition.status) == ("applied", "ordered")
    assert entries(change.requisition) == [("precommitment", 60000), ("release", -60000), ("commitment", 60000)]
    order.refresh_from_db()
    assert (order.revision, order.total_minor, order.lines.get().quantity) == (2, 90000, Decimal(3))
    assert list(order.transmissions.order_by("pk").values_list("status", flat=True)) == ["pending", "pending"]
