import os
from collections.abc import Callable
from io import StringIO

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from procurement.celery import QUEUES
from procurement.celery import app as celery_app
from procurement.models import Employee

from . import document_guard
from .factories import EmployeeFactory, LegalEntityFactory
from .postgres_rule import pytest_collection_modifyitems, pytest_runtest_setup  # noqa: F401 - the `postgres` rule

# Generated inputs are checked for what they prove, not for how fast a shared, loaded machine draws them: no
# per-example deadline, and slow generation is not a failure.
hypothesis_settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("suite")

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used synchronously there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _xml_documents_guarded():
    undo = document_guard.guard_xml()
    yield
    undo()


@pytest.fixture(autouse=True)
def _no_exponent_form(request):
    """No page, API answer, document or e-mail of any test writes a number in exponent form (1E+2)."""
    document_guard.take()
    yield
    from django.core import mail

    for message in getattr(mail, "outbox", []):
        document_guard.scan(f"{message.subject}\n{message.body}", f"the e-mail {message.subject!r}")
        for alternative, _type in getattr(message, "alternatives", []):
            document_guard.scan(str(alternative), f"the e-mail {message.subject!r}")
    found = document_guard.take()
    assert not found, "numbers written in exponent form:\n" + "\n".join(found)


@pytest.fixture
def demo(db):
    """The demo data, loaded as a user loads it (`manage.py seed_demo`): only for the smoke tests of the demo.
    Every other test builds what it needs with tests/factories.py."""
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def france(db):
    return LegalEntityFactory(code="FR-TEST", name="Test France SAS", currency="EUR")


@pytest.fixture
def sweden(db):
    return LegalEntityFactory(code="SE-TEST", name="Test Sverige AB", currency="SEK")


@pytest.fixture
def employee_in(db) -> Callable[..., Employee]:
    def make(*entities, **kwargs) -> Employee:
        return EmployeeFactory(legal_entities=list(entities), **kwargs)

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def redis_worker():
    """A worker consuming from Redis in this process, with tasks no longer run inline."""
    assert os.environ.get("REDIS_URL"), "make test provides REDIS_URL"
    # What earlier tests left in the queues (a beat's jobs, a retry nobody waited for) is not this test's work.
    with celery_app.connection_for_write() as connection:
        for queue in QUEUES:
            connection.default_channel.queue_purge(queue)
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(
            celery_app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=20,
            queues=list(QUEUES),
        ):
            yield
    finally:
        celery_app.conf.task_always_eager = True
