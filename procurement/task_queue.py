"""Queueing Celery tasks once a write commits, in one place.

The broker (Redis in production) can be away for a few seconds — a restart, a fail-over. The write that asked for
the task is committed by then, so its answer must not turn into an error (a retry by the user would find the
decision already made and be refused): publishing waits for the broker, retrying for up to
PUBLISH_PATIENCE_SECONDS, and if it is still away the task is logged as not queued instead of raising. Rows that
ask for a task (an order's outbox row) are found again by beat's sweeper; see docs/deploy.md.
"""

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Publishing retries: at once, then every 0.2 s growing to 1 s between tries, about 20 s in all.
PUBLISH_RETRY_POLICY = {"max_retries": 25, "interval_start": 0, "interval_step": 0.2, "interval_max": 1.0}
PUBLISH_PATIENCE_SECONDS = 20


def task_enqueue(name: str, *, kwargs: dict[str, Any], countdown: float | None = None) -> bool:
    """Queue the task named `name` (its explicit Celery name) now; False when the broker stayed away."""
    try:
        options: dict[str, Any] = {"countdown": countdown} if countdown else {}
        current_app.tasks[name].apply_async(kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY, **options)
    except OperationalError as error:
        logger.error("task %s %s not queued: the broker did not answer (%s)", name, kwargs, error)
        return False
    return True


def task_enqueue_on_commit(name: str, *, kwargs: dict[str, Any], countdown: float | None = None) -> None:
    """Queue the task once the current transaction commits (nothing is queued for work that rolled back)."""
    transaction.on_commit(lambda: task_enqueue(name, kwargs=kwargs, countdown=countdown))
