"""The status tracker through one requisition's whole life: draft, in approval with bob holding it, returned with
his comment on top, approved and ordered with a link per order, confirmed, shipped with tracking, received,
invoiced and closed; and a rejected one, and the page and API that show it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from orders.models import PurchaseOrder
from p2p.submit_to_order import requisition_withdraw
from p2p.tracker import requisition_tracker, tracking_url
from procurement.money import Money
from requisitions.models import Requisition
from requisitions.services import requisition_line_add_free_text
from tests.factories import EmployeeFactory, LegalEntityFactory, SupplierFactory
from tests.factories_documents import buying_organisation

from .flows import (
    answering_supplier,
    approve,
    cart,
    confirm,
    invoice,
    manager_chain,
    person,
    receive,
    send_back,
    ship,
    submit,
)

ORDER_STAGES = ("ordered", "confirmed", "shipped", "received", "invoiced", "closed")


@pytest.fixture
def organisation(db):
    made = buying_organisation()
    manager_chain()
    return made


def states(requisition: Requisition, viewer: str = "alice") -> dict[str, str]:
    requisition.refresh_from_db()
    return requisition_tracker(requisition=requisition, viewer=person(viewer)).states()


def upcoming(*keys: str) -> dict[str, str]:
    return dict.fromkeys(keys, "upcoming")


def test_the_tracker_follows_one_requisition_from_draft_to_closed(organisation):
    supplier = answering_supplier()
    requisition = cart("alice", ("Pipettes", "2", "40.00"), ("Gloves", "1", "20.00"), supplier=supplier)

    # Draft: with alice; bob would approve (a preview).
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    assert tracker.states() == {
        "draft": "current",
        "submitted": "upcoming",
        "approval-1": "upcoming",
        **upcoming(*ORDER_STAGES),
    }
    assert [(p.username, p.current) for p in tracker.stages[2].people] == [("bob", False)]
    assert tracker.stages[0].people[0].username == "alice" and tracker.stages[0].people[0].current
    assert [a.name for a in tracker.actions] == ["submit"]
    assert tracker.comment is None

    # In approval: bob has it now.
    submit(requisition)
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    assert tracker.states() == {
        "draft": "done",
        "submitted": "done",
        "approval-1": "current",
        **upcoming(*ORDER_STAGES),
    }
    approval = tracker.stages[2]
    assert [(p.username, p.status, p.current) for p in approval.people] == [("bob", "pending", True)]
    assert tracker.current is approval
    assert [a.name for a in tracker.actions] == ["withdraw"]
    assert [a.name for a in requisition_tracker(requisition=requisition, viewer=person("bob")).actions] == ["decide"]

    # Returned: bob's comment on top, back with alice to edit.
    send_back(requisition, "return", "Please split the gloves onto the lab cost centre.")
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    assert requisition.status == Requisition.Status.RETURNED
    assert (tracker.comment.status, tracker.comment.who, tracker.comment.text) == (
        "returned",
        "Bob Dubois",
        "Please split the gloves onto the lab cost centre.",
    )
    assert tracker.states() == {
        "draft": "current",
        "submitted": "upcoming",
        "approval-1": "upcoming",
        **upcoming(*ORDER_STAGES),
    }
    assert [a.name for a in tracker.actions] == ["edit"]

    # Resubmitted and approved: ordered, one link per order with its number; waiting for the confirmation.
    submit(requisition)
    approve(requisition)
    assert requisition.status == Requisition.Status.ORDERED
    order = PurchaseOrder.objects.get(requisition=requisition)
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    assert tracker.comment is None
    assert tracker.states() == {
        "draft": "done",
        "submitted": "done",
        "approval-1": "done",
        "ordered": "done",
        "confirmed": "current",
        **upcoming("shipped", "received", "invoiced", "closed"),
    }
    bob = tracker.stages[2].people[0]
    assert (bob.username, bob.status, bob.current, bob.decided_at is not None) == ("bob", "approved", False, True)
    ordered = tracker.stages[3]
    assert [(link.label, link.url) for link in ordered.links] == [(order.number, f"/purchase-orders/{order.pk}/")]
    assert [a.name for a in tracker.actions] == ["receive"]

    # Confirmed, then shipped with the carrier's tracking link.
    confirm(order)
    assert states(requisition)["confirmed"] == "done" and states(requisition)["shipped"] == "current"
    ship(order)
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    assert tracker.states() == {
        "draft": "done",
        "submitted": "done",
        "approval-1": "done",
        "ordered": "done",
        "confirmed": "done",
        "shipped": "done",
        "received": "current",
        **upcoming("invoiced", "closed"),
    }
    [shipment] = tracker.stages[5].shipments
    assert (shipment.order, shipment.carrier, shipment.tracking_number, shipment.tracking_url) == (
        order.number,
        "UPS",
        "1Z999",
        "https://www.ups.com/track?tracknum=1Z999",
    )
    assert str(shipment.delivery_on) == "2026-12-04"

    # Received: waiting for the invoice.
    receive(order)
    requisition.refresh_from_db()
    assert requisition.status == Requisition.Status.RECEIVED
    assert states(requisition) == {
        "draft": "done",
        "submitted": "done",
        "approval-1": "done",
        "ordered": "done",
        "confirmed": "done",
        "shipped": "done",
        "received": "done",
        "invoiced": "current",
        "closed": "upcoming",
    }

    # Partly invoiced: still current, partly; then fully invoiced, and the order closes by itself.
    pipettes, gloves = order.lines.order_by("line_number")
    invoice(order, pipettes, number="INV-1")
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    invoiced = tracker.stages[7]
    assert (invoiced.key, invoiced.state, invoiced.partly) == ("invoiced", "current", True)
    invoice(order, gloves, number="INV-2")
    requisition.refresh_from_db()
    assert requisition.status == Requisition.Status.CLOSED
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    assert set(tracker.states().values()) == {"done"}
    assert tracker.current is None and tracker.actions == []


def test_a_rejected_requisition_shows_the_comment_on_top_skips_the_rest_and_offers_a_copy(organisation):
    requisition = submit(cart("alice"))
    send_back(requisition, "reject", "We have pipettes in stock.")
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    assert (tracker.comment.status, tracker.comment.who, tracker.comment.text) == (
        "rejected",
        "Bob Dubois",
        "We have pipettes in stock.",
    )
    assert tracker.states() == {
        "draft": "done",
        "submitted": "done",
        "approval-1": "done",
        **dict.fromkeys(ORDER_STAGES, "skipped"),
    }
    assert tracker.stages[2].outcome == "rejected"
    assert [(a.name, a.method) for a in tracker.actions] == [("copy", "post")]


def test_a_withdrawn_requisition_stops_at_the_stage_that_waited(organisation):
    requisition = submit(cart("alice"))
    requisition_withdraw(requisition=requisition, by=person("alice"), comment="Ordered elsewhere")
    requisition.refresh_from_db()
    tracker = requisition_tracker(requisition=requisition, viewer=person("alice"))
    assert tracker.states() == {
        "draft": "done",
        "submitted": "done",
        "approval-1": "skipped",
        **dict.fromkeys(ORDER_STAGES, "skipped"),
    }
    assert tracker.stages[2].outcome == "withdrawn"
    assert [a.name for a in tracker.actions] == ["copy"]


def test_tracking_links_only_for_known_carriers_and_the_number_is_quoted():
    assert tracking_url("DHL", "JD 0146/0000") == (
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id=JD%200146%2F0000"
    )
    assert tracking_url("Acme Couriers", "123") == ""
    assert tracking_url("UPS", " ") == ""


def test_the_tag_renders_an_ordered_list_with_the_current_step_and_the_api_answers_the_same(organisation):
    requisition = submit(cart("alice"))
    html = Template("{% load p2p_tracker %}{% requisition_tracker requisition %}").render(
        Context({"requisition": requisition, "employee": person("alice")})
    )
    assert '<ol class="tracker-stages"' in html
    assert html.count('aria-current="step"') == 1
    assert 'data-stage="approval-1" data-state="current" aria-current="step"' in html
    assert "has it now" in html and "tracker.css" in html
    assert 'data-action="withdraw"' in html

    client = Client()
    client.force_login(person("alice").user)
    data = client.get(reverse("api-requisition-tracker", args=[requisition.pk])).json()
    assert data["current"] == "approval-1"
    assert [(s["key"], s["state"]) for s in data["stages"]][:3] == [
        ("draft", "done"),
        ("submitted", "done"),
        ("approval-1", "current"),
    ]
    assert [(p["username"], p["current"]) for p in data["stages"][2]["people"]] == [("bob", True)]
    assert data["actions"][0]["name"] == "withdraw" and data["actions"][0]["method"] == "POST"

    # Another entity's member who is not part of it sees nothing.
    stranger = EmployeeFactory(legal_entities=[LegalEntityFactory(code="XX-ORG")])
    client.force_login(stranger.user)
    assert client.get(reverse("api-requisition-tracker", args=[requisition.pk])).status_code == 404


@pytest.fixture
def approving_everything(db):
    made = buying_organisation()
    purchasing_rule_save(
        rule=PurchasingRule(name="Approve everything", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
    )
    return made


def test_an_approval_by_rule_and_the_same_number_of_queries_for_one_order_or_three(approving_everything):
    one = submit(cart("alice", ("Pipettes", "1", "5.00"), supplier=answering_supplier()))
    tracker = requisition_tracker(requisition=one, viewer=person("alice"))
    assert tracker.states() == {
        "draft": "done",
        "submitted": "done",
        "approval": "done",
        "ordered": "done",
        "confirmed": "current",
        **upcoming("shipped", "received", "invoiced", "closed"),
    }
    assert tracker.stages[2].detail == "Approved automatically by a purchasing rule."

    suppliers = [SupplierFactory(code=f"SUP{n}", currency="EUR") for n in range(3)]
    three = submit(cart_from(suppliers))  # one line per supplier: three orders
    assert three.purchase_orders.count() == 3
    assert len(requisition_tracker(requisition=three, viewer=person("alice")).stages[3].links) == 3

    def queries(requisition: Requisition) -> int:
        with CaptureQueriesContext(connection) as captured:
            requisition_tracker(requisition=requisition, viewer=person("alice"))
        return len(captured.captured_queries)

    assert queries(three) == queries(one)


def cart_from(suppliers) -> Requisition:
    made = cart("alice", ("First", "1", "5.00"), supplier=suppliers[0], title="Three suppliers")
    for supplier in suppliers[1:]:
        requisition_line_add_free_text(
            requisition=made,
            by=person("alice"),
            description=f"From {supplier.code}",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal("5.00"), "EUR"),
            supplier=supplier,
        )
    made.refresh_from_db()
    return made
