"""The inbox and decisions, by API and page; nobody decides or sees what is not theirs."""

import pytest

from budgets.models import Budget
from p2p.submit_to_order import approval_decide
from tests.factories import BudgetEntryFactory, BudgetFactory, EmployeeFactory, api_token

from .helpers import open_tasks, person, submitted

pytestmark = pytest.mark.usefixtures("acme")


def api_as(api_client, username_or_employee):
    employee = person(username_or_employee) if isinstance(username_or_employee, str) else username_or_employee
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(employee.user)}")
    return api_client


def test_the_inbox_shows_what_bob_must_decide_and_he_approves(api_client):
    requisition = submitted("5000")
    body = api_as(api_client, "bob").get("/api/v1/approvals/inbox/").json()
    [item] = [i for i in body["results"] if i["requisition"] == requisition.pk]
    assert item["requisition_detail"]["number"] == requisition.number
    assert item["requisition_detail"]["total"] == {"amount": "5000.00", "currency": "EUR"}
    assert item["requisition_detail"]["requester"] == "alice"
    assert item["step"]["name"] == "Manager: Bob Dubois"
    assert item["lines"][0]["description"] == "Services"

    response = api_client.post(f"/api/v1/approvals/tasks/{item['id']}/approve/", {"comment": "ok"}, format="json")
    assert response.json() == {
        "decision": "approve",
        "requisition": requisition.pk,
        "requisition_status": "in_approval",
    }
    assert requisition.pk not in [
        i["requisition"] for i in api_client.get("/api/v1/approvals/inbox/").json()["results"]
    ]
    carol_inbox = api_as(api_client, "carol").get("/api/v1/approvals/inbox/").json()["results"]
    assert carol_inbox[0]["chain_so_far"] == [
        {
            "position": 1,
            "name": "Manager: Bob Dubois",
            "status": "approved",
            "decisions": [{"approver": "bob", "status": "approved", "comment": "ok"}],
        }
    ]


def test_rejecting_needs_a_comment(api_client):
    requisition = submitted("500")
    task = open_tasks(requisition)["bob"]
    client = api_as(api_client, "bob")
    refused = client.post(f"/api/v1/approvals/tasks/{task}/reject/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "comment_required"
    done = client.post(f"/api/v1/approvals/tasks/{task}/reject/", {"comment": "No"}, format="json")
    assert done.json()["requisition_status"] == "rejected"
    again = client.post(f"/api/v1/approvals/tasks/{task}/approve/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"


def test_nobody_else_acts_on_bobs_task(api_client):
    requisition = submitted("500")
    task = open_tasks(requisition)["bob"]
    for intruder in ("carol", "alice", "erin", "frank"):
        response = api_as(api_client, intruder).post(f"/api/v1/approvals/tasks/{task}/approve/", {}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "not_your_task"
    requisition.refresh_from_db()
    assert requisition.status == "in_approval"


def test_the_approver_sees_the_requisition_but_another_entity_does_not(client, api_client):
    from procurement.models import LegalEntity

    requisition = submitted("500")
    assert api_as(api_client, "bob").get(f"/api/v1/requisitions/{requisition.pk}/").status_code == 200
    assert api_as(api_client, "carol").get(f"/api/v1/requisitions/{requisition.pk}/").status_code == 404
    swede = EmployeeFactory(legal_entities=[LegalEntity.objects.get(code="ACME-SE")], roles=["finance"])
    assert api_as(api_client, swede).get(f"/api/v1/requisitions/{requisition.pk}/").status_code == 404
    assert api_as(api_client, swede).get("/api/v1/approvals/inbox/").json()["results"] == []


def test_the_inbox_page_decides_one_and_approves_many(client):
    first, second, third = submitted("100"), submitted("200"), submitted("300")
    client.force_login(person("bob").user)
    page = client.get("/approvals/").content.decode()
    assert all(r.number in page for r in (first, second, third))

    response = client.post(
        f"/approvals/tasks/{open_tasks(first)['bob']}/return/", {"comment": "Which project?"}, follow=True
    )
    assert f"{first.number}: returned." in response.content.decode()
    response = client.post(
        "/approvals/bulk-approve/", {"tasks": [open_tasks(second)["bob"], open_tasks(third)["bob"]]}, follow=True
    )
    assert f"Approved 2: {second.number}, {third.number}." in response.content.decode()
    for requisition, status in ((first, "returned"), (second, "approved"), (third, "approved")):
        requisition.refresh_from_db()
        assert requisition.status == status


def test_a_page_decision_without_comment_is_a_message(client):
    requisition = submitted("100")
    client.force_login(person("bob").user)
    response = client.post(
        f"/approvals/tasks/{open_tasks(requisition)['bob']}/reject/", {}, HTTP_REFERER="/approvals/", follow=True
    )
    assert "a comment is required to reject or return" in response.content.decode()


def test_the_inbox_costs_the_same_queries_for_few_or_many_tasks(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        submitted("100")
    client.force_login(person("bob").user)
    client.get("/api/v1/approvals/inbox/")
    api = client
    with CaptureQueriesContext(connection) as few:
        before = len(api.get("/api/v1/approvals/inbox/").json()["results"])
    for _ in range(10):
        submitted("100")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/approvals/inbox/").json()["results"]) == before + 10
    assert len(many) == len(few)


def test_the_history_page_lists_my_decisions(client):
    requisition = submitted("100")
    from p2p.submit_to_order import approval_decide

    approval_decide(task_id=open_tasks(requisition)["bob"], by=person("bob"), decision="reject", comment="Too soon")
    client.force_login(person("bob").user)
    page = client.get("/approvals/history/").content.decode()
    assert requisition.number in page and "Too soon" in page and "Rejected" in page


def test_the_inbox_filters_by_legal_entity(api_client):
    # Given two requisitions of ACME-FR waiting for bob, and none of ACME-SE
    first, second = submitted("100"), submitted("200")
    client = api_as(api_client, "bob")
    french = client.get("/api/v1/approvals/inbox/", {"legal_entity": "ACME-FR"}).json()
    swedish = client.get("/api/v1/approvals/inbox/", {"legal_entity": "ACME-SE"}).json()
    assert french["count"] == 2 and {i["requisition"] for i in french["results"]} == {first.pk, second.pk}
    assert swedish["count"] == 0 and swedish["results"] == []
    assert client.get("/api/v1/approvals/inbox/", {"legal_entity": "NOPE"}).status_code == 404


def test_the_inbox_shows_the_budget_impact(api_client, acme):
    # Given a warn-only budget of 2,000 EUR on alice's default cost centre FR-ENG, 500 EUR of it spent
    engineering = BudgetFactory(
        cost_centre=acme.alice.default_cost_centre, amount_minor=2_000_00, control=Budget.Control.WARN
    )
    BudgetEntryFactory(budget=engineering, amount_minor=500_00)
    # When alice asks bob to approve 300 EUR
    requisition = submitted("300")
    item = next(
        i
        for i in api_as(api_client, "bob").get("/api/v1/approvals/inbox/").json()["results"]
        if i["requisition"] == requisition.pk
    )
    [impact] = item["budget_impact"]
    assert impact["budget"] == f"FR-ENG {engineering.period_label}" and impact["control"] == "warn"
    assert impact["this_requisition"] == {"amount": "300.00", "currency": "EUR"}
    # 2,000 less 500 spent and the 300 held for this requisition
    assert impact["available"] == {"amount": "1200.00", "currency": "EUR"}


def test_the_top_bar_counts_the_tasks_waiting_for_me_on_every_page(client):
    # given two requisitions waiting for bob and one of them decided
    first, second = submitted("500"), submitted("700")
    bob = person("bob")
    client.force_login(bob.user)

    def badge() -> str | None:
        page = client.get("/purchase-orders/").content.decode()
        marker = 'id="inbox-count"'
        if marker not in page:
            return None
        return page.split(marker, 1)[1].split(">", 1)[1].split("<", 1)[0]

    # then every page's top bar says 2, then 1 once he approved one, then nothing
    assert badge() == "2"
    approval_decide(task_id=open_tasks(first)["bob"], by=bob, decision="approve", comment="")
    assert badge() == "1"
    approval_decide(task_id=open_tasks(second)["bob"], by=bob, decision="approve", comment="")
    assert badge() is None
    # alice, who has nothing to decide, sees no badge
    client.force_login(person("alice").user)
    assert badge() is None
