"""Okta's provisioning, request by request as its SCIM 2.0 reference shows them (tests/identity/scim_fixtures/
okta.json): matching, create, the PUT update, the PATCH deactivation, group push (create, rename, membership,
full replace, delete)."""

import pytest
from django.contrib.auth import get_user_model

from identity.models import GroupRoleMapping, IdentityProvider, ScimGroup
from procurement.models import AuditEvent, Role
from tests.factories import company

from .conftest import Scim, scim_client

pytestmark = pytest.mark.django_db

OKTA_USER_ID = "23a35c27-23d3-4c03-b4c5-6443c09e7173"
OKTA_OTHER_ID = "89bb1940-b905-4575-9e7f-6f887cfb368e"
OKTA_GROUP_ID = "abf4dd94-a4c0-4f67-89c9-76b03340cb9b"


@pytest.fixture
def acme():
    return company()


@pytest.fixture
def okta(acme):
    provider = IdentityProvider.objects.create(
        name="Okta",
        slug="okta",
        legal_entity=acme.france,
        discovery_url="https://acme.okta.com/oauth2/default",
        client_id="procurement",
    )
    provider.default_roles.set([Role.objects.get(code=Role.REQUESTER)])
    GroupRoleMapping.objects.create(provider=provider, group="Test SCIMv2", role=Role.objects.get(code=Role.APPROVER))
    _client, token = scim_client(acme.france, name="Okta provisioning", provider=provider)
    return Scim(token, provider="okta")


def test_okta_creates_updates_with_put_and_deactivates_with_patch(acme, okta):
    # Okta looks for the user first (startIndex and count given)
    response = okta.replay("user_exists")
    assert response.data == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }
    # then creates them (its body carries a password, locale and groups: the password is not kept)
    response = okta.replay("create_user")
    assert response.status_code == 201
    user = get_user_model().objects.get(username="test.user@okta.local")
    assert user.has_usable_password() is False
    assert (user.first_name, user.last_name, user.email) == ("Test", "User", "test.user@okta.local")
    assert list(user.employee.roles.values_list("code", flat=True)) == [Role.REQUESTER]  # the provider's default
    assert (response.data["externalId"], response.data["groups"]) == ("00ujl29u0le5T6Aj10h7", [])
    okta.ids[OKTA_USER_ID] = str(user.pk)
    assert okta.replay("user_exists").data["totalResults"] == 1

    # The import reads every user of ACME-FR: the company's six people and this one
    listed = okta.replay("list_users").data
    assert (listed["totalResults"], listed["startIndex"], listed["itemsPerPage"]) == (7, 1, 7)

    # PUT: GET, then the whole user back with the change
    assert okta.replay("get_user").data["name"]["givenName"] == "Test"
    response = okta.replay("update_user")
    assert response.status_code == 200
    assert response.data["name"] == {"givenName": "Another", "familyName": "User", "formatted": "Another User"}
    assert response.data["externalId"] == "00ujl29u0le5T6Aj10h7"  # left out of the PUT: left as it was

    # Deactivated: a replace without a path, {"active": false}
    response = okta.replay("deactivate_user")
    assert (response.status_code, response.data["active"]) == (200, False)
    user.refresh_from_db()
    assert user.is_active is False
    # still there (Okta never deletes): a GET and the filter find them, inactive
    assert okta.replay("get_user").data["active"] is False
    assert okta.request("GET", "/Users?filter=active eq false").data["totalResults"] == 1
    assert [event.event_type for event in AuditEvent.objects.filter(event_type__startswith="scim.").order_by("pk")] == [
        "scim.user_created",
        "scim.user_updated",
        "scim.user_deactivated",
    ]


def test_okta_group_push_gives_the_mapped_role_to_members(acme, okta):
    okta.replay("create_user")
    user = get_user_model().objects.get(username="test.user@okta.local")
    other = acme.frank.user  # already here before Okta: matched by Okta, pushed as a member
    okta.ids.update({OKTA_USER_ID: str(user.pk), OKTA_OTHER_ID: str(other.pk)})

    response = okta.replay("create_group")
    assert (response.status_code, response.data["displayName"], response.data["members"]) == (201, "Test SCIMv2", [])
    group = ScimGroup.objects.get()
    okta.ids[OKTA_GROUP_ID] = str(group.pk)
    listed = okta.replay("list_groups").data
    assert (listed["totalResults"], [item["id"] for item in listed["Resources"]]) == (1, [str(group.pk)])

    # Okta's full push: replace the members with these two
    assert okta.replay("replace_group_members").status_code == 204
    assert sorted(okta.replay("get_group").data["members"], key=lambda m: m["display"])[0]["value"] == str(other.pk)
    assert set(group.members.values_list("pk", flat=True)) == {user.pk, other.pk}
    assert set(user.employee.roles.values_list("code", flat=True)) == {Role.REQUESTER, Role.APPROVER}
    assert set(other.employee.roles.values_list("code", flat=True)) == {Role.REQUESTER, Role.BUYER, Role.APPROVER}

    # membership: remove the other (members[value eq "…"]) and add the user again, in one request
    assert okta.replay("update_group_membership").status_code == 204
    assert set(group.members.values_list("pk", flat=True)) == {user.pk}
    assert set(other.employee.roles.values_list("code", flat=True)) == {Role.REQUESTER, Role.BUYER}

    # the name pushed again with the group's own id in the value: nothing changes, nothing audited
    before = AuditEvent.objects.count()
    assert okta.replay("rename_group").status_code == 204
    assert AuditEvent.objects.count() == before

    # a PUT (apps made with the wizard) renames the group: the mapping names the old name, so its role goes
    response = okta.request(
        "PUT",
        f"/Groups/{group.pk}",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Test SCIMv20",
            "members": [{"value": str(user.pk)}],
        },
    )
    assert (response.status_code, response.data["displayName"]) == (200, "Test SCIMv20")
    assert set(user.employee.roles.values_list("code", flat=True)) == {Role.REQUESTER}

    assert okta.replay("delete_group").status_code == 204
    assert okta.replay("get_group").status_code == 404
