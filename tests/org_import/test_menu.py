"""The top bar offers the organisation import to administrators (and superusers), whether staff or not, and to no one
else, without a query of its own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.middleware import OrgContext
from procurement.models import Role
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = 'href="/organisation/import/"'


def _home(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/")
    assert page.status_code == 200
    return page.content.decode(), len(queries)


def test_an_administrator_who_is_not_staff_sees_the_link_and_a_requester_does_not(client, acme, admin, monkeypatch):
    assert not admin.user.is_staff
    shown, with_link = _home(client, admin.user)
    hidden, _queries = _home(client, acme.alice.user)
    assert (LINK in shown, LINK in hidden) == (True, False)
    # The link costs no query: olga's home page with the menu's answer fixed beforehand sends as many
    monkeypatch.setattr(OrgContext, "may_import_org", property(lambda self: True))
    assert _home(client, admin.user)[1] == with_link


def test_a_superuser_sees_the_link(client, acme):
    root = EmployeeFactory(user=UserFactory(username="root", is_superuser=True), legal_entities=[acme.france])
    assert root.roles.filter(code=Role.ADMIN).count() == 0
    assert LINK in _home(client, root.user)[0]
