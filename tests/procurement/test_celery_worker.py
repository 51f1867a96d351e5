"""A task queued when a transaction commits runs on a real Celery worker through the test Redis."""

import os
import time

import pytest
from django.core import mail
from django.db import transaction

from procurement.services import notification_send
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="needs Redis: run `make test`"
    ),
]


def wait_for_mail(count: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_notification_queued_on_commit_is_sent_by_the_worker(redis_worker):
    # Given a user with an e-mail address
    user = UserFactory(email="approver@example.com")

    # When a service queues a notification in a transaction that rolls back, and another that commits
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(user=user, subject="Never sent", body="rolled back")
        raise RuntimeError("the work failed")
    with transaction.atomic():
        notification_send(user=user, subject="Requisition to approve", body="Please approve REQ-1.")
        assert mail.outbox == []  # nothing leaves before the commit

    # Then the worker sends exactly the committed one
    wait_for_mail(1)
    time.sleep(0.5)
    assert [(m.subject, m.to) for m in mail.outbox] == [("Requisition to approve", ["approver@example.com"])]
