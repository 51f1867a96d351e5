"""The requisition path's steps cost a constant number of queries: submit, and a decision that is not the last,
whatever the number of lines (5 or 50), of approvers per stage (1 or 3, any-of or all-of) and of stages.

Each case builds its own chain from group rules (one stage per rule, its own group of people), so the sizes vary
one at a time; every case asserts the same exact count. The last approval with its purchase orders is counted by
the orders' own test (tests/p2p/test_final_approval_queries.py)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from approvals.models import ApprovalMode, ApprovalStep, Delegation, PurchasingRule
from approvals.services import purchasing_rule_save
from p2p.submit_to_order import approval_decide, requisition_submit
from procurement.models import Address, Employee, OrgUnit
from procurement.money import Money
from procurement.taxes import tax_codes_default_create
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import CostCentreFactory, EmployeeFactory, SupplierFactory

# Opening a cart, inside the test's savepoint (2): the membership of the entity and its default ship-to (1; was
# 2), the entity's next requisition number (1), the requisition and its "created" event (2).
CREATE_QUERIES = 6
# Adding a free-text line to a cart, inside the test's savepoint (2): the cart locked with its legal entity, its
# requester's default cost centre, its top line number and its entity's tax codes (1); the line and its event
# inserted and the totals and line count moved by the line's total, in one statement (1).
LINE_ADD_QUERIES = 4
# Submit, inside the test's savepoint (2): the requisition locked with its parties, the punch-in check and the
# requester's org units up the hierarchy, and its lines saying whether they have splits (2; the splits are read only
# when one has them; its totals refreshed from those lines, saved with the status); funds checked and pre-committed
# on those lines (budgets: 1 with no budget to charge, the covering budgets locked as read); the chain resolved from
# what was read already: rules, group members (2); the requisition submitted (with its totals) and in approval in
# one update with the insert of both events, one statement on PostgreSQL (1); the chain, its steps and assignments
# (3; a requisition never submitted before has no pending chain to supersede); the process, the delegates of the
# first stage, its tasks with the start and gate rows, their links, and the messages: the notifications inserted as
# each one's preferences call for, with whether the entity has a webhook at all, one statement on PostgreSQL (5; the
# webhooks are read only when it has one). Was 29, then 21, then 18, then 17.
SUBMIT_QUERIES = 16
# Submit through the hierarchy (a manager-chain rule of the requester's top unit and a finance rule): as above, but
# the chain's people are the requester's managers and the finance holders, read in one query with each one's
# delegate today, so the first stage's tasks are assigned without reading delegations again. 2 more when the first
# stage's approver is away: their stand-in read, and the assignment marked delegated. Was 22 (24 away), then 17,
# then 16.
SUBMIT_HIERARCHY_QUERIES = 15
SUBMIT_HIERARCHY_AWAY_QUERIES = SUBMIT_HIERARCHY_QUERIES + 2
# A decision that decides its stage and opens the next, inside the test's savepoint (2): task with its process, then
# assignment with its step and chain (and whether a later stage is pending) and the requisition with its parties,
# locked (2); the decision with the stage's other assignments cancelled, the stage settled and the decision's event,
# in one statement on PostgreSQL (1, plus 1 to count an all-of stage's approvals first); the task done with what is
# still open of the stage cancelled, its tasks with the gate row and their links, in one statement on PostgreSQL (1);
# the next stage with its delegates (1); the lines shown (1), the notifications inserted as the preferences call for,
# with whether the entity has a webhook, one statement on PostgreSQL (1). Was 18 / 19, then 15 / 16, then 13 / 14
# (the cancellation, the insert and the links one statement each), then 11 / 12.
DECIDE_QUERIES = {ApprovalMode.ANY: 9, ApprovalMode.ALL: 10}
# An approval of an all-of stage that others still have to approve: locks (2), the decision and its event (1, one
# statement on PostgreSQL), the approvals counted (1), its task done (1), inside the test's savepoint (2). Was 9,
# then 8.
DECIDE_UNDECIDED_QUERIES = 7


def chain_of(france, stages: list[tuple[str, int]]) -> None:
    """One group rule per stage, in order, each naming its own people (`mode`, how many)."""
    for position, (mode, people) in enumerate(stages, 1):
        group = Group.objects.create(name=f"Stage {position}")
        for _ in range(people):
            EmployeeFactory(legal_entities=[france]).user.groups.add(group)
        purchasing_rule_save(
            rule=PurchasingRule(
                name=f"Stage {position}",
                position=position,
                legal_entity=france,
                effect=PurchasingRule.Effect.GROUP,
                group=group,
                mode=mode,
            )
        )


def cart(france, lines: int, **requester_fields) -> tuple[Requisition, Employee]:
    centre = CostCentreFactory(legal_entity=france, code="FR-PATH")
    requester = EmployeeFactory(legal_entities=[france], default_cost_centre=centre, **requester_fields)
    supplier = SupplierFactory(code="PATH-SUP")
    made = requisition_create(by=requester, legal_entity=france, title="Path")
    for n in range(lines):
        requisition_line_add_free_text(
            requisition=made,
            by=requester,
            description=f"Part {n}",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal("110.00"), "EUR"),
            supplier=supplier,
        )
    made.refresh_from_db()
    return made, requester


def open_tasks(requisition: Requisition) -> list[Task]:
    return list(
        Task.objects.filter(
            process__data__requisition=requisition.pk, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
        )
        .select_related("owner")
        .order_by("pk")
    )


def decide(task: Task) -> int:
    """Approve `task` as its owner; the queries the decision took."""
    by = Employee.objects.select_related("user").get(user=task.owner)
    with CaptureQueriesContext(connection) as queries:
        approval_decide(task_id=task.pk, by=by, decision="approve")
    return len(queries)


@pytest.mark.parametrize("ship_to", [True, False])
def test_opening_a_cart_takes_the_same_queries_with_or_without_a_default_ship_to(france, ship_to):
    # Given a member of the entity, whose default ship-to address is there or not
    requester = EmployeeFactory(legal_entities=[france])
    france.addresses.filter(kind="ship_to").update(is_default=False)
    default = None
    if ship_to:
        default = Address.objects.create(
            legal_entity=france,
            kind="ship_to",
            name="Dock",
            street="1 rue",
            postal_code="75001",
            city="Paris",
            country="FR",
            is_default=True,
        )

    # When they open a cart
    with CaptureQueriesContext(connection) as queries:
        made = requisition_create(by=requester, legal_entity=france, title="Path")

    # Then it ships to the default address, if any, in the same queries
    made.refresh_from_db()
    assert made.ship_to_id == (default.pk if default is not None else None)
    assert (made.status, made.events.get().kind) == ("draft", "created")
    assert len(queries) == CREATE_QUERIES


@pytest.mark.parametrize("lines", [1, 30])
def test_adding_a_line_takes_the_same_queries_whatever_the_cart_holds(france, lines):
    # Given a cart of `lines` lines of an entity with its tax codes (France's: 20 % standard)
    tax_codes_default_create(legal_entity=france, country="FR")
    requisition, requester = cart(france, lines)
    supplier = requisition.lines.get(line_number=1).supplier

    # When one more free-text line is added
    with CaptureQueriesContext(connection) as queries:
        line = requisition_line_add_free_text(
            requisition=requisition,
            by=requester,
            description="One more",
            quantity=Decimal(2),
            unit="EA",
            unit_price=Money(Decimal("12.50"), "EUR"),
            supplier=supplier,
        )

    # Then the line is there on the requester's default cost centre, the totals follow, in the same queries
    requisition.refresh_from_db()
    line.refresh_from_db()
    assert (line.line_number, line.cost_centre.code, line.total_minor) == (lines + 1, "FR-PATH", 25_00)
    assert (line.tax_code, line.tax_minor) == ("S20", 5_00)
    assert (requisition.line_count, requisition.total_minor) == (lines + 1, lines * 110_00 + 25_00)
    event = requisition.events.order_by("pk").last()
    assert (event.kind, event.actor, event.data) == (
        "lines_added",
        requester.user,
        {"source": "free_text", "added": 1, "description": "One more"},
    )
    assert len(queries) == LINE_ADD_QUERIES


@pytest.mark.parametrize(("depth", "away"), [(1, False), (3, False), (3, True)])
def test_submit_through_the_managers_and_a_role_takes_the_same_queries(france, depth, away):
    # Given (the demo's shape, as bench/peer_tryton.py) a requester in a unit `depth` units below the one a
    # manager-chain rule names, under `depth` managers of whom only the top one may sign the cart's 550 EUR, a
    # finance rule above 500 EUR, and (away) the direct manager away today with a stand-in
    units = [OrgUnit.objects.create(legal_entity=france, code="U0", name="Top")]
    for level in range(1, depth):
        units.append(OrgUnit.objects.create(legal_entity=france, code=f"U{level}", name=f"U{level}", parent=units[-1]))
    managers: list[Employee] = []
    for level in range(depth):  # from the top down
        limit = {} if level == 0 else {"signing_limit_minor": 100_00, "signing_limit_currency": "EUR"}
        managers.insert(0, EmployeeFactory(legal_entities=[france], manager=managers[0] if managers else None, **limit))
    finance = EmployeeFactory(legal_entities=[france], roles=["finance"])
    purchasing_rule_save(
        rule=PurchasingRule(name="Managers", position=1, org_unit=units[0], effect=PurchasingRule.Effect.MANAGER_CHAIN)
    )
    purchasing_rule_save(
        rule=PurchasingRule(
            name="Finance",
            position=2,
            effect=PurchasingRule.Effect.ROLE,
            role=PurchasingRule.RoleChoice.FINANCE,
            min_amount_minor=500_00,
            currency="EUR",
        )
    )
    stand_in = EmployeeFactory(legal_entities=[france])
    if away:
        today = timezone.localdate()
        Delegation.objects.create(employee=managers[0], delegate=stand_in, starts_on=today, ends_on=today)
    requisition, requester = cart(france, 5, manager=managers[0], org_unit=units[-1])
    ContentType.objects.get_for_model(Requisition)  # cached once per process: not the submission's cost

    # When it is submitted
    with CaptureQueriesContext(connection) as queries:
        submitted = requisition_submit(requisition=requisition, by=requester)

    # Then each manager up to the top one, then finance, approve; the direct manager's task is open (held by the
    # stand-in while they are away), in the same number of queries every time
    steps = ApprovalStep.objects.filter(chain__requisition=submitted).order_by("position")
    assert [step.approvers.get().approver for step in steps] == [*managers, finance]
    assert [task.owner for task in open_tasks(submitted)] == [(stand_in if away else managers[0]).user]
    assert len(queries) == (SUBMIT_HIERARCHY_AWAY_QUERIES if away else SUBMIT_HIERARCHY_QUERIES)


@pytest.mark.parametrize(
    ("lines", "stages"),
    [
        (5, [(ApprovalMode.ANY, 1), (ApprovalMode.ANY, 1)]),
        (50, [(ApprovalMode.ANY, 1), (ApprovalMode.ANY, 1)]),
        (5, [(ApprovalMode.ANY, 3), (ApprovalMode.ANY, 1)]),
        (5, [(ApprovalMode.ALL, 3), (ApprovalMode.ANY, 1)]),
        (5, [(ApprovalMode.ANY, 1), (ApprovalMode.ANY, 1), (ApprovalMode.ALL, 3), (ApprovalMode.ANY, 3)]),
        (50, [(ApprovalMode.ALL, 3), (ApprovalMode.ANY, 3), (ApprovalMode.ANY, 1), (ApprovalMode.ALL, 1)]),
    ],
)
def test_submit_takes_the_same_queries_whatever_the_lines_approvers_and_stages(france, lines, stages):
    # Given a cart of `lines` lines and a chain of `stages`
    chain_of(france, stages)
    requisition, requester = cart(france, lines)

    ContentType.objects.get_for_model(Requisition)  # cached once per process: not the submission's cost

    # When it is submitted
    with CaptureQueriesContext(connection) as queries:
        submitted = requisition_submit(requisition=requisition, by=requester)

    # Then it is in approval with the first stage's tasks open, in the same number of queries every time
    assert submitted.status == "in_approval"
    assert len(open_tasks(submitted)) == stages[0][1]
    assert ApprovalStep.objects.filter(chain__requisition=submitted).count() == len(stages)
    assert len(queries) == SUBMIT_QUERIES


@pytest.mark.parametrize(
    ("lines", "stages"),
    [
        (5, [(ApprovalMode.ANY, 1), (ApprovalMode.ANY, 1)]),
        (50, [(ApprovalMode.ANY, 1), (ApprovalMode.ANY, 1)]),
        (5, [(ApprovalMode.ANY, 3), (ApprovalMode.ANY, 1)]),
        (5, [(ApprovalMode.ANY, 1), (ApprovalMode.ANY, 3)]),
        (5, [(ApprovalMode.ANY, 3), (ApprovalMode.ALL, 3), (ApprovalMode.ANY, 1), (ApprovalMode.ANY, 1)]),
        (50, [(ApprovalMode.ALL, 1), (ApprovalMode.ANY, 3)]),
        (5, [(ApprovalMode.ALL, 3), (ApprovalMode.ANY, 1)]),
        (50, [(ApprovalMode.ALL, 3), (ApprovalMode.ALL, 3), (ApprovalMode.ANY, 1)]),
    ],
)
def test_a_decision_that_is_not_the_last_takes_the_same_queries_whatever_the_sizes(france, lines, stages):
    # Given a submitted requisition of `lines` lines waiting for the first of `stages`
    chain_of(france, stages)
    requisition, requester = cart(france, lines)
    requisition_submit(requisition=requisition, by=requester)
    first_mode = stages[0][0]
    tasks = open_tasks(requisition)

    # When the first stage's approvers approve (all of them for all-of, one for any-of)
    counts = [decide(task) for task in (tasks if first_mode == ApprovalMode.ALL else tasks[:1])]

    # Then the stage is decided by the last of those decisions, which opens the next stage's tasks; approvals
    # before it only complete their own task; each in the same number of queries whatever the sizes
    assert len(open_tasks(requisition)) == stages[1][1]
    assert counts[-1] == DECIDE_QUERIES[first_mode]
    assert counts[:-1] == [DECIDE_UNDECIDED_QUERIES] * (len(counts) - 1)


# --- the last approval, with its purchase orders -------------------------------------------------------------
# Counted by the orders helper's own test: tests/p2p/test_final_approval_queries.py (the approvals part of it
# is the decision above, ending the process instead of opening a stage).
