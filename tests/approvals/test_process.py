"""The approval process on viewflow: stages in order, any-of and all-of, reject, return and resubmit."""

from decimal import Decimal

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.errors import ApprovalError
from approvals.models import ApprovalChain, ApprovalMode, PurchasingRule
from approvals.services import purchasing_rule_save
from p2p.submit_to_order import approval_decide, requisition_submit, requisition_withdraw
from requisitions.services import CatalogPick, requisition_create, requisition_lines_add_from_catalog
from tests.factories import EmployeeFactory

from .helpers import decide, open_tasks, person, submitted


def test_stages_are_decided_in_order_and_the_last_approval_approves(acme):
    requisition = submitted("5000")
    assert requisition.status == "in_approval"
    assert set(open_tasks(requisition)) == {"bob"}
    decide(requisition, "bob", comment="fine")
    assert set(open_tasks(requisition)) == {"carol"}
    decide(requisition, "carol")
    requisition.refresh_from_db()
    assert requisition.status == "approved" and open_tasks(requisition) == {}
    chain = ApprovalChain.objects.get(requisition=requisition)
    assert chain.status == "approved"
    assert [(s.name, s.status) for s in chain.steps.all()] == [
        ("Manager: Bob Dubois", "approved"),
        ("Manager: Carol Lefebvre", "approved"),
    ]
    last = requisition.events.filter(kind="status").last()
    assert (last.to_status, last.actor.username) == ("approved", "carol")


@pytest.fixture
def orders_wait_for_a_buyer(acme):
    """Final approval makes the orders and holds them for a buyer: the requisition stays `approved`."""
    purchasing_rule_save(
        rule=PurchasingRule(name="Buyers check every order", position=99, effect=PurchasingRule.Effect.HOLD_FOR_BUYER)
    )


def submitted_it_item(acme, it_item):
    """alice's cart of one IT item, submitted: bob, then the IT reviewers ivan and ines."""
    cart = requisition_create(by=acme.alice, legal_entity=acme.france)
    requisition_lines_add_from_catalog(
        requisition=cart, by=acme.alice, picks=[CatalogPick(item=it_item, quantity=Decimal(1))]
    )
    return requisition_submit(requisition=cart, by=acme.alice)


def test_any_of_closes_at_the_first_approval_and_cancels_the_others(acme, it_item, orders_wait_for_a_buyer):
    requisition = submitted_it_item(acme, it_item)
    decide(requisition, "bob")
    assert set(open_tasks(requisition)) == {"ines", "ivan"}
    ines_task = open_tasks(requisition)["ines"]
    decide(requisition, "ivan")
    requisition.refresh_from_db()
    assert requisition.status == "approved"
    assert Task.objects.get(pk=ines_task).status == STATUS.CANCELED
    with pytest.raises(ApprovalError) as error:
        approval_decide(task_id=ines_task, by=person("ines"), decision="approve")
    assert error.value.code == "already_decided"


def test_all_of_needs_every_approver(acme, it_reviewers, it_item, orders_wait_for_a_buyer):
    rule = it_reviewers.rule
    rule.mode = ApprovalMode.ALL
    purchasing_rule_save(rule=rule)
    requisition = submitted_it_item(acme, it_item)
    decide(requisition, "bob")
    decide(requisition, "ivan")
    assert set(open_tasks(requisition)) == {"ines"}
    requisition.refresh_from_db()
    assert requisition.status == "in_approval"
    decide(requisition, "ines")
    requisition.refresh_from_db()
    assert requisition.status == "approved"


def test_reject_ends_the_process_with_the_comment(acme):
    requisition = submitted("5000")
    with pytest.raises(ApprovalError) as error:
        decide(requisition, "bob", "reject")
    assert error.value.code == "comment_required"
    decide(requisition, "bob", "reject", "Not in this budget year")
    requisition.refresh_from_db()
    assert requisition.status == "rejected" and open_tasks(requisition) == {}
    last = requisition.events.filter(kind="status").last()
    assert (last.to_status, last.comment) == ("rejected", "Not in this budget year")


def test_return_sends_it_back_and_resubmission_resolves_a_new_chain(acme):
    requisition = submitted("5000")
    decide(requisition, "bob")
    decide(requisition, "carol", "return", "Add a quote")
    requisition.refresh_from_db()
    assert requisition.status == "returned"
    resubmitted = requisition_submit(requisition=requisition, by=person("alice"))
    assert resubmitted.status == "in_approval" and set(open_tasks(resubmitted)) == {"bob"}
    assert list(ApprovalChain.objects.filter(requisition=requisition).values_list("status", flat=True)) == [
        "pending",
        "returned",
    ]


def test_only_the_owner_decides_and_never_the_requester(acme):
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    for intruder in ("carol", "alice", "erin"):
        with pytest.raises(ApprovalError) as error:
            approval_decide(task_id=task_id, by=person(intruder), decision="approve")
        assert error.value.code == "not_your_task"
    outsider = EmployeeFactory()
    with pytest.raises(ApprovalError):
        approval_decide(task_id=task_id, by=outsider, decision="approve")
    requisition.refresh_from_db()
    assert requisition.status == "in_approval"


def test_withdrawing_cancels_the_open_tasks(acme):
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    requisition_withdraw(requisition=requisition, by=person("alice"))
    assert Task.objects.get(pk=task_id).status == STATUS.CANCELED
    with pytest.raises(ApprovalError):
        approval_decide(task_id=task_id, by=person("bob"), decision="approve")


def test_n_of_m_needs_that_many_approvals(acme, it_reviewers, it_item, orders_wait_for_a_buyer):
    third = EmployeeFactory(legal_entities=[acme.france, acme.sweden])
    third.user.groups.add(it_reviewers.group)
    rule = it_reviewers.rule
    rule.mode, rule.required_count = ApprovalMode.N_OF_M, 2
    purchasing_rule_save(rule=rule)
    requisition = submitted_it_item(acme, it_item)
    decide(requisition, "bob")
    assert len(open_tasks(requisition)) == 3
    decide(requisition, "ivan")
    requisition.refresh_from_db()
    assert requisition.status == "in_approval" and len(open_tasks(requisition)) == 2
    decide(requisition, "ines")
    requisition.refresh_from_db()
    assert requisition.status == "approved" and open_tasks(requisition) == {}


def test_an_intruder_on_the_inbox_page_gets_a_message_and_nothing_changes(acme, client):
    requisition = submitted("500")
    client.force_login(person("carol").user)
    response = client.post(
        f"/approvals/tasks/{open_tasks(requisition)['bob']}/approve/", HTTP_REFERER="/approvals/", follow=True
    )
    assert "There is no approval task" in response.content.decode()
    requisition.refresh_from_db()
    assert requisition.status == "in_approval"
