"""Away and late: delegates decide for absent approvers, late tasks go up to the manager."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from approvals.errors import ApprovalError
from approvals.models import ApprovalStepApprover
from approvals.routing import approvals_escalate, delegations_apply, working_hours_between
from approvals.services import delegation_create, delegation_delete
from p2p.submit_to_order import approval_decide

from .helpers import open_tasks, person, submitted

pytestmark = pytest.mark.usefixtures("acme")


def test_open_and_new_tasks_go_to_the_delegate_and_both_names_are_kept():
    waiting = submitted("500")
    today = timezone.localdate()
    delegation = delegation_create(
        employee=person("bob"), delegate=person("carol"), starts_on=today, ends_on=today + timedelta(days=5)
    )
    assert set(open_tasks(waiting)) == {"carol"}
    new = submitted("600")
    assert set(open_tasks(new)) == {"carol"}

    approval_decide(task_id=open_tasks(waiting)["carol"], by=person("carol"), decision="approve")
    decided = ApprovalStepApprover.objects.get(step__chain__requisition=waiting)
    assert (decided.approver.user.username, decided.decided_by.user.username, decided.delegated_from.user.username) == (
        "bob",
        "carol",
        "bob",
    )
    event = waiting.events.get(kind="decision")
    assert event.data["for"] == "Bob Dubois" and event.actor.username == "carol"

    delegation_delete(delegation=delegation, by=person("bob"))
    assert set(open_tasks(new)) == {"bob"}


def test_a_delegation_starts_and_ends_on_its_dates():
    waiting = submitted("500")
    today = timezone.localdate()
    delegation_create(
        employee=person("bob"),
        delegate=person("dave"),
        starts_on=today + timedelta(days=2),
        ends_on=today + timedelta(days=3),
    )
    assert set(open_tasks(waiting)) == {"bob"}
    delegations_apply(today=today + timedelta(days=2))
    assert set(open_tasks(waiting)) == {"dave"}
    delegations_apply(today=today + timedelta(days=4))
    assert set(open_tasks(waiting)) == {"bob"}


def test_a_delegate_never_approves_their_own_requisition():
    today = timezone.localdate()
    delegation_create(employee=person("bob"), delegate=person("alice"), starts_on=today, ends_on=today)
    requisition = submitted("500")
    assert set(open_tasks(requisition)) == {"bob"}  # alice is the requester: bob keeps it


def test_bad_delegations_are_refused():
    today = timezone.localdate()
    with pytest.raises(ApprovalError, match="someone else"):
        delegation_create(employee=person("bob"), delegate=person("bob"), starts_on=today, ends_on=today)
    with pytest.raises(ApprovalError, match="ends before it starts"):
        delegation_create(
            employee=person("bob"), delegate=person("carol"), starts_on=today, ends_on=today - timedelta(days=1)
        )
    delegation_create(employee=person("bob"), delegate=person("carol"), starts_on=today, ends_on=today)
    with pytest.raises(ApprovalError, match="already have a delegation"):
        delegation_create(employee=person("bob"), delegate=person("dave"), starts_on=today, ends_on=today)


def test_working_hours_skip_weekends():
    friday = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert working_hours_between(friday, friday + timedelta(days=3)) == 24  # Fri 12:00 → Mon 12:00
    assert working_hours_between(friday, friday - timedelta(hours=1)) == 0


def test_a_late_task_is_reminded_then_escalated_to_the_manager_with_a_frozen_clock(django_capture_on_commit_callbacks):
    from django.core import mail

    mailoutbox = mail.outbox
    requisition = submitted("500")
    task = Task.objects.get(pk=open_tasks(requisition)["bob"])
    start = datetime(2026, 11, 16, 9, tzinfo=UTC)  # a Monday
    Task.objects.filter(pk=task.pk).update(assigned=start, created=start)

    assert approvals_escalate(now=start + timedelta(hours=40)) == {"reminded": 0, "escalated": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert approvals_escalate(now=start + timedelta(hours=50)) == {"reminded": 1, "escalated": 0}
        assert approvals_escalate(now=start + timedelta(hours=51)) == {"reminded": 0, "escalated": 0}
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["bob@acme.example"], f"Reminder: {requisition.number} waits for your approval")
    ]

    with django_capture_on_commit_callbacks(execute=True):
        assert approvals_escalate(now=start + timedelta(hours=73)) == {"reminded": 0, "escalated": 1}
    assert set(open_tasks(requisition)) == {"carol"}
    assert [(m.to, m.subject) for m in mailoutbox[1:]] == [
        (["carol@acme.example"], f"Approve {requisition.number} (500.00\xa0EUR) for Alice Martin")
    ]
    event = requisition.events.get(kind="escalated")
    assert event.data["from"] == "bob" and event.data["to"] == "carol"
    with pytest.raises(ApprovalError):
        approval_decide(task_id=task.pk, by=person("bob"), decision="approve")
    approval_decide(task_id=task.pk, by=person("carol"), decision="approve")
    requisition.refresh_from_db()
    assert requisition.status == "approved"
    assignment = ApprovalStepApprover.objects.get(step__chain__requisition=requisition)
    assert (assignment.escalated_from.user.username, assignment.decided_by.user.username) == ("bob", "carol")


def test_escalation_never_hands_a_task_to_the_requester():
    from approvals.routing import approvals_escalate as escalate

    # bob asks; his own manager carol approves; if carol is late, her manager dave gets it, never bob
    requisition = submitted("500", username="bob")
    task = Task.objects.get(pk=open_tasks(requisition)["carol"])
    start = datetime(2026, 11, 16, 9, tzinfo=UTC)
    Task.objects.filter(pk=task.pk).update(assigned=start, created=start)
    escalate(now=start + timedelta(hours=80))
    assert set(open_tasks(requisition)) == {"dave"}


def test_the_out_of_office_page_delegates_and_refuses_nonsense(client):
    waiting = submitted("500")
    client.force_login(person("bob").user)
    today = timezone.localdate()
    response = client.post(
        "/approvals/away/",
        {"delegate": person("dave").pk, "starts_on": today.isoformat(), "ends_on": today.isoformat()},
        follow=True,
    )
    assert "Dave Moreau decides your approvals" in response.content.decode()
    assert set(open_tasks(waiting)) == {"dave"}
    response = client.post(
        "/approvals/away/",
        {"delegate": person("dave").pk, "starts_on": "soon"},
        HTTP_REFERER="/approvals/away/",
        follow=True,
    )
    assert "Pick a colleague and both dates." in response.content.decode()
