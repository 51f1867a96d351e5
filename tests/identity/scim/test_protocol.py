"""The SCIM protocol's edges: authentication, isolation between legal entities, errors in the Error schema, paging,
bounds, discovery, and the admin's token shown once."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from identity.models import ScimClient
from identity.scim.auth import token_hash
from identity.scim.protocol import MAX_BODY_BYTES
from procurement.models import AuditEvent
from tests.factories import EmployeeFactory, LegalEntityFactory, UserFactory

from .conftest import Scim, scim_client

pytestmark = pytest.mark.django_db

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture
def france():
    return LegalEntityFactory(code="ACME-FR")


@pytest.fixture
def scim(france):
    _client, token = scim_client(france)
    return Scim(token)


def people(entity, count, prefix="p"):
    return [
        EmployeeFactory(user=UserFactory(username=f"{prefix}{index:02d}"), legal_entities=[entity])
        for index in range(count)
    ]


def test_a_missing_or_wrong_token_is_refused_in_the_error_schema(scim):
    for token in ["", "scim_wrong", "x" * 500]:
        response = scim.request("GET", "/Users", token=token)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="scim"'
        assert response.data == {
            "schemas": [ERROR],
            "status": "401",
            "detail": "A valid SCIM bearer token is needed (Authorization: Bearer …).",
        }
    # a deactivated client's token stops working
    ScimClient.objects.update(is_active=False)
    assert scim.request("GET", "/Users").status_code == 401


def test_the_token_is_kept_only_as_its_hash(scim):
    client = ScimClient.objects.get()
    assert client.token_hash == token_hash(scim.token)
    assert scim.token not in json.dumps(list(ScimClient.objects.values()), default=str)
    assert client.token_hint == scim.token[:9]


def test_a_client_sees_and_changes_only_its_own_entitys_people(france, scim):
    [ours] = people(france, 1, "ours")
    sweden = LegalEntityFactory(code="ACME-SE")
    [theirs] = people(sweden, 1, "theirs")
    admin = EmployeeFactory(
        user=UserFactory(username="root", is_superuser=True, is_staff=True), legal_entities=[france]
    )
    listed = scim.request("GET", "/Users").data
    assert [item["userName"] for item in listed["Resources"]] == ["ours00"]
    for method, body in [
        ("GET", None),
        ("PUT", {"userName": "x"}),
        ("PATCH", {"Operations": [{"op": "replace", "value": {"active": False}}]}),
        ("DELETE", None),
    ]:
        for other in (theirs, admin):
            response = scim.request(method, f"/Users/{other.user_id}", body)
            assert (response.status_code, response.data["status"]) == (404, "404")
    theirs.user.refresh_from_db()
    assert theirs.user.is_active is True
    # their id cannot be made a manager or a group member either
    response = scim.request(
        "PATCH",
        f"/Users/{ours.user_id}",
        {"Operations": [{"op": "add", "path": "manager", "value": str(theirs.user_id)}]},
    )
    assert (response.status_code, response.data["scimType"]) == (400, "invalidValue")
    response = scim.request("POST", "/Groups", {"displayName": "G", "members": [{"value": str(theirs.user_id)}]})
    assert (response.status_code, response.data["scimType"]) == (400, "invalidValue")
    # and another entity's client does not see ours
    _client, token = scim_client(sweden, name="Swedish Entra")
    assert [item["userName"] for item in Scim(token).request("GET", "/Users").data["Resources"]] == ["theirs00"]


def test_filters_refused_with_invalid_filter(scim):
    for text in [
        "userName eq",
        'userName xx "a"',
        'nickName eq "a"',
        'userName eq "a" and (',
        'meta.lastModified gt "2020"',
        "a" * 1001,
    ]:
        response = scim.request("GET", "/Users?filter=" + text.replace(" ", "%20").replace('"', "%22"))
        assert (response.status_code, response.data["scimType"], response.data["status"]) == (
            400,
            "invalidFilter",
            "400",
        ), text


def test_filters_on_external_id_email_and_and(france, scim):
    scim.request(
        "POST",
        "/Users",
        {
            "userName": "ann@acme.example",
            "externalId": "E-1",
            "emails": [{"value": "ann@acme.example", "type": "work", "primary": True}],
        },
    )
    scim.request("POST", "/Users", {"userName": "ben@acme.example", "externalId": "E-2"})

    def names(text):
        return [item["userName"] for item in scim.request("GET", "/Users?filter=" + text).data["Resources"]]

    assert names('externalId eq "E-2"') == ["ben@acme.example"]
    assert names('externalId eq "e-2"') == []  # caseExact
    assert names('emails[type eq "work"].value eq "ANN@acme.example"') == ["ann@acme.example"]
    assert names('emails[type eq "home"].value eq "ann@acme.example"') == []
    assert names('userName sw "b" and externalId eq "E-2"') == ["ben@acme.example"]
    assert names('userName eq "ann@acme.example" or externalId eq "E-2"') == ["ann@acme.example", "ben@acme.example"]
    assert names('not (userName eq "ann@acme.example")') == ["ben@acme.example"]
    assert names('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ben@acme.example"') == ["ben@acme.example"]


def test_paging_counts_exactly(france, scim):
    people(france, 5)
    page = scim.request("GET", "/Users?startIndex=2&count=2").data
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [item["userName"] for item in page["Resources"]] == ["p01", "p02"]
    last = scim.request("GET", "/Users?startIndex=5&count=2").data
    assert (last["totalResults"], last["startIndex"], last["itemsPerPage"], last["Resources"][0]["userName"]) == (
        5,
        5,
        1,
        "p04",
    )
    past = scim.request("GET", "/Users?startIndex=9").data
    assert (past["totalResults"], past["itemsPerPage"], past["Resources"]) == (5, 0, [])
    counted = scim.request("GET", "/Users?count=0").data
    assert (counted["totalResults"], counted["itemsPerPage"]) == (5, 0)
    assert scim.request("GET", "/Users?startIndex=0").data["startIndex"] == 1
    response = scim.request("GET", "/Users?count=many")
    assert (response.status_code, response.data["scimType"]) == (400, "invalidValue")


def test_count_is_cut_to_two_hundred(france, scim):
    people(france, 201)
    page = scim.request("GET", "/Users?count=1000").data
    assert (page["totalResults"], page["itemsPerPage"]) == (201, 200)


def test_a_taken_user_name_is_a_uniqueness_conflict(france, scim):
    assert scim.request("POST", "/Users", {"userName": "ann@acme.example"}).status_code == 201
    response = scim.request("POST", "/Users", {"userName": "ANN@acme.example"})
    assert response.status_code == 409
    assert response.data == {
        "schemas": [ERROR],
        "status": "409",
        "scimType": "uniqueness",
        "detail": 'userName "ANN@acme.example" is already taken.',
    }
    # also against an account the client does not see (another entity's, an administrator's)
    UserFactory(username="root@acme.example", is_superuser=True)
    assert scim.request("POST", "/Users", {"userName": "root@acme.example"}).status_code == 409
    assert get_user_model().objects.filter(username__iexact="ann@acme.example").count() == 1
    # groups' names are unique per client
    assert scim.request("POST", "/Groups", {"displayName": "Buyers"}).status_code == 201
    response = scim.request("POST", "/Groups", {"displayName": "buyers"})
    assert (response.status_code, response.data["scimType"]) == (409, "uniqueness")


def test_bad_bodies_and_values_are_refused_and_nothing_is_written(france, scim):
    [person] = people(france, 1)
    url = f"/Users/{person.user_id}"
    cases = [
        (b"{not json", 400, "invalidSyntax"),
        (json.dumps([1, 2]).encode(), 400, "invalidSyntax"),
        (json.dumps({"Operations": [{"op": "move", "path": "title"}]}).encode(), 400, "invalidSyntax"),
        (json.dumps({"Operations": [{"op": "remove"}]}).encode(), 400, "noTarget"),
        (
            json.dumps({"Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}).encode(),
            400,
            "invalidValue",
        ),
        (
            json.dumps({"Operations": [{"op": "replace", "path": "name.givenName", "value": "x" * 151}]}).encode(),
            400,
            "invalidValue",
        ),
        (json.dumps({"Operations": [{"op": "replace", "path": "id", "value": "7"}]}).encode(), 400, "mutability"),
        (
            json.dumps({"Operations": [{"op": "add", "path": "groups", "value": [{"value": "1"}]}]}).encode(),
            400,
            "mutability",
        ),
        (
            json.dumps({"Operations": [{"op": "replace", "path": "emails[type eq", "value": "a"}]}).encode(),
            400,
            "invalidPath",
        ),
        (
            json.dumps({"Operations": [{"op": "replace", "path": "manager", "value": str(person.user_id)}]}).encode(),
            400,
            "invalidValue",
        ),
        (
            json.dumps({"Operations": [{"op": "replace", "path": "title", "value": "ok"}] * 1001}).encode(),
            400,
            "tooMany",
        ),
    ]
    for raw, status, scim_type in cases:
        response = scim.request("PATCH", url, raw=raw)
        assert (response.status_code, response.data.get("scimType")) == (status, scim_type), raw[:80]
    person.refresh_from_db()
    assert person.job_title == "Engineer"
    assert AuditEvent.objects.count() == 0


def test_an_oversized_body_is_refused_before_it_is_read(france, scim):
    raw = json.dumps({"userName": "big", "title": "x" * (MAX_BODY_BYTES + 1)}).encode()
    response = scim.request("POST", "/Users", raw=raw)
    assert response.status_code == 413
    assert response.data["status"] == "413"
    assert get_user_model().objects.filter(username="big").exists() is False


def test_a_group_member_removed_by_a_filter_that_matches_no_one_is_no_target(france, scim):
    [person] = people(france, 1)
    gid = scim.request("POST", "/Groups", {"displayName": "G", "members": [{"value": str(person.user_id)}]}).data["id"]
    response = scim.request(
        "PATCH", f"/Groups/{gid}", {"Operations": [{"op": "remove", "path": 'members[value eq "999999"]'}]}
    )
    assert (response.status_code, response.data["scimType"]) == (400, "noTarget")
    assert scim.request("GET", "/Groups/not-a-uuid").status_code == 404


def test_csrf_is_not_asked_of_the_machine_endpoint(france, scim):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        "/scim/v2/Users",
        data=json.dumps({"userName": "csrf@acme.example"}),
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {scim.token}"},
    )
    assert response.status_code == 201


def test_discovery_documents(scim):
    config = scim.request("GET", "/ServiceProviderConfig").data
    assert (config["patch"], config["filter"], config["bulk"]["supported"]) == (
        {"supported": True},
        {"supported": True, "maxResults": 200},
        False,
    )
    assert [item["id"] for item in scim.request("GET", "/ResourceTypes").data["Resources"]] == ["User", "Group"]
    schemas = scim.request("GET", "/Schemas").data
    assert [item["id"] for item in schemas["Resources"]] == [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    ]
    one = scim.request("GET", "/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").data
    assert [attribute["name"] for attribute in one["attributes"]] == [
        "employeeNumber",
        "department",
        "costCenter",
        "manager",
    ]
    assert scim.request("GET", "/ResourceTypes/Group").data["endpoint"] == "/Groups"
    assert scim.request("DELETE", "/Schemas").status_code == 405


def test_the_admin_makes_a_client_and_shows_its_token_once(france, admin_client):
    response = admin_client.post(
        "/admin/identity/scimclient/add/",
        {"name": "Entra ID provisioning", "legal_entity": france.pk, "is_active": "on"},
    )
    # shown on the answer to the POST itself: no redirect, so the token is in no message, cookie or session
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    client = ScimClient.objects.get()
    token = response.content.decode().split('<code id="scim-token">')[1].split("</code>")[0]
    assert token_hash(token) == client.token_hash
    assert "scim_" not in "".join(cookie.value for cookie in response.cookies.values())
    assert Scim(token).request("GET", "/Users").status_code == 200
    # never shown again
    page = admin_client.get(f"/admin/identity/scimclient/{client.pk}/change/")
    assert token not in page.content.decode()
    assert AuditEvent.objects.filter(event_type="scim.client_created").count() == 1

    # a new token replaces it: the old one stops working
    response = admin_client.post(
        "/admin/identity/scimclient/", {"action": "token_reissue", "_selected_action": [client.pk]}
    )
    new_token = response.content.decode().split('<code id="scim-token">')[1].split("</code>")[0]
    assert new_token != token
    assert Scim(token).request("GET", "/Users").status_code == 401
    assert Scim(new_token).request("GET", "/Users").status_code == 200
    assert AuditEvent.objects.filter(event_type="scim.client_token_issued").count() == 1


def test_a_page_of_users_costs_the_same_queries_whatever_its_size(france, scim):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people(france, 3)
    scim.request("GET", "/ServiceProviderConfig")  # the token's last use written (once a minute)
    with CaptureQueriesContext(connection) as small:
        assert scim.request("GET", "/Users").data["itemsPerPage"] == 3
    people(france, 20, "q")
    with CaptureQueriesContext(connection) as large:
        assert scim.request("GET", "/Users").data["itemsPerPage"] == 23
    # the client, the count, the page with employees, managers and SCIM rows, the page's groups
    assert len(large.captured_queries) == len(small.captured_queries) == 4


def test_attributes_and_excluded_attributes_select_what_is_returned(france, scim):
    [person] = people(france, 1)
    only = scim.request("GET", f"/Users/{person.user_id}?attributes=userName,emails").data
    assert sorted(only) == ["emails", "id", "meta", "schemas", "userName"]
    without = scim.request("GET", f"/Users/{person.user_id}?excludedAttributes=groups,name").data
    assert "groups" not in without and "name" not in without and without["userName"] == "p00"


def test_the_admin_refuses_an_identity_provider_of_another_entity(france, admin_client):
    from identity.models import IdentityProvider

    sweden = LegalEntityFactory(code="ACME-SE")
    provider = IdentityProvider.objects.create(
        name="Swedish SSO", slug="se", legal_entity=sweden, discovery_url="https://sso.example/se", client_id="x"
    )
    response = admin_client.post(
        "/admin/identity/scimclient/add/",
        {"name": "Entra", "legal_entity": france.pk, "identity_provider": provider.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "identity_provider": ["The identity provider belongs to another legal entity."]
    }
    assert ScimClient.objects.count() == 0
