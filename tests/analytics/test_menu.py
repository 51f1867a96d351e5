"""The top bar's analytics links are offered to those whose roles open the pages (a requester clicking them was
told 403), read with the session's user: the menu costs no query of its own."""

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from procurement.models import Role
from tests.factories import EmployeeFactory, LegalEntityFactory, UserFactory

pytestmark = pytest.mark.django_db

SPEND = 'href="/analytics/spend/"'
CYCLE = 'href="/analytics/cycle-times/"'
REPORTS = 'href="/analytics/reports/"'


def home_of(employee) -> tuple[str, list[str]]:
    client = Client()
    client.force_login(employee.user)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/")
    assert page.status_code == 200
    return page.content.decode(), [query["sql"] for query in captured.captured_queries]


def test_a_requester_sees_no_analytics_links_finance_and_an_approver_see_theirs():
    entity = LegalEntityFactory(code="FR-ORG")
    requester = EmployeeFactory(user=UserFactory(username="alice"), legal_entities=[entity], roles=[Role.REQUESTER])
    finance = EmployeeFactory(
        user=UserFactory(username="erin"), legal_entities=[entity], roles=[Role.REQUESTER, Role.FINANCE]
    )
    approver = EmployeeFactory(
        user=UserFactory(username="bob"), legal_entities=[entity], roles=[Role.REQUESTER, Role.APPROVER]
    )

    alice_home, _alice_queries = home_of(requester)
    erin_home, _erin_queries = home_of(finance)
    bob_home, _bob_queries = home_of(approver)

    assert (SPEND in alice_home, CYCLE in alice_home, REPORTS in alice_home) == (False, False, True)
    assert (SPEND in erin_home, CYCLE in erin_home, REPORTS in erin_home) == (True, True, True)
    assert (SPEND in bob_home, CYCLE in bob_home) == (False, True)  # approvers see cycle times, not spend
    # The links Alice no longer sees are the pages she may not open; Erin opens both.
    client = Client()
    client.force_login(finance.user)
    assert (client.get("/analytics/spend/").status_code, client.get("/analytics/cycle-times/").status_code) == (
        200,
        200,
    )
    client.force_login(requester.user)
    assert (client.get("/analytics/spend/").status_code, client.get("/analytics/cycle-times/").status_code) == (
        403,
        403,
    )
    # Roles are read in the session user's query: the menu adds no query to the page.
    engine: dict[str, Any] = settings.TEMPLATES[0]
    options = {**engine["OPTIONS"]}
    options["context_processors"] = [
        name for name in options["context_processors"] if name != "analytics.context_processors.menu"
    ]
    templates = [{**engine, "OPTIONS": options}]
    with override_settings(TEMPLATES=templates):
        _home, without_menu = home_of(finance)
    assert len(home_of(finance)[1]) == len(without_menu)
