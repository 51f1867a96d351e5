"""A second click on Approve (inbox or e-mail page) answers the first decision: no red error, decided once."""

import re

import pytest
from django.contrib.messages import get_messages

from approvals.links import decision_link_url
from approvals.models import ApprovalStepApprover
from requisitions.models import RequisitionEvent

from .helpers import open_tasks, person, submitted

pytestmark = pytest.mark.usefixtures("acme")


def told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def decisions_on(requisition) -> int:
    return requisition.events.filter(kind=RequisitionEvent.Kind.DECISION).count()


def row_token(html: str, number: str) -> str:
    row = re.search(rf'<tr data-requisition="{number}">.*?</tr>', html, re.S)
    assert row is not None
    return re.search(r'name="form_token" value="([^"]+)"', row.group(0)).group(1)


def test_approve_sent_twice_from_the_inbox_form_approves_once_and_says_already_decided(client):
    requisition = submitted("100")
    client.force_login(person("bob").user)
    token = row_token(client.get("/approvals/").content.decode(), requisition.number)
    task = open_tasks(requisition)["bob"]
    form = {"comment": "ok", "form_token": token}
    first = client.post(f"/approvals/tasks/{task}/approve/", form)
    again = client.post(f"/approvals/tasks/{task}/approve/", form)

    assert first["Location"] == again["Location"] == "/approvals/"
    assert told(again) == [("success", f"{requisition.number}: approved."), ("info", "Already decided.")]
    assert decisions_on(requisition) == 1


def test_a_second_decision_on_a_task_bob_decided_answers_his_first_decision_not_an_error(client):
    """Without a token too (an old page, Approve then Reject at once): the first outcome, as information."""
    requisition = submitted("100")
    client.force_login(person("bob").user)
    task = open_tasks(requisition)["bob"]
    client.post(f"/approvals/tasks/{task}/approve/", {})
    for decision in ("approve", "reject"):
        response = client.post(f"/approvals/tasks/{task}/{decision}/", {"comment": "no"}, follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        assert f'<div class="alert alert-info info" role="status">{requisition.number}: already approved.</div>' in page
        assert "alert-danger" not in page and 'role="alert"' not in page
    assignment = ApprovalStepApprover.objects.get(approver=person("bob"), step__chain__requisition=requisition)
    assert assignment.status == "approved"
    assert decisions_on(requisition) == 1


def test_a_task_decided_by_someone_else_is_still_an_error(client):
    requisition = submitted("100")
    task = open_tasks(requisition)["bob"]
    client.force_login(person("carol").user)
    response = client.post(f"/approvals/tasks/{task}/approve/", {}, HTTP_REFERER="/approvals/", follow=True)
    assert ("error", f"There is no approval task {task} of yours.") in [
        (m.level_tag, m.message) for m in response.context["messages"]
    ]


def test_approve_clicked_twice_on_the_email_page_shows_the_decision_both_times(client):
    requisition = submitted("100")
    url = decision_link_url(task_id=open_tasks(requisition)["bob"], user_id=person("bob").user_id)
    path = url[url.index("/approvals/") :]
    first = client.post(path, {"decision": "approve"})
    again = client.post(path, {"decision": "approve"})
    assert first.status_code == again.status_code == 200
    for response in (first, again):
        page = response.content.decode()
        assert f"<h1>{requisition.number} approved</h1>" in page
        assert 'role="alert"' not in page
    assert "already been decided" in again.content.decode()
    assert decisions_on(requisition) == 1
    # Opening the link later still says it is decided (a GET changes and shows nothing else).
    assert client.get(path).status_code == 410


def test_above_the_link_limit_a_second_post_without_the_login_learns_nothing(client, acme):
    from procurement.models import LegalEntity

    LegalEntity.objects.filter(pk=acme.france.pk).update(email_approval_limit_minor=100_000)
    requisition = submitted("5000")
    task = open_tasks(requisition)["bob"]
    url = decision_link_url(task_id=task, user_id=person("bob").user_id)
    path = url[url.index("/approvals/") :]
    client.force_login(person("bob").user)
    assert client.post(path, {"decision": "approve"}).status_code == 200
    client.logout()
    anonymous = client.post(path, {"decision": "approve"})
    assert anonymous.status_code == 410 and "approved" not in anonymous.content.decode()


def test_bulk_approve_sent_twice_approves_once(client):
    first, second = submitted("100"), submitted("200")
    client.force_login(person("bob").user)
    html = client.get("/approvals/").content.decode()
    token = re.search(r'id="bulk-form">.*?name="form_token" value="([^"]+)"', html, re.S).group(1)
    form = {"tasks": [open_tasks(first)["bob"], open_tasks(second)["bob"]], "form_token": token}
    client.post("/approvals/bulk-approve/", form)
    again = client.post("/approvals/bulk-approve/", form)
    assert ("info", "Already approved.") in told(again)
    assert not [m for m in told(again) if m[0] == "error"]
    assert decisions_on(first) == decisions_on(second) == 1


def test_ticking_a_task_already_approved_one_by_one_says_so_as_information(client):
    requisition = submitted("100")
    client.force_login(person("bob").user)
    task = open_tasks(requisition)["bob"]
    client.post(f"/approvals/tasks/{task}/approve/", {})
    response = client.post("/approvals/bulk-approve/", {"tasks": [str(task)]}, follow=True)
    page = response.content.decode()
    assert f'<div class="alert alert-info info" role="status">{requisition.number}: already approved.</div>' in page
    assert "alert-danger" not in page and 'role="alert"' not in page
    assert decisions_on(requisition) == 1
