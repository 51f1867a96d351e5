"""Single sign-on through a real SAML 2.0 IdP (pysaml2's Server in its own gunicorn process, tests/identity/saml_idp):
SP-initiated sign-in with a signed AuthnRequest, the signed Response posted to our ACS without the session cookie
(SameSite=Lax) and finished by the browser that asked, employees created and updated from the attributes, unsigned,
altered, replayed, misaddressed and unsolicited Responses refused, and single logout both ways."""

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from identity.models import ExternalIdentity, GroupRoleMapping, IdentityProvider, IdentityProviderDomain, SamlSession
from procurement.models import AuditEvent, Employee, Role
from tests.factories import CostCentreFactory, EmployeeFactory, LegalEntityFactory, OrgUnitFactory, UserFactory

from .saml_support import SamlIdp, auto_post, path_of

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
    provider.refresh_from_db()  # with the key pair made for the metadata
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


def failure(reason: str) -> AuditEvent:
    return AuditEvent.objects.get(event_type="identity.sign_in_failed", data__reason=reason)


def test_second_sign_in_updates_the_employee(acme, saml_idp):
    provider, _manager = acme
    sign_in(Client(), saml_idp)
    lab_manager = EmployeeFactory(user=UserFactory(username="cy", email="cy@acme.example"))
    saml_idp.person(
        "ada",
        "ada-pass",
        "ada-0001",
        **{
            **ADA,
            "sn": "King",
            "department": "LAB",
            "costCenter": "CC-LAB",
            "manager": "cy@acme.example",
            "groups": ["procurement-buyers"],
        },
    )
    saml_idp.sessions.clear()  # a new browser: signs in at the IdP again
    finished = sign_in(Client(), saml_idp)
    assert finished.status_code == 302
    employee = Employee.objects.get(user__email="ada@acme.example")
    assert employee.user.last_name == "King"
    assert (employee.org_unit.code, employee.default_cost_centre.code) == ("LAB", "CC-LAB")
    assert employee.manager_id == lab_manager.pk
    assert sorted(employee.roles.values_list("code", flat=True)) == ["buyer", "requester"]
    assert ExternalIdentity.objects.filter(provider=provider).count() == 1
    events = AuditEvent.objects.filter(event_type="identity.sign_in").order_by("pk")
    assert [event.data["created"] for event in events] == [True, False]
    assert sorted(events[1].data["changed"]) == ["default_cost_centre", "last_name", "manager", "org_unit", "roles"]


def test_a_response_signed_on_the_assertion_only_or_the_response_only_is_accepted(acme, saml_idp):
    saml_idp.options(sign_response=False, sign_assertion=True)
    assert sign_in(Client(), saml_idp)["Location"] == "/"
    saml_idp.options(sign_response=True, sign_assertion=False)
    assert sign_in(Client(), saml_idp)["Location"] == "/"


def test_an_unsigned_response_is_refused(acme, saml_idp):
    saml_idp.options(sign_response=False, sign_assertion=False)
    client = Client()
    action, fields = saml_idp.sign_in(start(client), "ada", "ada-pass")
    posted = post_to_acs(action, fields)
    assert posted.status_code == 400
    assert "is not signed by it, or was altered" in posted.content.decode()
    assert failure("saml_signature").data["provider"] == "acme"
    assert not Employee.objects.filter(user__email="ada@acme.example").exists()


def test_an_altered_response_is_refused(acme, saml_idp):
    client = Client()
    action, fields = saml_idp.sign_in(start(client), "ada", "ada-pass")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert xml.count(">ENG<") == 1
    fields["SAMLResponse"] = base64.b64encode(xml.replace(">ENG<", ">LAB<").encode()).decode()
    posted = post_to_acs(action, fields)
    assert posted.status_code == 400
    assert "is not signed by it, or was altered" in posted.content.decode()
    assert failure("saml_signature")
    assert client.get("/sso/saml/acme/finish/").status_code == 400
    assert not Employee.objects.filter(user__email="ada@acme.example").exists()


def test_a_replayed_response_is_refused(acme, saml_idp):
    client = Client()
    action, fields = saml_idp.sign_in(start(client), "ada", "ada-pass")
    assert post_to_acs(action, fields).status_code == 302
    assert client.get("/sso/saml/acme/finish/").status_code == 302
    again = post_to_acs(action, fields)
    assert again.status_code == 400
    assert "This sign-in answer was already used" in again.content.decode()
    assert failure("saml_replayed")
    # Nor can the finish step be played again, by the same browser or another.
    assert client.get("/sso/saml/acme/finish/").status_code == 400
    assert AuditEvent.objects.filter(event_type="identity.sign_in").count() == 1


def test_a_response_for_another_audience_is_refused(acme, saml_idp):
    # A Response the IdP made for another service provider it knows (here: ours for Globex).
    make_saml_provider(saml_idp, LegalEntityFactory(code="GLOBEX"), slug="globex", domains=["globex.example"])
    saml_idp.options(audience="http://127.0.0.1:8000/sso/saml/globex/metadata/")
    action, fields = saml_idp.sign_in(start(Client()), "ada", "ada-pass")
    posted = post_to_acs(action, fields)
    assert posted.status_code == 400
    assert "was not issued for this application" in posted.content.decode()
    assert failure("saml_audience")


def test_an_expired_response_is_refused(acme, saml_idp):
    saml_idp.options(lifetime_minutes=-5)  # beyond the two minutes of clock skew allowed
    action, fields = saml_idp.sign_in(start(Client()), "ada", "ada-pass")
    posted = post_to_acs(action, fields)
    assert posted.status_code == 400
    assert "has expired" in posted.content.decode()
    assert failure("saml_expired")


def test_an_answer_is_finished_only_by_the_browser_that_asked(acme, saml_idp):
    client = Client()
    action, fields = saml_idp.sign_in(start(client), "ada", "ada-pass")
    assert post_to_acs(action, fields).status_code == 302
    other = Client()
    refused = other.get("/sso/saml/acme/finish/")
    assert refused.status_code == 400
    assert "_auth_user_id" not in other.session
    assert failure("saml_not_this_browser")
    assert client.get("/sso/saml/acme/finish/")["Location"] == "/"
    assert "_auth_user_id" in client.session


def test_an_idp_initiated_sign_in_is_refused_unless_allowed(acme, saml_idp):
    provider, _manager = acme
    sp = "http://127.0.0.1:8000/sso/saml/acme/metadata/"
    action, fields = saml_idp.sign_in(f"{saml_idp.base}/unsolicited?username=ada&sp={sp}&relay=/orders/", "", "")
    refused = post_to_acs(action, fields)
    assert refused.status_code == 400
    assert "answers no sign-in started here" in refused.content.decode()
    assert failure("saml_unsolicited")

    provider.saml_allow_idp_initiated = True
    provider.save()
    action, fields = saml_idp.sign_in(f"{saml_idp.base}/unsolicited?username=ada&sp={sp}&relay=/orders/", "", "")
    browser = Client()
    accepted = browser.post(path_of(action), fields)
    assert accepted.status_code == 302
    assert accepted["Location"] == "/orders/"
    assert Employee.objects.get(user__email="ada@acme.example").org_unit.code == "ENG"
    assert "_auth_user_id" in browser.session
    again = post_to_acs(action, fields)
    assert again.status_code == 400
    assert failure("saml_replayed")


def test_logout_here_ends_the_session_at_the_idp_too(acme, saml_idp):
    client = Client()
    sign_in(client, saml_idp)
    assert saml_idp.get("/whoami").text == "ada"
    logout = client.post("/logout/")
    assert logout.status_code == 302
    assert logout["Location"].startswith(f"{saml_idp.base}/slo/redirect?")
    assert set(parse_qs(urlsplit(logout["Location"]).query)) == {"SAMLRequest", "SigAlg", "Signature"}
    assert "_auth_user_id" not in client.session
    assert SamlSession.objects.count() == 0
    back = saml_idp.get(path_of(logout["Location"]))  # the IdP checks our signature, ends its session, answers
    assert back.status_code == 302, back.text[:300]
    assert back.headers["Location"].startswith("http://127.0.0.1:8000/sso/saml/acme/sls/?SAMLResponse=")
    assert saml_idp.get("/whoami").text == "anonymous"
    done = client.get(path_of(back.headers["Location"]))
    assert (done.status_code, done["Location"]) == (302, "/login/")
    assert client.get("/").status_code == 302


def test_a_logout_request_from_the_idp_ends_the_session(acme, saml_idp):
    _provider, _manager = acme
    client = Client()
    sign_in(client, saml_idp)
    other_person = Client()
    EmployeeFactory(user=UserFactory(username="bob", email="bob@acme.example"))
    other_person.force_login(Employee.objects.get(user__username="bob").user)
    assert client.get("/").status_code == 200

    sp = "http://127.0.0.1:8000/sso/saml/acme/metadata/"
    request = saml_idp.get(f"/initiate-logout?username=ada&sp={sp}")
    assert request.status_code == 302
    # It may come without the browser's cookie (another tab, a POST): the session is found by the NameID.
    answer = Client().get(path_of(request.headers["Location"]))
    assert answer.status_code == 302
    assert answer["Location"].startswith(f"{saml_idp.base}/slo/redirect?SAMLResponse=")
    assert saml_idp.get(path_of(answer["Location"])).text == "logged out everywhere"
    assert client.get("/").status_code == 302
    assert other_person.session.get("_auth_user_id") == str(Employee.objects.get(user__username="bob").user_id)
    assert SamlSession.objects.count() == 0
    event = AuditEvent.objects.get(event_type="identity.sign_out")
    assert (event.data["provider"], event.actor.email) == ("acme", "ada@acme.example")


def test_an_unsigned_logout_request_is_refused(acme, saml_idp):
    client = Client()
    sign_in(client, saml_idp)
    saml_idp.options(sign_logout=False)
    sp = "http://127.0.0.1:8000/sso/saml/acme/metadata/"
    request = saml_idp.get(f"/initiate-logout?username=ada&sp={sp}")
    assert "Signature=" not in request.headers["Location"]
    refused = Client().get(path_of(request.headers["Location"]))
    assert refused.status_code == 400
    assert "This logout request is not signed by Acme SAML." in refused.content.decode()
    assert client.get("/").status_code == 200
    assert failure("saml_logout_signature").data["method"] == "saml_logout"


def test_the_login_page_offers_saml_and_routes_the_work_email(acme, saml_idp):
    page = Client().get("/login/")
    assert 'href="/sso/saml/acme/login/"' in page.content.decode()
    assert "Sign in with Acme SAML" in page.content.decode()
    client = Client()
    routed = client.post("/sso/start/", {"email": "Ada@Acme.Example", "next": "/orders/"})
    assert routed.status_code == 302
    assert routed["Location"].startswith(f"{saml_idp.base}/sso/redirect?")
    action, fields = saml_idp.sign_in(routed["Location"], "ada", "ada-pass")
    assert client.get(post_to_acs(action, fields)["Location"])["Location"] == "/orders/"


def test_an_unsafe_next_address_is_not_followed(acme, saml_idp):
    finished = sign_in(Client(), saml_idp, next_url="https://evil.example/")
    assert finished["Location"] == "/"


def test_the_metadata_names_our_entity_acs_logout_and_certificate(acme):
    provider, _manager = acme
    metadata = Client().get("/sso/saml/acme/metadata/")
    assert metadata["Content-Type"] == "application/samlmetadata+xml"
    text = metadata.content.decode()
    assert 'entityID="http://127.0.0.1:8000/sso/saml/acme/metadata/"' in text
    assert 'Location="http://127.0.0.1:8000/sso/saml/acme/acs/"' in text
    assert 'Location="http://127.0.0.1:8000/sso/saml/acme/sls/"' in text
    assert 'AuthnRequestsSigned="true"' in text
    body = "".join(provider.saml_sp_certificate.strip().splitlines()[1:-1])
    assert body in text.replace("\n", "")
    assert "PRIVATE" not in text
    provider.refresh_from_db()
    stored = IdentityProvider.objects.filter(pk=provider.pk).values_list("saml_sp_private_key", flat=True)
    assert provider.saml_sp_private_key.startswith("-----BEGIN PRIVATE KEY-----")
    assert stored[0].startswith("-----BEGIN PRIVATE KEY-----")  # read through the field: decrypted
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT saml_sp_private_key FROM identity_identityprovider WHERE id = %s", [provider.pk])
        assert cursor.fetchone()[0].startswith("encrypted:fernet:")


def test_without_xmlsec1_a_saml_sign_in_says_so(acme, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    answer = Client().get("/sso/saml/acme/login/")
    assert answer.status_code == 503
    assert "the xmlsec1 program is missing" in answer.content.decode()
    assert failure("saml_unavailable")
    assert Client().get("/login/").status_code == 200


def admin_form(entity, **fields):
    data = {
        "name": "Idp Metadata",
        "slug": "meta",
        "protocol": "saml",
        "legal_entity": entity.pk,
        "is_active": "on",
        "show_on_login_page": "on",
        "scopes": "openid email profile",
        "email_claim": "email",
        "given_name_claim": "givenName",
        "family_name_claim": "sn",
        "org_unit_claim": "department",
        "cost_centre_claim": "costCenter",
        "manager_claim": "manager",
        "groups_claim": "groups",
        "graph_url": "https://graph.microsoft.com",  # the admin page shows its default
        "saml_name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": "meta.example",
        "group_roles-TOTAL_FORMS": "0",
        "group_roles-INITIAL_FORMS": "0",
    }
    return {**data, **fields}


def test_a_provider_added_in_the_admin_from_the_idp_metadata_signs_in(admin_client, saml_idp):
    entity = LegalEntityFactory(code="META")
    OrgUnitFactory(legal_entity=entity, code="ENG")
    CostCentreFactory(legal_entity=entity, code="CC-ENG")
    bad = admin_client.post(
        "/admin/identity/identityprovider/add/",
        admin_form(entity, saml_metadata_xml='<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'),
    )
    assert bad.status_code == 200
    assert "This is not an XML document, or it declares entities." in bad.content.decode()
    missing = admin_client.post("/admin/identity/identityprovider/add/", admin_form(entity))
    assert missing.content.decode().count("A SAML provider needs this, or its metadata XML.") == 3

    metadata = requests.get(f"{saml_idp.base}/metadata", timeout=10).text
    added = admin_client.post("/admin/identity/identityprovider/add/", admin_form(entity, saml_metadata_xml=metadata))
    assert added.status_code == 302, added.content.decode()[:3000]
    provider = IdentityProvider.objects.get(slug="meta")
    assert provider.saml_sp_private_key.startswith("-----BEGIN PRIVATE KEY-----")
    page = admin_client.get(f"/admin/identity/identityprovider/{provider.pk}/change/").content.decode()
    assert "<code>http://127.0.0.1:8000/sso/saml/meta/metadata/</code>" in page
    assert "<code>http://127.0.0.1:8000/sso/saml/meta/acs/</code>" in page
    assert "PRIVATE KEY" not in page
    assert "".join(provider.saml_sp_private_key.splitlines()[1:3]) not in page.replace("\n", "")

    saml_idp.trust(Client().get("/sso/saml/meta/metadata/").content.decode())
    saml_idp.person("max", "max-pass", "max-0001", **{**ADA, "email": "max@meta.example", "manager": ""})
    client = Client()
    action, fields = saml_idp.sign_in(start(client, slug="meta"), "max", "max-pass")
    assert client.get(post_to_acs(action, fields)["Location"])["Location"] == "/"
    employee = Employee.objects.get(user__email="max@meta.example")
    assert (employee.user.first_name, employee.org_unit.code, employee.default_legal_entity_id) == (
        "Ada",
        "ENG",
        entity.pk,
    )


def test_an_openid_connect_provider_still_needs_its_issuer_and_client_id(admin_client):
    entity = LegalEntityFactory(code="OIDC")
    refused = admin_client.post("/admin/identity/identityprovider/add/", admin_form(entity, protocol="oidc"))
    assert refused.status_code == 200
    assert refused.content.decode().count("An OpenID Connect provider needs this.") == 2
    assert not IdentityProvider.objects.filter(slug="meta").exists()


def test_without_an_idp_logout_address_only_our_session_ends(acme, saml_idp):
    provider, _manager = acme
    provider.saml_slo_url = ""
    provider.save()
    client = Client()
    sign_in(client, saml_idp)
    logout = client.post("/logout/")
    assert (logout.status_code, logout["Location"]) == (302, "/login/")
    assert "_auth_user_id" not in client.session
    assert SamlSession.objects.count() == 0
    assert saml_idp.get("/whoami").text == "ada"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not base64 at all!",
        base64.b64encode(b"<not-saml/>").decode(),
        base64.b64encode(
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>'
        ).decode(),
    ],
)
def test_garbage_at_the_acs_and_the_logout_address_is_refused_plainly(acme, value):
    posted = Client().post("/sso/saml/acme/acs/", {"SAMLResponse": value})
    assert posted.status_code == 400
    assert "root:" not in posted.content.decode()
    logout = Client().get("/sso/saml/acme/sls/", {"SAMLRequest": value or "x"})
    assert logout.status_code == 400
    assert "This logout request is not signed by Acme SAML." in logout.content.decode()


def test_a_logout_request_posted_by_the_idp_must_be_signed_and_ends_the_session(acme, saml_idp):
    client = Client()
    sign_in(client, saml_idp)
    sp = "http://127.0.0.1:8000/sso/saml/acme/metadata/"
    saml_idp.options(sign_logout=False)
    action, fields = auto_post(saml_idp.get(f"/initiate-logout?username=ada&sp={sp}&binding=post").text)
    assert action == "http://127.0.0.1:8000/sso/saml/acme/sls/"
    refused = Client().post(path_of(action), fields)
    assert refused.status_code == 400
    assert client.get("/").status_code == 200

    saml_idp.options(sign_logout=True)
    action, fields = auto_post(saml_idp.get(f"/initiate-logout?username=ada&sp={sp}&binding=post").text)
    answer = Client().post(path_of(action), fields)  # a cross-site POST: no session cookie with it
    assert answer.status_code == 302
    assert answer["Location"].startswith(f"{saml_idp.base}/slo/redirect?SAMLResponse=")
    assert client.get("/").status_code == 302
    assert SamlSession.objects.count() == 0
