"""A task queued when a transaction commits runs on a real Celery worker through the test Redis."""

import os
import threading
from collections.abc import Iterator

import pytest
from celery.signals import after_task_publish, task_postrun
from django.core import mail
from django.db import transaction

from procurement.services import notification_send
from procurement.tasks import notification_email_send
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="needs Redis: run `make test`"
    ),
]


class TaskCounts:
    """Notification tasks published to the broker and finished by the worker, counted from Celery's own signals
    (other tasks the worker may run meanwhile do not count)."""

    def __init__(self) -> None:
        self.published = 0
        self.finished = 0
        self.changed = threading.Condition()

    def on_publish(self, sender: object = None, **kwargs: object) -> None:
        if sender != notification_email_send.name:
            return
        with self.changed:
            self.published += 1
            self.changed.notify_all()

    def on_finish(self, sender: object = None, **kwargs: object) -> None:
        if getattr(sender, "name", None) != notification_email_send.name:
            return
        with self.changed:
            self.finished += 1
            self.changed.notify_all()

    def wait_until_all_ran(self, at_least: int, seconds: float = 20) -> None:
        """Wait until `at_least` tasks were published and the worker finished every task published."""
        with self.changed:
            done = self.changed.wait_for(lambda: at_least <= self.published <= self.finished, seconds)
        assert done, f"the worker finished {self.finished} of {self.published} tasks in {seconds} s"


@pytest.fixture
def task_counts() -> Iterator[TaskCounts]:
    counts = TaskCounts()
    after_task_publish.connect(counts.on_publish, weak=False)
    task_postrun.connect(counts.on_finish, weak=False)
    yield counts
    after_task_publish.disconnect(counts.on_publish)
    task_postrun.disconnect(counts.on_finish)


@pytest.mark.django_db(transaction=True)
def test_a_notification_queued_on_commit_is_sent_by_the_worker(redis_worker, task_counts):
    # Given a user with an e-mail address
    user = UserFactory(email="approver@example.com")

    # When a service queues a notification in a transaction that rolls back, and another that commits
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(user=user, subject="Never sent", body="rolled back")
        raise RuntimeError("the work failed")
    with transaction.atomic():
        notification_send(user=user, subject="Requisition to approve", body="Please approve REQ-1.")
        assert mail.outbox == []  # nothing leaves before the commit

    # Then, once the worker has run every task that reached the broker, it has sent exactly the committed one
    task_counts.wait_until_all_ran(at_least=1)
    assert [(m.subject, m.to) for m in mail.outbox] == [("Requisition to approve", ["approver@example.com"])]
