"""Entra ID's group overage: a person in too many groups gets an ID token without the groups claim (it names Graph
instead); their groups are read from Microsoft Graph (a local stand-in, tests/identity/fake_graph.py) with the
sign-in's access token, every page, and their roles follow the group mappings exactly. The provider is the real
test provider; its ID token carries `_claim_names` / `_claim_sources` (or `hasgroups`) as Entra's does."""

import pytest

from procurement.models import AuditEvent, Employee, Role
from tests.factories import EmployeeFactory, UserFactory

from .fake_graph import FakeGraph
from .test_oidc_sign_in import acme, ada_claims, page_message, sign_in  # noqa: F401 - acme is a fixture

pytestmark = pytest.mark.django_db

OVERAGE = {
    "_claim_names": {"groups": "src1"},
    "_claim_sources": {
        "src1": {"endpoint": "https://graph.microsoft.com/v1.0/users/0b8a-ada/getMemberObjects"},
    },
}


@pytest.fixture
def graph(oidc_provider, acme):  # noqa: F811 - the fixture imported above
    provider, _bea = acme
    fake = FakeGraph(issuer=oidc_provider.issuer).start()
    provider.graph_url = fake.url
    provider.save()
    yield fake
    fake.stop()


def overage_claims(**changes):
    claims = {**ada_claims(**changes), **OVERAGE}
    del claims["groups"]
    return claims


def test_an_overage_person_gets_the_roles_of_the_groups_graph_tells_every_page_read(client, oidc_provider, graph):
    """Given Ada in five groups, two of them mapped, and Graph answering two ids a page,
    when she signs in with a token that names Graph instead of her groups,
    then her roles are those of the two mapped groups (and the default role), read over three pages."""
    oidc_provider.person("ada", "ada-pw", **overage_claims())
    graph.memberships["ada@acme.example"] = [
        "6c1e-everyone",
        "procurement-approvers",
        "9f0a-lab",
        "procurement-buyers",
        "77aa-site",
    ]
    graph.page_size = 2

    landed = sign_in(client, oidc_provider, "acme", "ada", "ada-pw")

    assert landed.status_code == 302 and landed["Location"] == "/"
    ada = Employee.objects.get(user__email="ada@acme.example")
    assert sorted(ada.roles.values_list("code", flat=True)) == ["approver", "buyer", "requester"]
    assert graph.requests == [
        ("POST", "/v1.0/me/getMemberObjects", {"securityEnabledOnly": False}),
        ("GET", "/v1.0/me/getMemberObjects?$skiptoken=2", None),
        ("GET", "/v1.0/me/getMemberObjects?$skiptoken=4", None),
    ]
    assert "roles" in AuditEvent.objects.get(event_type="identity.sign_in").data["changed"]


def test_the_hasgroups_variant_reads_graph_too_and_removes_a_role_no_longer_given(client, oidc_provider, graph):
    """Given Ada, already a buyer through her groups, whose token now says only `hasgroups: true`,
    when Graph tells she is in the approvers' group only,
    then she is an approver and no longer a buyer."""
    ada = EmployeeFactory(user=UserFactory(username="ada@acme.example", email="ada@acme.example"))
    ada.roles.add(Role.objects.get(code="buyer"))
    claims = ada_claims(hasgroups=True)
    del claims["groups"]
    oidc_provider.person("ada", "ada-pw", **claims)
    graph.memberships["ada@acme.example"] = ["procurement-approvers"]

    assert sign_in(client, oidc_provider, "acme", "ada", "ada-pw").status_code == 302

    assert sorted(ada.roles.values_list("code", flat=True)) == ["approver"]
    assert graph.requests == [("POST", "/v1.0/me/getMemberObjects", {"securityEnabledOnly": False})]


@pytest.mark.parametrize(("status", "reason"), [(503, "graph_unreachable"), (403, "graph_refused")])
def test_graph_failing_refuses_the_sign_in_with_a_clear_page(client, oidc_provider, graph, status, reason):
    """Given Graph answering an error, when an overage person signs in, then the sign-in is refused on a page that
    says why, nobody is signed in or created, and the failure is audited."""
    oidc_provider.person("ada", "ada-pw", **overage_claims())
    graph.fail_with = status

    refused = sign_in(client, oidc_provider, "acme", "ada", "ada-pw")

    assert refused.status_code == 502
    assert page_message(refused) == (
        "You are in more groups than Acme SSO puts in a sign-in token, and your groups could not be read from "
        "Microsoft Graph just now, so your roles here cannot be set. Try again in a moment; if it keeps failing, "
        "ask your administrator."
    )
    assert not Employee.objects.filter(user__email="ada@acme.example").exists()
    assert client.get("/").status_code == 302
    failure = AuditEvent.objects.get(event_type="identity.sign_in_failed")
    assert (failure.data["reason"], failure.data["provider"]) == (reason, "acme")


def test_a_next_link_to_another_host_is_not_followed_with_the_token(client, oidc_provider, graph):
    """Given a Graph page whose next link points elsewhere, the access token is not sent there: the sign-in stops."""
    oidc_provider.person("ada", "ada-pw", **overage_claims())
    graph.memberships["ada@acme.example"] = ["procurement-approvers", "procurement-buyers"]
    graph.page_size = 1
    graph.url = "http://localhost:9"  # the next links it writes name another host

    refused = sign_in(client, oidc_provider, "acme", "ada", "ada-pw")

    assert refused.status_code == 502
    assert len(graph.requests) == 1
    assert AuditEvent.objects.get(event_type="identity.sign_in_failed").data["reason"] == "graph_bad_answer"
