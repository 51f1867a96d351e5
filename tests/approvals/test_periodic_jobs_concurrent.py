"""Two beats, or a slow run overlapping the next: the periodic approval jobs run twice at the same moment, each on
its own connection, and every task is still escalated, reminded or delegated exactly once (PostgreSQL)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task

from approvals.models import ApprovalProcess
from approvals.routing import approvals_escalate, delegations_apply
from approvals.services import delegation_create
from requisitions.models import Requisition, RequisitionEvent
from tests.concurrency import run_concurrently

from .helpers import open_tasks, person, submitted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("acme")]

MONDAY = datetime(2026, 11, 16, 9, tzinfo=UTC)
THURSDAY = MONDAY + timedelta(hours=73)  # 73 working hours later: past the 72-hour SLA of the manager rule


def waiting_since(requisition: Requisition, moment: datetime) -> int:
    """bob's task on `requisition`, assigned at `moment` (time has passed since)."""
    task_id = open_tasks(requisition)["bob"]
    Task.objects.filter(pk=task_id).update(assigned=moment, created=moment)
    return task_id


def events(kind: str) -> Counter[str]:
    return Counter(RequisitionEvent.objects.filter(kind=kind).values_list("requisition__number", flat=True))


def test_two_escalation_runs_at_once_escalate_and_remind_each_task_once():
    # Given four requisitions whose tasks waited past their SLA with bob, and three at two thirds of it
    late = [submitted(f"{500 + n}") for n in range(4)]
    due_reminder = [submitted(f"{600 + n}") for n in range(3)]
    for requisition in late:
        waiting_since(requisition, MONDAY)
    for requisition in due_reminder:
        waiting_since(requisition, MONDAY + timedelta(hours=23))  # 50 working hours by Thursday
    mail.outbox.clear()

    # When two escalation runs start at the same moment, each on its own connection
    results = run_concurrently([lambda: approvals_escalate(now=THURSDAY), lambda: approvals_escalate(now=THURSDAY)])

    # Then each late task went up to carol once, and each waiting approver was reminded once
    assert all(isinstance(result, dict) for result in results), results
    assert sum(result["escalated"] for result in results) == 4  # type: ignore[index]
    assert sum(result["reminded"] for result in results) == 3  # type: ignore[index]
    for requisition in late:
        assert set(open_tasks(requisition)) == {"carol"}
    for requisition in due_reminder:
        assert set(open_tasks(requisition)) == {"bob"}
    assert events("escalated") == Counter({r.number: 1 for r in late})
    assert events("reminded") == Counter({r.number: 1 for r in due_reminder})
    sent = Counter((tuple(m.to), m.subject.split(" (")[0]) for m in mail.outbox)
    assert sent == Counter(
        {
            **{(("bob@acme.example",), f"Reminder: {r.number} waits for your approval"): 1 for r in due_reminder},
            **{(("carol@acme.example",), f"Approve {r.number}"): 1 for r in late},
        }
    )

    # And a third run at the same moment finds nothing left to do
    assert approvals_escalate(now=THURSDAY) == {"reminded": 0, "escalated": 0}


def test_a_task_whose_process_is_held_is_left_to_the_holder_and_escalated_by_the_next_run():
    # Given a late task whose approval process someone holds (a decision under way)
    requisition = submitted("500")
    task_id = waiting_since(requisition, MONDAY)
    process_id = Task.objects.get(pk=task_id).process_id
    with transaction.atomic():
        ApprovalProcess.objects.select_for_update().get(pk=process_id)

        # When an escalation run comes meanwhile, on another connection
        [during] = run_concurrently([lambda: approvals_escalate(now=THURSDAY)])

    # Then it waits for nobody and leaves the task; the next run escalates it
    assert during == {"reminded": 0, "escalated": 0}
    assert set(open_tasks(requisition)) == {"bob"}
    assert approvals_escalate(now=THURSDAY) == {"reminded": 0, "escalated": 1}
    assert set(open_tasks(requisition)) == {"carol"}


def test_two_delegation_runs_at_once_move_each_task_once():
    # Given bob's five open tasks and his absence from the day after tomorrow, with dave deciding meanwhile
    waiting = [submitted(f"{500 + n}") for n in range(5)]
    today = timezone.localdate()
    delegation_create(
        employee=person("bob"),
        delegate=person("dave"),
        starts_on=today + timedelta(days=2),
        ends_on=today + timedelta(days=3),
    )
    mail.outbox.clear()

    # When two delegation runs start at the same moment on the first day of the absence
    away_day = today + timedelta(days=2)
    results = run_concurrently([lambda: delegations_apply(today=away_day), lambda: delegations_apply(today=away_day)])

    # Then each task moved to dave once: one event and one e-mail each
    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == 5
    for requisition in waiting:
        assert set(open_tasks(requisition)) == {"dave"}
    assert events("delegated") == Counter({r.number: 1 for r in waiting})
    assert Counter((tuple(m.to), m.subject.split(" (")[0]) for m in mail.outbox) == Counter(
        {(("dave@acme.example",), f"Approve {r.number}"): 1 for r in waiting}
    )

    # And when bob is back, two runs at once give each task back once
    back_day = today + timedelta(days=4)
    results = run_concurrently([lambda: delegations_apply(today=back_day), lambda: delegations_apply(today=back_day)])
    assert sum(results) == 5, results
    for requisition in waiting:
        assert set(open_tasks(requisition)) == {"bob"}
    assert events("delegated") == Counter({r.number: 2 for r in waiting})
