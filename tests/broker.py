"""A Celery broker that is away (Redis restarting, a fail-over), for tests of what a committed write does when
the task it queues cannot be published: `broker_away`, used as a fixture with `pytest.mark.usefixtures` or by
importing it into a test module."""

import socket

import pytest

from procurement import task_queue
from procurement.celery import app as celery_app


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once the socket is closed


def _forget_broker_connections() -> None:
    # Celery keeps one connection pool per app, made from broker_url on first use.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_away(monkeypatch):
    """Tasks are published, not run inline, to a broker that does not answer; publishing gives up quickly."""
    monkeypatch.setattr(
        task_queue, "PUBLISH_RETRY_POLICY", {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    )
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{closed_port()}/0", False
    _forget_broker_connections()
    yield
    conf.broker_url, conf.task_always_eager = saved
    _forget_broker_connections()
