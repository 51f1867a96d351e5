"""A people change moves open approval work by the usual rules (p2p.people_changes, approvals.reroute)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from approvals.errors import ApprovalError
from approvals.models import ApprovalStep, Delegation
from approvals.services import delegation_create
from p2p.people_changes import EmployeeOrgChange, PeopleChangeResult, employees_org_apply
from p2p.submit_to_order import approval_decide
from procurement.models import AuditEvent, Role
from tests.factories import EmployeeFactory, UserFactory

from .helpers import decide, open_tasks, person, submitted

pytestmark = pytest.mark.usefixtures("acme")


def _result(changed=1, rerouted=0, reassigned=0, ended=0):
    return PeopleChangeResult(
        changed_employees=changed, rerouted_tasks=rerouted, reassigned_tasks=reassigned, delegations_ended=ended
    )


def _newcomer(username, name, *, manager, limit_eur=None):
    acme_fr = person("alice").legal_entities.order_by("code")
    first, last = name.split()
    return EmployeeFactory(
        user=UserFactory(username=username, first_name=first, last_name=last, email=f"{username}@acme.example"),
        legal_entities=list(acme_fr),
        manager=manager,
        signing_limit_minor=None if limit_eur is None else limit_eur * 100,
        signing_limit_currency="" if limit_eur is None else "EUR",
        roles=[Role.APPROVER],
    )


def _stages(requisition):
    """(position, name, status, [(approver, status)]) of the requisition's chain."""
    return [
        (step.position, step.name, step.status, [(a.approver.user.username, a.status) for a in step.approvers.all()])
        for step in ApprovalStep.objects.filter(chain__requisition=requisition)
        .prefetch_related("approvers__approver__user")
        .order_by("position")
    ]


def test_a_new_manager_takes_the_pending_task_with_history_audit_and_notice(django_capture_on_commit_callbacks):
    # Given alice's 500 EUR requisition waits for bob, her manager; ben (limit 1,000 EUR) joins under carol
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    ben = _newcomer("ben", "Ben Noir", manager=person("carol"), limit_eur=1_000)
    mail.outbox.clear()
    # When the org import says alice reports to ben now
    with django_capture_on_commit_callbacks(execute=True):
        result = employees_org_apply(
            changes=[EmployeeOrgChange(employee=person("alice"), manager=ben)], by=None, source="org_import"
        )
    # Then the same task waits for ben, not bob; the history, the audit and ben's e-mail say so
    assert result == _result(rerouted=1)
    assert open_tasks(requisition) == {"ben": task_id}
    assert _stages(requisition) == [(1, "Manager: Ben Noir", "pending", [("bob", "cancelled"), ("ben", "pending")])]
    [event] = requisition.events.filter(kind="rerouted")
    assert event.data == {"step": "Manager: Ben Noir", "from": "bob", "to": "ben", "reason": "rules"}
    assert event.comment == "The organisation changed; now with Ben Noir by the purchasing rules."
    assert [(e.data, e.object_id) for e in AuditEvent.objects.filter(event_type="approvals.task.rerouted")] == [
        (
            {
                "step": "Manager: Ben Noir",
                "from": "bob",
                "to": "ben",
                "reason": "rules",
                "task": task_id,
                "chain": requisition.approval_chains.get().pk,
                "source": "org_import",
            },
            str(requisition.pk),
        )
    ]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ben@acme.example"], f"Approve {requisition.number} (500.00\xa0EUR) for Alice Martin")
    ]
    # And bob may no longer decide it; ben may
    with pytest.raises(ApprovalError):
        approval_decide(task_id=task_id, by=person("bob"), decision="approve")
    decide(requisition, "ben")
    requisition.refresh_from_db()
    assert requisition.status == "approved"


def test_a_decided_first_stage_stays_and_the_pending_one_follows_the_new_manager():
    # Given 2,000 EUR: bob (1,000) then carol (10,000); bob approved
    requisition = submitted("2000")
    decide(requisition, "bob")
    assert set(open_tasks(requisition)) == {"carol"}
    # When bob now reports to dave, not carol
    result = employees_org_apply(
        changes=[EmployeeOrgChange(employee=person("bob"), manager=person("dave"))], by=None, source="scim"
    )
    # Then bob's approval stands and the pending stage is dave's
    assert result == _result(rerouted=1)
    assert _stages(requisition) == [
        (1, "Manager: Bob Dubois", "approved", [("bob", "approved")]),
        (2, "Manager: Dave Moreau", "pending", [("carol", "cancelled"), ("dave", "pending")]),
    ]
    assert set(open_tasks(requisition)) == {"dave"}


def test_a_change_that_does_not_touch_the_chain_moves_nothing():
    # Given alice's requisition waits for bob; frank (a buyer under erin) has nothing to do with it
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    # When frank's limit changes, and carol's (above bob, but bob's 1,000 covers 500 EUR)
    result = employees_org_apply(
        changes=[
            EmployeeOrgChange(employee=person("frank"), signing_limit_minor=50_00, signing_limit_currency="EUR"),
            EmployeeOrgChange(employee=person("carol"), signing_limit_minor=20_000_00),
        ],
        by=None,
        source="org_import",
    )
    # Then the task stays with bob and nothing is said in its history
    assert result == _result(changed=2)
    assert open_tasks(requisition) == {"bob": task_id}
    assert requisition.events.filter(kind="rerouted").count() == 0
    assert AuditEvent.objects.filter(event_type="approvals.task.rerouted").count() == 0


def test_the_new_manager_barred_from_the_requisition_is_passed_over_for_the_next_manager():
    # Given alice buys on behalf of carol; bob, alice's manager, has the task
    cart = submitted("500")
    cart.refresh_from_db()
    type(cart).objects.filter(pk=cart.pk).update(on_behalf_of=person("carol"))
    assert set(open_tasks(cart)) == {"bob"}
    # When alice reports to carol, who may not approve what is bought for her
    result = employees_org_apply(
        changes=[EmployeeOrgChange(employee=person("alice"), manager=person("carol"))], by=None, source="admin"
    )
    # Then the rules' next manager, dave, has it
    assert result == _result(rerouted=1)
    assert set(open_tasks(cart)) == {"dave"}
    assert cart.events.get(kind="rerouted").data == {
        "step": "Manager: Carol Lefebvre",
        "from": "bob",
        "to": "dave",
        "reason": "rules",
    }


def test_a_leavers_task_goes_to_their_manager_and_their_login_tokens_and_sessions_end(client):
    # Given bob has alice's requisition to approve, a session and an API token
    from procurement.models import ApiToken
    from tests.factories import api_token

    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    bob = person("bob")
    api_token(bob.user)
    client.force_login(bob.user)
    assert client.get("/").status_code == 200
    draft = submitted("300", username="bob")
    # When bob leaves
    result = employees_org_apply(changes=[EmployeeOrgChange(employee=bob, active=False)], by=None, source="scim")
    # Then his task is carol's (his manager), his login is off, his token revoked, his session gone
    assert result == _result(reassigned=1)
    assert open_tasks(requisition) == {"carol": task_id}
    bob.user.refresh_from_db()
    assert bob.user.is_active is False
    assert ApiToken.objects.get(user=bob.user).revoked_at is not None
    assert client.get("/").status_code == 302  # sent to the login page
    from django.contrib.sessions.models import Session

    assert Session.objects.count() == 0
    assert requisition.events.get(kind="rerouted").data == {
        "step": "Manager: Bob Dubois",
        "from": "bob",
        "to": "carol",
        "reason": "leaver",
    }
    # And his own requisition (waiting for carol) is left as it is, noted in the audit
    assert set(open_tasks(draft)) == {"carol"}
    left = AuditEvent.objects.get(event_type="organisation.employee.left")
    assert left.data == {
        "employee": "bob",
        "source": "scim",
        "tokens_revoked": 1,
        "sessions_ended": 1,
        "open_requisitions": [draft.number],
    }


def test_a_leavers_delegation_ends_and_the_task_comes_back_to_the_approver():
    # Given bob is away; carol decides for him and holds alice's requisition
    today = timezone.localdate()
    delegation_create(
        employee=person("bob"),
        delegate=person("carol"),
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=5),
    )
    requisition = submitted("500")
    task_id = open_tasks(requisition)["carol"]
    # When carol leaves
    result = employees_org_apply(
        changes=[EmployeeOrgChange(employee=person("carol"), active=False)], by=None, source="org_import"
    )
    # Then the delegation ended yesterday and bob has his task back
    assert result == _result(reassigned=1, ended=1)
    assert open_tasks(requisition) == {"bob": task_id}
    assert Delegation.objects.get().ends_on == today - timedelta(days=1)
    ended = AuditEvent.objects.get(event_type="approvals.delegation.ended")
    assert ended.data == {
        "employee": "bob",
        "delegate": "carol",
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "ends_on": {"from": (today + timedelta(days=5)).isoformat(), "to": (today - timedelta(days=1)).isoformat()},
        "source": "org_import",
    }


def test_a_rejoiner_can_sign_in_again_and_nothing_else_moves():
    requisition = submitted("500")
    employees_org_apply(changes=[EmployeeOrgChange(employee=person("bob"), active=False)], by=None, source="scim")
    result = employees_org_apply(
        changes=[EmployeeOrgChange(employee=person("bob"), active=True)], by=None, source="scim"
    )
    assert result == _result()
    assert person("bob").user.is_active is True
    assert set(open_tasks(requisition)) == {"carol"}


def _change_form_data(response):
    """What the admin's change form posts back as it is shown."""
    return _posted(response.context["adminform"].form)


def _posted(form):
    from datetime import datetime

    data: dict[str, object] = {}
    for name in form.fields:
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None:
            continue
        if isinstance(value, datetime):  # a split date and time
            data[f"{key}_0"], data[f"{key}_1"] = value.date().isoformat(), value.time().strftime("%H:%M:%S")
        elif isinstance(value, list | tuple):
            data[key] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[key] = value
    return data


def test_a_manager_changed_on_the_admin_page_re_routes_the_task(admin_client):
    from django.urls import reverse

    # Given alice's requisition waits for bob
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    ben = _newcomer("ben", "Ben Noir", manager=person("carol"), limit_eur=1_000)
    url = reverse("admin:procurement_employee_change", args=[person("alice").pk])
    data = _change_form_data(admin_client.get(url))
    # When an administrator sets ben as alice's manager on her page
    response = admin_client.post(url, {**data, "manager": str(ben.pk)})
    # Then it is saved, audited as an admin change, and ben has the task
    assert response.status_code == 302
    assert person("alice").manager_id == ben.pk
    change = AuditEvent.objects.get(event_type="organisation.employee.changed")
    assert (change.data, change.actor.username) == (
        {"manager": {"from": "bob", "to": "ben"}, "employee": "alice", "source": "admin"},
        "admin",
    )
    assert open_tasks(requisition) == {"ben": task_id}


def test_a_leaver_with_nobody_above_hands_the_task_to_the_entitys_first_administrator():
    # Given carol's 3,000 EUR requisition waits for dave, who has no manager; two administrators of ACME-FR
    requisition = submitted("3000", username="carol")
    task_id = open_tasks(requisition)["dave"]
    for username in ("zoe", "adele"):
        admin = _newcomer(username, f"{username.title()} Admin", manager=None)
        admin.roles.add(Role.ADMIN)
    # When dave leaves
    result = employees_org_apply(
        changes=[EmployeeOrgChange(employee=person("dave"), active=False)], by=None, source="scim"
    )
    # Then the first administrator by user name has it
    assert result == _result(reassigned=1)
    assert open_tasks(requisition) == {"adele": task_id}
    assert requisition.events.get(kind="rerouted").data == {
        "step": "Manager: Dave Moreau",
        "from": "dave",
        "to": "adele",
        "reason": "leaver",
    }


def test_a_user_unticked_active_in_the_admin_is_a_leaver(admin_client):
    from django.urls import reverse

    # Given bob has alice's requisition to approve
    requisition = submitted("500")
    bob = person("bob")
    url = reverse("admin:auth_user_change", args=[bob.user.pk])
    data = _change_form_data(admin_client.get(url))
    inline = admin_client.get(url).context["inline_admin_formsets"][0].formset
    for form in [inline.management_form, *inline.forms]:
        data.update(_posted(form))
    data.pop("is_active", None)  # an unticked box is not posted
    # When an administrator unticks "active" on his user page
    response = admin_client.post(url, data)
    # Then he is a leaver: login off, task with carol, audited as an admin change
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert person("bob").user.is_active is False
    assert set(open_tasks(requisition)) == {"carol"}
    change = AuditEvent.objects.get(event_type="organisation.employee.changed")
    assert change.data == {"active": {"from": True, "to": False}, "employee": "bob", "source": "admin"}


def test_a_task_escalated_to_a_leaver_goes_on_up_to_their_manager():
    from datetime import UTC, datetime

    from viewflow.workflow.models import Task

    from approvals.routing import approvals_escalate

    # Given bob was late on alice's requisition and it was escalated to carol
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    monday = datetime(2026, 11, 16, 9, tzinfo=UTC)
    Task.objects.filter(pk=task_id).update(assigned=monday, created=monday)
    assert approvals_escalate(now=monday + timedelta(hours=73)) == {"reminded": 0, "escalated": 1}
    assert open_tasks(requisition) == {"carol": task_id}
    # When carol leaves
    result = employees_org_apply(
        changes=[EmployeeOrgChange(employee=person("carol"), active=False)], by=None, source="scim"
    )
    # Then it goes on up to dave, not back to late bob
    assert result == _result(reassigned=1)
    assert open_tasks(requisition) == {"dave": task_id}
    assert requisition.events.get(kind="rerouted").data == {
        "step": "Manager: Bob Dubois",
        "from": "carol",
        "to": "dave",
        "reason": "leaver",
    }


def test_a_new_manager_without_enough_authority_is_asked_first_and_the_next_one_after():
    # Given alice's 2,000 EUR requisition: bob (1,000) approved, carol (10,000) is asked now
    requisition = submitted("2000")
    decide(requisition, "bob")
    task_id = open_tasks(requisition)["carol"]
    # When alice moves under ben (1,000 EUR, reporting to carol)
    ben = _newcomer("ben", "Ben Noir", manager=person("carol"), limit_eur=1_000)
    result = employees_org_apply(
        changes=[EmployeeOrgChange(employee=person("alice"), manager=ben)], by=None, source="org_import"
    )
    # Then ben, her new manager, is asked now (carol's task is his) and carol after him; bob's approval stands
    assert result == _result(rerouted=1)
    assert open_tasks(requisition) == {"ben": task_id}
    assert _stages(requisition) == [
        (1, "Manager: Bob Dubois", "approved", [("bob", "approved")]),
        (2, "Manager: Ben Noir", "pending", [("carol", "cancelled"), ("ben", "pending")]),
        (3, "Manager: Carol Lefebvre", "pending", [("carol", "pending")]),
    ]
    decide(requisition, "ben")
    assert set(open_tasks(requisition)) == {"carol"}
    decide(requisition, "carol")
    requisition.refresh_from_db()
    assert requisition.status == "approved"


def test_a_leaver_and_their_reports_new_manager_in_one_batch_move_each_task_once():
    # Given alice's requisition waits for bob; bob has a requisition of his own waiting for carol
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    own = submitted("300", username="bob")
    # When one import says bob left and alice now reports to dave
    result = employees_org_apply(
        changes=[
            EmployeeOrgChange(employee=person("bob"), active=False),
            EmployeeOrgChange(employee=person("alice"), manager=person("dave")),
        ],
        by=None,
        source="org_import",
    )
    # Then alice's task went once, to dave, as the leaver's; bob's own requisition is left with carol
    assert result == _result(changed=2, reassigned=1)
    assert open_tasks(requisition) == {"dave": task_id}
    assert list(requisition.events.filter(kind="rerouted").values_list("data", flat=True)) == [
        {"step": "Manager: Dave Moreau", "from": "bob", "to": "dave", "reason": "leaver"}
    ]
    assert set(open_tasks(own)) == {"carol"}
