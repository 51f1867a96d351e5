"""The inbox at any size: the same queries for 3 or 30 open tasks, keyset pages that neither repeat nor skip a
task when tasks come and go between pages, a count that stops at its cap, and the hand-written API rows equal
to what the declared serializer fields give."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from approvals.inbox import InboxCursor, approval_inbox, approval_inbox_count, approval_inbox_page
from approvals.serializers import InboxItemSerializer
from budgets.selectors import budget_impacts
from p2p.submit_to_order import approval_decide, requisition_withdraw

from .helpers import open_tasks, person, submitted

# The API: session, user with employee (the request's edge), the page: the tasks with the capped count (from the
# open-tasks index) joined to their assignment, step, chain and requisition, with the first lines and the earlier
# steps' decisions, in one query; the budget reader's held amounts with their budgets (one query). The page adds
# the top bar's reads (cart, punch-in, notifications); its Approvals badge is the page's own count.
API_QUERIES = 4
PAGE_QUERIES = 8


def bobs_open_task_ids() -> list[int]:
    return list(
        Task.objects.filter(owner__username="bob", flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
        .order_by("created", "pk")
        .values_list("pk", flat=True)
    )


def submitted_with_a_decision(count: int) -> None:
    """`count` requisitions waiting for bob; above his limit, so carol signs after him; one earlier decision
    each for the chains that come to carol."""
    for _ in range(count):
        submitted("100")


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.usefixtures("acme")
def test_the_inbox_api_and_page_cost_the_same_queries_for_3_or_30_open_tasks(client, django_assert_num_queries):
    bob = person("bob")
    client.force_login(bob.user)
    submitted_with_a_decision(3)
    client.get("/api/v1/approvals/inbox/")
    with django_assert_num_queries(API_QUERIES):
        few = client.get("/api/v1/approvals/inbox/").json()
    with django_assert_num_queries(PAGE_QUERIES):
        client.get("/approvals/")
    submitted_with_a_decision(27)
    with django_assert_num_queries(API_QUERIES):
        many = client.get("/api/v1/approvals/inbox/").json()
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get("/approvals/")
    assert (len(few["results"]), len(many["results"])) == (3, 30)
    assert (few["count"], many["count"], many["count_capped"]) == (3, 30, False)
    assert page.content.decode().count('name="tasks"') == 30


@pytest.mark.usefixtures("acme")
def test_every_page_of_the_inbox_costs_the_same_queries(django_assert_num_queries):
    submitted_with_a_decision(12)
    bob = person("bob")
    cursor = None
    pages = 0
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = approval_inbox_page(employee=bob, limit=5, cursor=cursor, budget_impacts=budget_impacts)
        assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3 and len(page.items) == 2


@pytest.mark.parametrize("order", ["oldest", "newest", "amount"])
@pytest.mark.usefixtures("acme")
def test_keyset_pages_neither_repeat_nor_skip_when_tasks_come_and_go_between_pages(order):
    # Given 9 tasks of bob, three of them created at the very same moment (ties are ordered by id)
    submitted_with_a_decision(9)
    moment = timezone.now() - timedelta(hours=1)
    waiting = bobs_open_task_ids()
    Task.objects.filter(pk__in=waiting[3:6]).update(created=moment)
    bob = person("bob")
    alice = person("alice")

    # When bob pages 4 by 4, and between pages a new requisition arrives and one he has not reached is withdrawn
    first = approval_inbox_page(employee=bob, order=order, limit=4)
    seen = [item.task_id for item in first.items]
    arrived = submitted("100")
    new_task = open_tasks(arrived)["bob"]
    not_reached = [
        item
        for item in approval_inbox(employee=bob, order=order, limit=100)
        if item.task_id not in seen and item.task_id != new_task
    ]
    gone = not_reached[0]
    requisition_withdraw(requisition=gone.requisition, by=alice)
    cursor = first.next_cursor
    while cursor is not None:
        page = approval_inbox_page(employee=bob, order=order, limit=4, cursor=cursor)
        seen += [item.task_id for item in page.items]
        cursor = page.next_cursor

    # Then every task open at the start and still open is seen once; the withdrawn one is not; the new one is
    # seen on a later page in oldest order (it is the newest), not in newest order (it sorts before the cursor)
    assert len(seen) == len(set(seen))
    expected = set(waiting) - {gone.task_id}
    if order == "newest":
        assert set(seen) == expected
    else:
        assert set(seen) == expected | {new_task}


@pytest.mark.usefixtures("acme")
def test_the_newest_order_pages_from_the_newest_task_down():
    submitted_with_a_decision(5)
    bob = person("bob")
    first = approval_inbox_page(employee=bob, order="newest", limit=2)
    second = approval_inbox_page(employee=bob, order="newest", limit=2, cursor=first.next_cursor)
    third = approval_inbox_page(employee=bob, order="newest", limit=2, cursor=second.next_cursor)
    ids = [i.task_id for page in (first, second, third) for i in page.items]
    assert ids == list(reversed(bobs_open_task_ids()))
    assert third.next_cursor is None


@pytest.mark.usefixtures("acme")
def test_the_api_pages_by_cursor_and_still_by_page_number(api_client):
    from tests.factories import api_token

    submitted_with_a_decision(3)
    bob = person("bob")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(bob.user)}")
    body = api_client.get("/api/v1/approvals/inbox/").json()
    assert body["next"] is None and len(body["results"]) == 3
    # page= goes on working (an empty page past the end), and a cursor that is not ours is refused
    past_the_end = api_client.get("/api/v1/approvals/inbox/", {"page": 2}).json()
    assert (past_the_end["results"], past_the_end["count"]) == ([], 3)
    refused = api_client.get("/api/v1/approvals/inbox/", {"cursor": "not-a-cursor"})
    assert refused.status_code == 400


@pytest.mark.usefixtures("acme")
def test_a_cursor_positions_a_page_and_shows_nobody_elses_tasks(api_client):
    from tests.factories import api_token

    submitted_with_a_decision(2)
    carol = person("carol")
    cursor = InboxCursor(timezone.now() - timedelta(days=1), 1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(carol.user)}")
    body = api_client.get("/api/v1/approvals/inbox/", {"cursor": cursor.token}).json()
    assert body["results"] == [] and body["count"] == 0
    assert InboxCursor.parse(cursor.token) == cursor


@pytest.mark.usefixtures("acme")
def test_the_count_stops_at_its_cap():
    submitted_with_a_decision(3)
    bob = person("bob")
    assert approval_inbox_count(employee=bob, cap=2) == 3  # cap + 1: more than the cap
    assert approval_inbox_count(employee=bob, cap=3) == 3
    assert approval_inbox_count(employee=bob) == 3


@pytest.mark.usefixtures("acme")
def test_a_page_counts_the_whole_inbox_in_its_own_query():
    # Given 5 tasks of bob
    submitted_with_a_decision(5)
    bob = person("bob")
    # When he reads them 2 by 2 with the count, past the end too
    first = approval_inbox_page(employee=bob, limit=2, count=True)
    second = approval_inbox_page(employee=bob, limit=2, cursor=first.next_cursor, count=True)
    with CaptureQueriesContext(connection) as queries:
        beyond = approval_inbox_page(employee=bob, limit=2, offset=10, count=True)
    # Then every page counts all 5 (not those after its cursor), an empty page too, in the page's one query
    assert (first.count, second.count, beyond.count) == (5, 5, 5)
    assert (len(beyond.items), len(queries)) == (0, 1)
    assert approval_inbox_page(employee=bob, limit=2).count is None


@pytest.mark.usefixtures("acme")
def test_the_api_rows_are_what_the_declared_fields_give():
    # Given tasks with an earlier decision (carol's inbox after bob approved) and lines
    for _ in range(2):
        requisition = submitted("5000")
        approval_decide(task_id=open_tasks(requisition)["bob"], by=person("bob"), decision="approve", comment="ok")
    items = approval_inbox(employee=person("carol"), budget_impacts=budget_impacts)
    assert len(items) == 2 and all(item.earlier_steps for item in items)
    fast = InboxItemSerializer(items, many=True).data
    declared = [serializers.Serializer.to_representation(InboxItemSerializer(), item) for item in items]
    assert [dict(row) for row in fast] == [_plain(row) for row in declared]


def test_the_demo_invoice_row_is_what_the_declared_fields_give(demo):
    from procurement.models import Employee

    erin = Employee.objects.select_related("user").get(user__username="erin")
    items = [item for item in approval_inbox(employee=erin) if item.invoice is not None]
    assert items
    for item in items:
        fast = InboxItemSerializer(item).data
        assert dict(fast) == _plain(serializers.Serializer.to_representation(InboxItemSerializer(), item))


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
