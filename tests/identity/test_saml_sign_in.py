"""Single sign-on through a real SAML 2.0 IdP (pysaml2's Server in its own gunicorn process, tests/identity/saml_idp):
SP-initiated sign-in with a signed AuthnRequest, the signed Response posted to our ACS without the session cookie
(SameSite=Lax) and finished by the browser that asked, employees created and updated from the attributes, unsigned,
altered, replayed, misaddressed and unsolicited Responses refused, and single logout both ways."""

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from identity.models import ExternalIdentity, GroupRoleMapping, IdentityProvider, IdentityProviderDomain, SamlSession
from procurement.models import AuditEvent, Employee, Role
from tests.factories import CostCentreFactory, EmployeeFactory, LegalEntityFactory, OrgUnitFactory, UserFactory

from .saml_support import SamlIdp, path_of

pytestmark = pytest.mark.django_db

ADA = {
    "email": "ada@acme.example",
    "givenName": "Ada",
    "sn": "Lovelace",
    "department": "ENG",
    "manager": "bea@acme.example",
    "costCenter": "CC-ENG",
    "groups": ["procurement-approvers", "everyone"],
}


def make_saml_provider(saml_idp: SamlIdp, entity, *, slug="acme", domains=("acme.example",), **fields):
    provider = IdentityProvider.objects.create(
        name=f"{slug.capitalize()} SAML",
        slug=slug,
        protocol="saml",
        legal_entity=entity,
        saml_idp_entity_id=saml_idp.entity_id,
        saml_sso_url=f"{saml_idp.base}/sso/redirect",
        saml_slo_url=f"{saml_idp.base}/slo/redirect",
        saml_idp_certificates=saml_idp.certificate,
        email_claim="email",
        given_name_claim="givenName",
        family_name_claim="sn",
        org_unit_claim="department",
        cost_centre_claim="costCenter",
        manager_claim="manager",
        groups_claim="groups",
        **fields,
    )
    for domain in domains:
        IdentityProviderDomain.objects.create(provider=provider, domain=domain)
    metadata = Client().get(f"/sso/saml/{slug}/metadata/")
    assert metadata.status_code == 200
    saml_idp.trust(metadata.content.decode())
    return provider


@pytest.fixture
def acme(saml_idp):
    entity = LegalEntityFactory(code="ACME", name="Acme SA")
    engineering = OrgUnitFactory(legal_entity=entity, code="ENG", name="Engineering")
    OrgUnitFactory(legal_entity=entity, code="LAB", name="Laboratory")
    CostCentreFactory(legal_entity=entity, code="CC-ENG", name="Engineering costs", org_unit=engineering)
    CostCentreFactory(legal_entity=entity, code="CC-LAB", name="Lab costs")
    manager = EmployeeFactory(user=UserFactory(username="bea", email="bea@acme.example"), legal_entities=[entity])
    approver, _ = Role.objects.get_or_create(code="approver", defaults={"name": "Approver"})
    buyer, _ = Role.objects.get_or_create(code="buyer", defaults={"name": "Buyer"})
    requester, _ = Role.objects.get_or_create(code="requester", defaults={"name": "Requester"})
    provider = make_saml_provider(saml_idp, entity)
    provider.default_roles.add(requester)
    GroupRoleMapping.objects.create(provider=provider, group="procurement-approvers", role=approver)
    GroupRoleMapping.objects.create(provider=provider, group="procurement-buyers", role=buyer)
    saml_idp.person("ada", "ada-pass", "ada-0001", **ADA)
    return provider, manager


def start(client: Client, slug="acme", next_url=""):
    answer = client.get(f"/sso/saml/{slug}/login/" + (f"?next={next_url}" if next_url else ""))
    assert answer.status_code == 302, answer.content[:500]
    return answer["Location"]


def post_to_acs(action: str, fields: dict[str, str]):
    """The IdP's cross-site POST: a SameSite=Lax session cookie does not come with it (a client without cookies)."""
    return Client().post(path_of(action), fields)


def sign_in(client: Client, saml_idp: SamlIdp, username="ada", password="ada-pass", next_url=""):
    location = start(client, next_url=next_url)
    action, fields = saml_idp.sign_in(location, username, password)
    posted = post_to_acs(action, fields)
    assert posted.status_code == 302, posted.content[:500]
    assert posted["Location"] == "/sso/saml/acme/finish/"
    return client.get(posted["Location"])


def test_sign_in_creates_the_employee_with_the_attributes_mapped(acme, saml_idp):
    provider, manager = acme
    client = Client()
    location = start(client, next_url="/requisitions/")
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{saml_idp.base}/sso/redirect?")
    assert set(query) == {"SAMLRequest", "RelayState", "SigAlg", "Signature"}
    assert query["RelayState"] == ["/requisitions/"]
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]

    action, fields = saml_idp.sign_in(location, "ada", "ada-pass")
    assert action == "http://127.0.0.1:8000/sso/saml/acme/acs/"
    assert fields["RelayState"] == "/requisitions/"
    posted = post_to_acs(action, fields)
    assert posted.status_code == 302
    finished = client.get(posted["Location"])
    assert finished.status_code == 302
    assert finished["Location"] == "/requisitions/"

    employee = Employee.objects.select_related("user").get(user__email="ada@acme.example")
    assert (employee.user.username, employee.user.first_name, employee.user.last_name) == (
        "ada@acme.example",
        "Ada",
        "Lovelace",
    )
    assert not employee.user.has_usable_password()
    assert employee.org_unit.code == "ENG"
    assert employee.default_cost_centre.code == "CC-ENG"
    assert employee.manager_id == manager.pk
    assert employee.default_legal_entity_id == provider.legal_entity_id
    assert sorted(employee.roles.values_list("code", flat=True)) == ["approver", "requester"]
    assert ExternalIdentity.objects.get(provider=provider).subject == "ada-0001"
    assert int(client.session["_auth_user_id"]) == employee.user.pk
    assert client.session["_auth_user_backend"] == "identity.backends.SingleSignOnBackend"
    saml_session = SamlSession.objects.get()
    assert (saml_session.user_id, saml_session.name_id, saml_session.session_key) == (
        employee.user.pk,
        "ada-0001",
        client.session.session_key,
    )
    event = AuditEvent.objects.get(event_type="identity.sign_in")
    assert event.data["method"] == "saml"
    assert event.data["provider"] == "acme"
    assert event.data["created"] is True
