"""A short SLA, end to end: beat's escalation task, run by a real worker from the test Redis, reminds an approver
and hands a late task to the manager, who finds it in the inbox; the requester's history says so."""

import os
import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from viewflow.workflow.models import Task

from approvals.services import purchasing_rule_save
from procurement.celery import app as celery_app
from tests.factories import Company
from tests.waiting import wait_until

from .helpers import open_tasks, person, submitted

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # the worker runs in a thread with its own connection
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="needs Redis: run `make test`"
    ),
]


def working_hours_ago(hours: float, now: datetime) -> datetime:
    """The moment `hours` working hours (Monday to Friday, as approvals.routing counts) before `now`."""
    cursor, remaining = now, hours
    while True:
        midnight = cursor.replace(hour=0, minute=0, second=0, microsecond=0)
        if midnight == cursor:
            midnight -= timedelta(days=1)
        if midnight.weekday() < 5:
            available = (cursor - midnight).total_seconds() / 3600
            if available >= remaining:
                return cursor - timedelta(hours=remaining)
            remaining -= available
        cursor = midnight


def test_beat_escalation_on_a_worker_reminds_and_escalates_with_a_one_hour_sla(acme: Company, redis_worker):
    # Given the manager rule with an SLA of one working hour, and two of alice's requisitions waiting for bob:
    # one for 48 minutes of working time (past two thirds of the hour), one for three working hours
    rule = acme.manager_chain
    rule.sla_hours = 1
    purchasing_rule_save(rule=rule)
    reminded, late = submitted("400"), submitted("500")
    now = timezone.now()
    for requisition, waited in ((reminded, 0.8), (late, 3)):
        moment = working_hours_ago(waited, now)
        Task.objects.filter(pk=open_tasks(requisition)["bob"]).update(assigned=moment, created=moment)
    # (the worker has sent bob the two "Approve" e-mails of the submissions)
    assert wait_until(lambda: len(mail.outbox) >= 2) and len(mail.outbox) == 2
    mail.outbox.clear()

    # When beat's escalation task is queued as beat queues it, and a worker runs it
    result = celery_app.send_task("approvals.approvals_escalate")

    # Then bob was reminded of one and the other went up to carol, and the e-mails went out through the worker
    assert result.get(timeout=60) == {"reminded": 1, "escalated": 1}
    assert set(open_tasks(reminded)) == {"bob"} and set(open_tasks(late)) == {"carol"}
    expected = {
        ("bob@acme.example", f"Reminder: {reminded.number} waits for your approval"),
        ("carol@acme.example", f"Approve {late.number} (500.00\xa0EUR) for Alice Martin"),
    }
    assert wait_until(lambda: len(mail.outbox) >= 2)
    assert {(m.to[0], m.subject) for m in mail.outbox} == expected and len(mail.outbox) == 2

    # carol finds the task in her inbox; bob no longer has it
    carol, bob, alice = Client(), Client(), Client()
    carol.force_login(person("carol").user)
    bob.force_login(person("bob").user)
    alice.force_login(person("alice").user)
    assert late.number in carol.get("/approvals/").content.decode()
    bobs_inbox = bob.get("/approvals/").content.decode()
    assert reminded.number in bobs_inbox and late.number not in bobs_inbox

    # and alice's requisition history shows the escalation, with how long it waited and with whom it is now
    history = alice.get(f"/requisitions/{late.pk}/").content.decode()
    escalated = re.search(r"<li><span class=\"muted\">[^<]*</span> system — Approval escalated[^<]*</li>", history)
    assert escalated is not None, history
    assert escalated.group(0).endswith(
        "— Approval escalated “Waited 3 working hours with Bob Dubois; now with Carol Lefebvre.”</li>"
    )
