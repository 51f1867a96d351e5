"""Microsoft Entra ID's provisioning cycle, request by request as its documentation shows them
(tests/identity/scim_fixtures/entra.json): matching, create, attribute updates in both of its PATCH dialects, the
manager, a leaver, groups mapped to roles, delete."""

import pytest
from django.contrib.auth import get_user_model

from approvals.flows import ApprovalFlow  # noqa: F401  (the approval flow's tasks, read by open_tasks)
from identity.models import GroupRoleMapping, IdentityProvider, ScimGroup, ScimUser
from procurement.models import AuditEvent, Role
from tests.approvals.helpers import open_tasks, submitted
from tests.factories import company

from .conftest import Scim, scim_client

pytestmark = pytest.mark.django_db

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTRA_USER_NAME = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def acme():
    return company()


@pytest.fixture
def entra(acme):
    provider = IdentityProvider.objects.create(
        name="Entra ID",
        slug="entra",
        legal_entity=acme.france,
        discovery_url="https://login.microsoftonline.com/0000/v2.0",
        client_id="procurement",
    )
    _client, token = scim_client(acme.france, provider=provider)
    return Scim(token, provider="entra")


def _created_user(entra):
    response = entra.replay("create_user")
    assert response.status_code == 201
    user = get_user_model().objects.get(username=ENTRA_USER_NAME)
    entra.ids.update({"6764549bef60420686bc": str(user.pk), "5171a35d82074e068ce2": str(user.pk)})
    return response, user


def test_entra_matches_then_creates_a_user_with_an_employee_in_the_clients_entity(acme, entra):
    # Test connection and the first matching query find no one
    response = entra.replay("get_user_by_query_zero_results")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json; charset=utf-8"
    assert response.data == {"schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}
    assert entra.replay("get_user_by_query").data["totalResults"] == 0

    # POST /Users as Entra sends it
    response, user = _created_user(entra)
    location = f"http://testserver/scim/v2/Users/{user.pk}"
    assert response["Location"] == location
    row = ScimUser.objects.get(user=user)
    assert response.data == {
        "schemas": [USER, ENTERPRISE],
        "id": str(user.pk),
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": ENTRA_USER_NAME,
        "name": {"givenName": "givenName", "familyName": "familyName", "formatted": "givenName familyName"},
        "displayName": "givenName familyName",
        "active": True,
        "emails": [
            {"value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com", "type": "work", "primary": True}
        ],
        "groups": [],
        "meta": {
            "resourceType": "User",
            "created": _iso(row.created_at),
            "lastModified": _iso(row.updated_at),
            "location": location,
            "version": f'W/"{int(row.updated_at.timestamp() * 1000)}"',
        },
    }
    # A user without a password (they sign in through Entra ID), an employee of ACME-FR only, no roles
    assert user.has_usable_password() is False
    assert (user.employee.default_legal_entity, list(user.employee.legal_entities.all())) == (
        acme.france,
        [acme.france],
    )
    assert list(user.employee.roles.all()) == []
    [created] = AuditEvent.objects.filter(event_type="scim.user_created")
    assert created.actor is None
    assert created.data == {
        "source": "scim",
        "client": "Entra ID provisioning",
        "client_id": created.data["client_id"],
        "user": ENTRA_USER_NAME,
        "attributes": ["username", "first_name", "last_name", "email", "externalId"],
    }

    # The same query finds them now
    found = entra.replay("get_user_by_query").data
    assert (found["totalResults"], found["itemsPerPage"], [item["id"] for item in found["Resources"]]) == (
        1,
        1,
        [str(user.pk)],
    )


def test_entra_updates_attributes_in_both_patch_dialects(acme, entra):
    _response, user = _created_user(entra)

    response = entra.replay("update_user_multi_valued")
    assert response.status_code == 200
    assert (response.data["emails"], response.data["name"]["familyName"]) == (
        [{"value": "updatedEmail@microsoft.com", "type": "work", "primary": True}],
        "updatedFamilyName",
    )

    # Without the aadOptscim062020 flag: capitalised ops, one path each, the enterprise number by its URN path
    assert entra.replay("replace_multiple_attributes_without_flag").status_code == 200
    user.refresh_from_db()
    row = ScimUser.objects.get(user=user)
    assert (user.email, user.first_name, user.last_name, row.external_id, row.employee_number) == (
        "TestBcwqnm@test.microsoft.com",
        "Gtfd",
        "Pkqf",
        "Eqpj",
        "Eqpj",
    )
    # With the flag: a replace without a path whose keys are paths
    response = entra.replay("replace_multiple_attributes_with_flag")
    assert response.status_code == 200
    user.refresh_from_db()
    row.refresh_from_db()
    assert (user.email, user.first_name, user.last_name, row.employee_number) == (
        "TestMhvaes@test.microsoft.com",
        "Kkom",
        "Unua",
        "Aklq",
    )
    assert response.data[ENTERPRISE] == {"employeeNumber": "Aklq"}

    # userName replaced
    assert entra.replay("update_user_single_valued").status_code == 200
    user.refresh_from_db()
    assert user.username == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    assert AuditEvent.objects.filter(event_type="scim.user_updated").count() == 4


def test_entra_sets_the_manager_then_department_and_cost_centre(acme, entra):
    _response, user = _created_user(entra)
    bob = acme.bob

    response = entra.replay(
        "update_manager",
        ids={
            "a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1": str(user.pk),
            "00aa00aa-bb11-cc22-dd33-44ee44ee44ee": str(bob.user_id),
        },
    )
    assert response.status_code == 200
    user.employee.refresh_from_db()
    assert user.employee.manager == bob
    assert response.data[ENTERPRISE]["manager"] == {
        "value": str(bob.user_id),
        "$ref": f"http://testserver/scim/v2/Users/{bob.user_id}",
        "displayName": "Bob Dubois",
    }
    # The people change is audited from → to with its source
    [changed] = AuditEvent.objects.filter(event_type="organisation.employee.changed")
    assert changed.data == {"manager": {"from": None, "to": "bob"}, "employee": ENTRA_USER_NAME, "source": "scim"}

    # Entra asks whether the manager is the one it set (id eq … and manager eq …)
    found = entra.request("GET", f'/Users?filter=id eq "{user.pk}" and manager eq "{bob.user_id}"').data
    assert found["totalResults"] == 1

    # A manager as a plain string, department by name, costCenter by code, in the enterprise extension
    from tests.factories import CostCentreFactory, OrgUnitFactory

    OrgUnitFactory(legal_entity=acme.france, code="FR-HR", name="Human Resources")
    CostCentreFactory(legal_entity=acme.france, code="FR-HR-01", name="HR")
    response = entra.request(
        "PATCH",
        f"/Users/{user.pk}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": str(acme.carol.user_id)},
                {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Human Resources"},
                {"op": "Add", "path": f"{ENTERPRISE}:costCenter", "value": "FR-HR-01"},
            ],
        },
    )
    assert response.status_code == 200
    user.employee.refresh_from_db()
    assert (user.employee.manager, user.employee.org_unit.code, user.employee.default_cost_centre.code) == (
        acme.carol,
        "FR-HR",
        "FR-HR-01",
    )
    assert response.data[ENTERPRISE] == {
        "department": "Human Resources",
        "costCenter": "FR-HR-01",
        "manager": {
            "value": str(acme.carol.user_id),
            "$ref": f"http://testserver/scim/v2/Users/{acme.carol.user_id}",
            "displayName": "Carol Lefebvre",
        },
    }
    # An unknown department is refused, naming it, and nothing is written
    response = entra.request(
        "PATCH",
        f"/Users/{user.pk}",
        {"Operations": [{"op": "Replace", "path": "department", "value": "Nowhere"}]},
    )
    assert (response.status_code, response.data["scimType"], response.data["status"]) == (400, "invalidValue", "400")
    assert response.data["detail"] == 'department "Nowhere": no org unit of ACME-FR has this code or name.'


def test_entra_manager_change_reroutes_the_open_task_and_a_leaver_hands_it_to_their_manager(acme, entra):
    # alice (reports to bob) asks for 500 EUR: bob approves it
    requisition = submitted("500.00")
    assert list(open_tasks(requisition)) == ["bob"]

    # Entra moves alice under carol: the open task follows the rules to carol
    response = entra.request(
        "PATCH",
        f"/Users/{acme.alice.user_id}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": {"value": str(acme.carol.user_id)}}
            ],
        },
    )
    assert response.status_code == 200
    assert list(open_tasks(requisition)) == ["carol"]

    # carol leaves: Entra disables her ("False", as a string, without the compliance flag)
    response = entra.replay("disable_user_without_flag", ids={"5171a35d82074e068ce2": str(acme.carol.user_id)})
    assert response.status_code == 200
    assert response.data["active"] is False
    acme.carol.user.refresh_from_db()
    assert acme.carol.user.is_active is False
    # her open task goes to her manager, dave
    assert list(open_tasks(requisition)) == ["dave"]
    [deactivated] = AuditEvent.objects.filter(event_type="scim.user_deactivated")
    assert (deactivated.actor, deactivated.data["user"], deactivated.data["client"]) == (
        None,
        "carol",
        "Entra ID provisioning",
    )
    changes = AuditEvent.objects.filter(event_type="organisation.employee.changed").order_by("pk")
    assert [event.data for event in changes] == [
        {"manager": {"from": "bob", "to": "carol"}, "employee": "alice", "source": "scim"},
        {"active": {"from": True, "to": False}, "employee": "carol", "source": "scim"},
    ]


def test_entra_groups_give_and_take_the_mapped_role(acme, entra):
    _response, user = _created_user(entra)
    provider = IdentityProvider.objects.get(slug="entra")
    # The group's object id (its externalId here, and what the groups claim carries at sign-in) maps to buyer
    GroupRoleMapping.objects.create(
        provider=provider, group="8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", role=Role.objects.get(code=Role.BUYER)
    )
    assert entra.replay("get_group_by_display_name").data["totalResults"] == 0

    response = entra.replay("create_group")
    assert response.status_code == 201
    group = ScimGroup.objects.get()
    assert response.data == {
        "schemas": [GROUP],
        "id": str(group.pk),
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "members": [],
        "meta": {
            "resourceType": "Group",
            "created": _iso(group.created_at),
            "lastModified": _iso(group.updated_at),
            "location": f"http://testserver/scim/v2/Groups/{group.pk}",
            "version": f'W/"{int(group.updated_at.timestamp() * 1000)}"',
        },
    }
    found = entra.replay("get_group_by_display_name").data
    assert found["totalResults"] == 1
    assert "members" not in found["Resources"][0]

    gid, uid = str(group.pk), str(user.pk)
    ids = {"a99962b9f99d4c4fac67": gid, "f648f8d5ea4e4cd38e9c": uid}
    response = entra.replay("update_group_add_members", ids=ids)
    assert (response.status_code, response.content) == (204, b"")
    assert list(user.employee.roles.values_list("code", flat=True)) == [Role.BUYER]
    assert entra.replay("get_group", ids={"40734ae655284ad3abcc": gid}).data["displayName"] == "displayName"
    assert "members" not in entra.replay("get_group", ids={"40734ae655284ad3abcc": gid}).data
    assert entra.request("GET", f"/Groups/{gid}").data["members"] == [
        {"value": uid, "display": ENTRA_USER_NAME, "$ref": f"http://testserver/scim/v2/Users/{uid}"}
    ]

    # removed the old way (by value) …
    assert entra.replay("update_group_remove_members", ids=ids).status_code == 204
    assert list(user.employee.roles.all()) == []
    # … and added again, then removed the compliant way (members[value eq "…"])
    assert entra.replay("update_group_add_members", ids=ids).status_code == 204
    assert list(user.employee.roles.values_list("code", flat=True)) == [Role.BUYER]
    response = entra.replay(
        "remove_group_member_with_flag", ids={"a99962b9f99d4c4fac67": gid, "7f4bc1a3-285e-48ae-8202-5accb43efb0e": uid}
    )
    assert response.status_code == 204
    assert list(user.employee.roles.all()) == []

    # renamed: the mapping names its object id, so it still maps
    assert entra.replay("update_group_non_member_attributes", ids={"fa2ce26709934589afc5": gid}).status_code == 204
    group.refresh_from_db()
    assert group.display_name == "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    assert entra.replay("update_group_add_members", ids=ids).status_code == 204
    assert list(user.employee.roles.values_list("code", flat=True)) == [Role.BUYER]

    # Every change is audited, naming the client and the roles given or taken
    events = AuditEvent.objects.filter(event_type__startswith="scim.group").order_by("pk")
    assert [event.event_type for event in events] == ["scim.group_created"] + ["scim.group_updated"] * 6
    assert events[1].data["roles"] == {uid: {"added": [Role.BUYER], "removed": []}}
    assert events[1].data["members_added"] == [user.pk]

    # the group deleted: its members lose its role
    assert entra.replay("delete_group", ids={"cdb1ce18f65944079d37": gid}).status_code == 204
    assert ScimGroup.objects.count() == 0
    assert list(user.employee.roles.all()) == []


def test_entra_deletes_a_user_who_is_then_gone_and_a_leaver(acme, entra):
    _response, user = _created_user(entra)
    response = entra.replay("delete_user")
    assert (response.status_code, response.content) == (204, b"")
    user.refresh_from_db()
    assert user.is_active is False
    assert entra.request("GET", f"/Users/{user.pk}").status_code == 404
    assert entra.replay("get_user_by_query").data["totalResults"] == 0
    assert [event.event_type for event in AuditEvent.objects.filter(event_type__startswith="scim.").order_by("pk")] == [
        "scim.user_created",
        "scim.user_deactivated",
        "scim.user_deleted",
    ]
    # Created again: the same person comes back, active
    response = entra.replay("create_user")
    assert (response.status_code, response.data["id"], response.data["active"]) == (201, str(user.pk), True)
