"""Two SCIM requests at the same moment (PostgreSQL, real threads): one create wins, the other is a 409."""

import pytest
from django.contrib.auth import get_user_model

from identity.models import ScimGroup
from tests.concurrency import run_concurrently
from tests.factories import LegalEntityFactory

from .conftest import Scim, scim_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_user_created_twice_at_once_is_created_once():
    _client, token = scim_client(LegalEntityFactory(code="ACME-FR"))
    body = {"userName": "ann@acme.example", "emails": [{"value": "ann@acme.example", "type": "work"}]}
    responses = run_concurrently([lambda: Scim(token).request("POST", "/Users", body) for _ in range(2)])
    assert sorted(response.status_code for response in responses) == [201, 409], responses
    [refused] = [response for response in responses if response.status_code == 409]
    assert refused.data["scimType"] == "uniqueness"
    assert get_user_model().objects.filter(username="ann@acme.example").count() == 1


def test_the_same_group_created_twice_at_once_is_created_once():
    _client, token = scim_client(LegalEntityFactory(code="ACME-FR"))
    responses = run_concurrently(
        [lambda: Scim(token).request("POST", "/Groups", {"displayName": "Buyers"}) for _ in range(2)]
    )
    assert sorted(response.status_code for response in responses) == [201, 409], responses
    assert ScimGroup.objects.filter(display_name="Buyers").count() == 1
