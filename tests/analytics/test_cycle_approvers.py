"""Approver turnaround: requisitions submitted and decided through the real approval flow, their tasks' creation and
their decisions then set to known moments; each approver's (and stage's, and month's) count, median and 90th
percentile compared with the same figures computed here, and the open tasks with their ages at a given moment."""

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from analytics.cycle import approver_turnaround, cycle_query
from analytics.cycle_refresh import cycle_refresh
from approvals.flows import ApprovalFlow
from approvals.models import ApprovalChain, ApprovalStepApprover
from procurement.models import LegalEntity
from tests.approvals.helpers import decide, submitted
from tests.factories import company

NOW = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)


def _figure(values):
    values = sorted(values)
    n = len(values)
    return (n, values[math.ceil(n / 2) - 1] if n else None, values[-(-9 * n // 10) - 1] if n else None)


@pytest.fixture
def decided(db):
    """alice's requisitions: bob decides the small ones; carol decides after bob above his 1,000 EUR; some wait."""
    acme = company()
    rng = random.Random(7)
    waiting = []
    for n in range(14):
        amount = "3000" if n % 3 == 0 else "400"
        requisition = submitted(amount)
        if n % 7 == 6:
            waiting.append(requisition)  # bob has not decided yet
            continue
        decide(requisition, "bob", "reject" if n % 5 == 4 else "approve", comment="Not this quarter")
        if amount == "3000" and n % 5 != 4 and n % 2 == 0:
            decide(requisition, "carol")  # the others wait for carol
    expected = []
    # the chains were made before their tasks (the test moves the tasks back in time)
    ApprovalChain.objects.update(created_at=datetime(2025, 12, 31, tzinfo=UTC))
    for assignment in ApprovalStepApprover.objects.select_related("approver__user", "step"):
        task = Task.objects.filter(flow_task=ApprovalFlow.approve, data__assignment=assignment.pk).first()
        if task is None:  # a later stage not reached (bob rejected, or has not decided yet)
            continue
        created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 85), seconds=rng.randrange(86400))
        Task.objects.filter(pk=task.pk).update(created=created)
        if assignment.decided_at is not None:
            decided_at = created + timedelta(seconds=rng.randrange(60, 6 * 86_400))
            ApprovalStepApprover.objects.filter(pk=assignment.pk).update(decided_at=decided_at)
            expected.append((assignment.approver.user.username, assignment.step.name, decided_at, decided_at - created))
    open_tasks: dict[str, list[int]] = {
        task.owner.username: [] for task in Task.objects.filter(flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
    }
    for task in Task.objects.filter(flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED).select_related("owner"):
        open_tasks[task.owner.username].append(int((NOW - task.created).total_seconds()))
    assert cycle_refresh() == {"requisitions": 14, "decisions": len(expected)}
    return acme, expected, open_tasks


def test_each_approvers_turnaround_and_open_tasks_equal_an_independent_computation(decided, api_client):
    acme, expected, open_tasks = decided
    query = cycle_query(
        legal_entity=LegalEntity.objects.get(code="ACME-FR"),
        params={"from": "2026-01", "to": "2026-04"},
        groups=("approver", "stage", "month"),
    )
    rows = {row.key: row for row in approver_turnaround(query, now=NOW)}
    assert set(rows) == {"bob", "carol"}
    for username in ("bob", "carol"):
        durations = [int(d.total_seconds()) for who, _stage, _at, d in expected if who == username]
        row = rows[username]
        assert (row.decisions.count, row.decisions.median, row.decisions.p90) == _figure(durations)
        ages = sorted(open_tasks.get(username, []))
        assert row.open_tasks == len(ages)
        assert row.open_oldest_seconds == (ages[-1] if ages else None)
        assert row.open_median_seconds == (ages[math.ceil(len(ages) / 2) - 1] if ages else None)
    assert rows["bob"].label == "Bob Dubois"
    assert rows["bob"].open_tasks == 2 and rows["carol"].open_tasks >= 1

    api_client.force_authenticate(acme.erin.user)
    body = api_client.get("/api/v1/analytics/approver-turnaround/?from=2026-01&to=2026-04").json()
    bob = next(row for row in body["results"] if row["key"] == "bob")
    assert (bob["decisions"]["count"], bob["decisions"]["median_seconds"], bob["decisions"]["p90_seconds"]) == (
        rows["bob"].decisions.count,
        rows["bob"].decisions.median,
        rows["bob"].decisions.p90,
    )
    assert bob["open_tasks"] == 2

    by_month = api_client.get("/api/v1/analytics/approver-turnaround/?from=2026-01&to=2026-04&group_by=month").json()
    assert [row["key"] for row in by_month["results"]] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    for row in by_month["results"]:
        durations = [int(d.total_seconds()) for _who, _stage, at, d in expected if at.strftime("%Y-%m") == row["key"]]
        n, median, p90 = _figure(durations)
        assert (row["decisions"]["count"], row["decisions"]["median_seconds"], row["decisions"]["p90_seconds"]) == (
            n,
            median,
            p90,
        )
    by_stage = api_client.get("/api/v1/analytics/approver-turnaround/?from=2026-01&to=2026-04&group_by=stage").json()
    stages = {stage for _who, stage, _at, _d in expected}
    assert {row["key"] for row in by_stage["results"]} == stages
    for row in by_stage["results"]:
        durations = [int(d.total_seconds()) for _who, stage, _at, d in expected if stage == row["key"]]
        assert row["decisions"]["count"] == len(durations)
        assert row["decisions"]["median_seconds"] == _figure(durations)[1]


def test_a_requester_may_not_see_approver_turnaround(decided, api_client):
    acme, _expected, _open = decided
    api_client.force_authenticate(acme.alice.user)
    response = api_client.get("/api/v1/analytics/approver-turnaround/")
    assert (response.status_code, response.json()["code"]) == (403, "cycle_times_forbidden")
    api_client.force_authenticate(acme.erin.user)
    bad = api_client.get("/api/v1/analytics/approver-turnaround/?group_by=supplier")
    assert bad.status_code == 400
    assert bad.json() == {"code": "invalid_cycle_request", "message": "group_by is one of approver, stage, month."}
