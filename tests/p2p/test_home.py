"""The home page per role with real data: alice (requester), bob (approver), frank (buyer), erin (finance),
wendy (warehouse); each sees only the entity they act for, in a number of queries that does not grow with rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import PurchasingRule
from approvals.services import delegation_create, purchasing_rule_save
from budgets.models import Budget
from orders.models import PurchaseOrder
from orders.transmission import transmission_send
from p2p.home import home_for
from procurement.models import LegalEntity, Role
from requisitions.models import Requisition
from tests.factories import BudgetEntryFactory, BudgetFactory, CostCentreFactory, EmployeeFactory, SupplierFactory
from tests.factories_documents import CxmlSupplierFactory, buying_organisation
from tests.orders.supplier_endpoint import SECRET, SupplierEndpoint

from .flows import answering_supplier, approve, cart, invoice, manager_chain, person, send_back, submit


@pytest.fixture
def endpoint():
    running = SupplierEndpoint(refuse_with=400)
    yield running
    running.close()


@pytest.fixture
def world(db, endpoint):
    """alice's requisitions in every state in FR-ORG (and two in SE-ORG), an order that failed to send, one held
    for a buyer, an invoice on hold, budgets near their limit, carol's delegation to erin, wendy at the dock."""
    org = buying_organisation()
    manager_chain()
    supplier = answering_supplier()
    held_supplier = SupplierFactory(code="HELDSUP", name="Held Supplies", currency="EUR")
    purchasing_rule_save(
        rule=PurchasingRule(
            name="Held supplier",
            position=20,
            effect=PurchasingRule.Effect.HOLD_FOR_BUYER,
            supplier=held_supplier,
            message="Check the framework price",
        )
    )
    picky = CxmlSupplierFactory(code="PICKY", order_url=endpoint.url, order_shared_secret=SECRET)

    cart("alice", ("Pipette tips", "2", "40.00"), ("Gloves", "1", "20.00"), title="Lab kit")
    submit(cart("alice", title="Microscope"))
    send_back(submit(cart("alice", title="Chairs")), "return", "Too expensive: ask for a quote.")
    send_back(submit(cart("alice", title="Espresso machine")), "reject", "Not for the lab budget.")
    ordered = approve(submit(cart("alice", ("Pipettes", "2", "40.00"), ("Racks", "1", "20.00"), supplier=supplier)))
    approve(submit(cart("alice", ("Framework item", "1", "50.00"), supplier=held_supplier, title="Framework")))
    failed = approve(submit(cart("alice", ("Torque wrench", "1", "10.00"), supplier=picky, title="Wrench")))
    assert transmission_send(transmission_id=failed.purchase_orders.get().transmissions.get().pk) == "failed"
    order = ordered.purchase_orders.get()
    pipettes, _racks = order.lines.order_by("line_number")
    assert invoice(order, pipettes, number="INV-HOLD").status == "exception"  # invoiced before it arrived

    # Sweden: alice's cart and a requisition waiting for bob there; a budget at 99 %.
    se_centre = CostCentreFactory(legal_entity=org.sweden, code="SE-ORG-ENG")
    org.requester.cost_centres.add(se_centre)
    swedish = {"entity": "SE-ORG", "currency": "SEK", "cost_centre": se_centre}
    cart("alice", ("Papper", "1", "40.00"), title="Swedish cart", **swedish)
    submit(cart("alice", ("Mikroskop", "1", "400.00"), title="Swedish microscope", **swedish))
    BudgetEntryFactory(budget=BudgetFactory(cost_centre=se_centre, amount_minor=100_000_00), amount_minor=99_000_00)

    # Budgets near their limit in France: the lab's (hard stop) at 85 %, a warn-only one at 95 %, one at 50 %.
    lab = Budget.objects.get(cost_centre=org.lab)
    BudgetEntryFactory(budget=lab, amount_minor=lab.amount_minor * 85 // 100)
    travel = BudgetFactory(
        cost_centre=CostCentreFactory(legal_entity=org.france, code="FR-ORG-TRV"),
        amount_minor=1_000_00,
        control=Budget.Control.WARN,
    )
    BudgetEntryFactory(budget=travel, amount_minor=950_00)
    BudgetEntryFactory(
        budget=BudgetFactory(cost_centre=CostCentreFactory(legal_entity=org.france, code="FR-ORG-HALF")),
        amount_minor=50_000_00,
    )

    today = timezone.localdate()
    delegation_create(employee=person("carol"), delegate=person("erin"), starts_on=today, ends_on=today + timedelta(7))
    EmployeeFactory(user__username="wendy", legal_entities=[org.france], roles=[Role.WAREHOUSE])
    return org


def home_of(username: str, entity: str = "FR-ORG"):
    return home_for(employee=person(username), legal_entity=LegalEntity.objects.get(code=entity))


def titles(section) -> list[str]:
    return [row.title.split(" · ", 1)[1] for row in section.rows]


def test_alice_sees_her_returned_in_flight_carts_and_orders_to_receive(world):
    home = home_of("alice")
    assert home.roles == ["requester"]
    # To receive: the order sent by hand and the one that failed to send (goods may still come); not the held one.
    assert home.counts() == {"returned": 2, "to_receive": 2, "in_flight": 4, "carts": 1}
    assert [s.key for s in home.sections] == ["returned", "to_receive", "in_flight", "carts"]
    returned = home.section("returned")
    assert [(row.title.split(" · ")[1], row.status, row.who, row.comment) for row in returned.rows] == [
        ("Chairs", "returned", "Bob Dubois", "Too expensive: ask for a quote."),
        ("Espresso machine", "rejected", "Bob Dubois", "Not for the lab budget."),
    ]
    in_flight = home.section("in_flight")
    microscope = next(row for row in in_flight.rows if row.title.endswith("Microscope"))
    assert (microscope.status, microscope.detail) == ("in_approval", "Manager: Bob Dubois")
    assert microscope.who == "Bob Dubois"
    framework = next(row for row in in_flight.rows if row.title.endswith("Framework"))
    assert framework.who == "a buyer" and "Held for a buyer" in framework.detail
    [cart_row] = home.section("carts").rows
    assert (titles(home.section("carts")), cart_row.detail, str(cart_row.amount)) == (
        ["Lab kit"],
        "2 lines",
        "100.00\xa0EUR",
    )
    to_receive = home.section("to_receive").rows[1]  # newest first: the failed order is the newer
    order = PurchaseOrder.objects.get(requisition__title="Lab kit", requisition__status=Requisition.Status.ORDERED)
    assert to_receive.title == f"{order.number} · Sample Supplies"
    assert to_receive.detail == f"2 lines to receive ({order.requisition.number})"
    assert to_receive.url == f"/receiving/orders/{order.pk}/"
    # Sweden's cart and requisition are not of this entity.
    assert "Swedish" not in str([row.title for section in home.sections for row in section.rows])


def test_bob_sees_the_tasks_of_this_entity_oldest_first(world):
    home = home_of("bob")
    assert home.roles == ["requester", "approver"]
    approvals = home.section("approvals")
    assert approvals.count == 1  # the Swedish one waits for him in SE-ORG
    assert [(row.detail, row.who) for row in approvals.rows] == [("Manager: Bob Dubois", "Alice Martin")]
    assert home.sections[0].key == "approvals"
    assert home.section("delegations").count == 0
    assert home_of("bob", "SE-ORG").section("approvals").count == 1


def test_frank_sees_failed_and_held_orders_and_invoices_on_hold(world):
    home = home_of("frank")
    # The invoice on hold asks the buyer first: frank has an approval task too.
    assert home.roles == ["requester", "approver", "buyer"]
    counts = home.counts()
    assert (counts["approvals"], counts["failed_orders"], counts["held_orders"], counts["invoices_on_hold"]) == (
        1,
        1,
        1,
        1,
    )
    assert [row.title for row in home.section("approvals").rows] == ["Invoice INV-HOLD (Sample Supplies)"]
    [failed] = home.section("failed_orders").rows
    assert failed.status == "failed" and failed.title.endswith("Picky Ltd")
    [held] = home.section("held_orders").rows
    assert held.detail == "Check the framework price"
    [on_hold] = home.section("invoices_on_hold").rows
    assert on_hold.title == "INV-HOLD · Sample Supplies"
    assert [s.key for s in home.sections[:4]] == ["approvals", "failed_orders", "invoices_on_hold", "held_orders"]
    assert home_of("frank", "SE-ORG").counts()["failed_orders"] == 0


def test_erin_sees_budgets_near_their_limit_hard_stop_first_and_her_delegation(world):
    home = home_of("erin")
    assert home.roles == ["requester", "approver", "finance"]
    budgets = home.section("budgets")
    assert [(row.title, row.percent, row.status) for row in budgets.rows] == [
        (f"FR-ORG-LAB · {timezone.localdate().year}", 85, "budget-hard"),
        (f"FR-ORG-TRV · {timezone.localdate().year}", 95, "budget-warn"),
    ]
    assert home.section("invoices_on_hold").count == 1
    [delegation] = home.section("delegations").rows
    assert (delegation.title, delegation.status) == ("You approve for Carol Lefebvre", "received")
    [given] = home_of("carol").section("delegations").rows
    assert (given.title, given.status) == ("Your approvals go to Erin Laurent", "given")
    assert [row.title.split(" · ")[0] for row in home_of("erin", "SE-ORG").section("budgets").rows] == ["SE-ORG-ENG"]


def test_the_warehouse_sees_every_order_of_the_entity_to_receive(world):
    home = home_of("wendy")
    assert home.roles == ["requester", "warehouse"]
    assert home.section("to_receive") is None
    to_receive = home.section("entity_to_receive")
    assert (to_receive.title, to_receive.count) == ("To receive for FR-ORG", 2)  # alice's two orders out
    assert [row.title.split(" · ")[1] for row in to_receive.rows] == ["Picky Ltd", "Sample Supplies"]


def test_the_page_and_the_api(world):
    client = Client()
    client.force_login(person("alice").user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="home-returned"' in html and 'data-count="2"' in html
    assert "Too expensive: ask for a quote." in html
    assert "data-primary-action" in html
    data = client.get(reverse("api-home")).json()
    assert data["legal_entity"] == "FR-ORG" and data["roles"] == ["requester"]
    assert data["counts"] == {"returned": 2, "to_receive": 2, "in_flight": 4, "carts": 1}
    assert client.get(reverse("api-home"), {"legal_entity": "SE-ORG"}).json()["counts"]["carts"] == 1
    outsider = LegalEntity.objects.create(code="XX-ORG", name="Elsewhere", currency="EUR")
    assert client.get(reverse("api-home"), {"legal_entity": outsider.code}).status_code == 403


def test_login_lands_on_the_home_page(world):
    client = Client()
    user = person("alice").user
    user.set_password("demo-pass-1")
    user.save()
    response = client.post(reverse("login"), {"username": "alice", "password": "demo-pass-1"})
    assert response.status_code == 302 and response["Location"] == "/"


def queries_of(username: str) -> int:
    client = Client()
    client.force_login(person(username).user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("username", ["alice", "bob", "frank", "erin"])
def test_the_number_of_queries_does_not_grow_with_the_rows(world, username):
    before = queries_of(username)
    # More of everything: carts, requisitions in approval, returned ones, orders to receive.
    for n in range(3):
        cart("alice", title=f"More {n}")
        submit(cart("alice", title=f"Waiting {n}"))
        send_back(submit(cart("alice", title=f"Back {n}")), "return", f"Again {n}")
        supplier = SupplierFactory(code=f"GO{n}", currency="EUR")
        approve(submit(cart("alice", ("Item", "1", "5.00"), supplier=supplier, title=f"Go {n}")))
    assert queries_of(username) == before
