"""Scoped API tokens at the approval: a token without the approvals scope cannot approve (issue 21)."""

import pytest

from procurement.models import AuditEvent
from tests.factories import api_token

from .helpers import open_tasks, person, submitted

pytestmark = pytest.mark.usefixtures("acme")


def test_a_token_without_the_approvals_scope_cannot_approve_and_one_with_it_can(api_client):
    requisition = submitted("500")
    task = open_tasks(requisition)["bob"]
    reader = api_token(person("bob"), scopes=["read", "requisitions"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {reader}")

    inbox = api_client.get("/api/v1/approvals/inbox/").json()["results"]
    assert [item["id"] for item in inbox] == [task]
    for decision in ("approve", "reject", "return"):
        refused = api_client.post(f"/api/v1/approvals/tasks/{task}/{decision}/", {"comment": "no"}, format="json")
        assert refused.status_code == 403
        assert refused.json() == {
            "code": "insufficient_scope",
            "message": "This token lacks the “approvals” scope this request needs.",
        }
    requisition.refresh_from_db()
    assert (requisition.status, open_tasks(requisition)) == ("in_approval", {"bob": task})
    assert not AuditEvent.objects.filter(event_type__startswith="approval", object_id=str(requisition.pk)).exists()

    approver = api_token(person("bob"), scopes=["approvals"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {approver}")
    done = api_client.post(f"/api/v1/approvals/tasks/{task}/approve/", {"comment": "ok"}, format="json")
    assert done.status_code == 200
    assert done.json()["decision"] == "approve"
    # The approvals scope alone reads nothing.
    assert api_client.get("/api/v1/approvals/inbox/").json()["code"] == "insufficient_scope"


def test_the_scope_never_widens_what_the_owner_may_do(api_client):
    requisition = submitted("500")
    task = open_tasks(requisition)["bob"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(person('carol'), scopes=['approvals'])}")
    response = api_client.post(f"/api/v1/approvals/tasks/{task}/approve/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_your_task")


def test_a_web_session_decides_without_any_token(client):
    requisition = submitted("500")
    task = open_tasks(requisition)["bob"]
    client.force_login(person("bob").user)
    response = client.post(
        f"/api/v1/approvals/tasks/{task}/approve/", {"comment": "ok"}, content_type="application/json"
    )
    assert response.status_code == 200
