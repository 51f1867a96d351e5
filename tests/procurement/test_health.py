"""/healthz and /readyz as a load balancer and an operator read them: JSON, each dependency named."""

import time

import pytest
from django.core.cache import cache
from django.test import Client

from procurement.celery import app as celery_app
from procurement.health import HEARTBEAT_KEY
from procurement.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_go_to_workers():
    """As in production: tasks are queued for workers, not run in the request."""
    celery_app.conf.task_always_eager = False
    cache.delete(HEARTBEAT_KEY)
    yield
    celery_app.conf.task_always_eager = True
    cache.delete(HEARTBEAT_KEY)


def test_healthz_answers_without_a_login():
    response = Client().get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the worker in this process closes and reopens connections
def test_readyz_is_ready_once_a_worker_ran_the_heartbeat(tasks_go_to_workers, redis_worker):
    # Given no worker has run the beat's heartbeat yet: not ready, and it says why
    before = Client().get("/readyz")
    assert before.status_code == 503
    assert before.json()["checks"]["worker"] == {"ok": False, "mode": "workers", "error": "no heartbeat yet"}

    # When a real worker runs the heartbeat task from the queue
    worker_heartbeat.delay().get(timeout=20)

    # Then every dependency is reported ready
    after = Client().get("/readyz")
    assert after.status_code == 200
    body = after.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert body["checks"]["redis"] == {"ok": True, "configured": True}
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["age_seconds"] <= 20


def test_a_stale_heartbeat_is_not_ready(tasks_go_to_workers, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS = 120
    cache.set(HEARTBEAT_KEY, time.time() - 600, timeout=None)

    response = Client().get("/readyz")

    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False and 600 <= worker["age_seconds"] <= 660


def test_redis_that_does_not_answer_is_not_ready(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {"ok": False, "configured": True, "error": "ConnectionError"}


def test_in_process_tasks_need_no_worker(settings):
    settings.REDIS_URL = ""  # the embedded default: no Redis, tasks run in the request

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == {"ok": True, "mode": "in-process"}
    assert response.json()["checks"]["redis"] == {"ok": True, "configured": False}
