"""Single sign-on through a real OpenID Connect provider (django-oauth-toolkit, its own process and database):
the code flow with PKCE, state and nonce, the ID token's signature, audience and expiry checked, employees created
and updated from the claims, routing by e-mail domain, local passwords switched off per entity, and logout at the
provider."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from identity.models import ExternalIdentity, GroupRoleMapping, IdentityProvider, IdentityProviderDomain
from procurement.models import AuditEvent, Employee, Role
from tests.factories import CostCentreFactory, EmployeeFactory, LegalEntityFactory, OrgUnitFactory, UserFactory
from tests.waiting import free_port

from .provider import CLIENTS, Provider, callback_path

pytestmark = pytest.mark.django_db


def make_provider(
    oidc_provider: Provider, entity, *, slug="acme", client="procurement", domains=("acme.example",), **fields
):
    provider = IdentityProvider.objects.create(
        name=f"{slug.capitalize()} SSO",
        slug=slug,
        legal_entity=entity,
        discovery_url=oidc_provider.issuer,
        client_id=client,
        client_secret=CLIENTS[client],
        scopes="openid email profile",
        org_unit_claim="department",
        cost_centre_claim="cost_center",
        manager_claim="manager_email",
        groups_claim="groups",
        **fields,
    )
    for domain in domains:
        IdentityProviderDomain.objects.create(provider=provider, domain=domain)
    return provider


@pytest.fixture
def acme(oidc_provider):
    entity = LegalEntityFactory(code="ACME", name="Acme SA")
    engineering = OrgUnitFactory(legal_entity=entity, code="ENG", name="Engineering")
    OrgUnitFactory(legal_entity=entity, code="LAB", name="Laboratory")
    CostCentreFactory(legal_entity=entity, code="CC-ENG", name="Engineering costs", org_unit=engineering)
    CostCentreFactory(legal_entity=entity, code="CC-LAB", name="Lab costs")
    manager = EmployeeFactory(user=UserFactory(username="bea", email="bea@acme.example"), legal_entities=[entity])
    approver, _ = Role.objects.get_or_create(code="approver", defaults={"name": "Approver"})
    buyer, _ = Role.objects.get_or_create(code="buyer", defaults={"name": "Buyer"})
    requester, _ = Role.objects.get_or_create(code="requester", defaults={"name": "Requester"})
    provider = make_provider(oidc_provider, entity)
    provider.default_roles.add(requester)
    GroupRoleMapping.objects.create(provider=provider, group="procurement-approvers", role=approver)
    GroupRoleMapping.objects.create(provider=provider, group="procurement-buyers", role=buyer)
    return provider, manager


def ada_claims(**changes):
    claims = {
        "email": "ada@acme.example",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "department": "ENG",
        "cost_center": "CC-ENG",
        "manager_email": "bea@acme.example",
        "groups": ["procurement-approvers", "everyone"],
    }
    return {**claims, **changes}


def sign_in(client: Client, oidc_provider: Provider, slug: str, username: str, password: str, browser="default"):
    """Ours → the provider (its login form) → our callback; the callback's answer."""
    start = client.get(f"/sso/oidc/{slug}/login/")
    assert start.status_code == 302, start.content[:500]
    back = oidc_provider.authorize(start["Location"], username, password, browser=browser)
    return client.get(callback_path(back))


def page_message(response) -> str:
    match = re.search(r'id="sign-in-failed-message">(.*?)</div>', response.content.decode(), re.S)
    return unescape(match.group(1).strip()) if match else ""


def test_first_sign_in_creates_the_employee_from_the_claims_and_the_second_updates_it(client, oidc_provider, acme):
    provider, bea = acme
    oidc_provider.person("ada", "ada-pw", **ada_claims())

    start = client.get("/sso/oidc/acme/login/?next=/approvals/")
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and query["scope"] == ["openid email profile"]
    back = oidc_provider.authorize(start["Location"], "ada", "ada-pw")
    landed = client.get(callback_path(back))

    assert landed.status_code == 302 and landed["Location"] == "/approvals/"
    ada = Employee.objects.get(user__email="ada@acme.example")
    assert (ada.user.username, ada.user.first_name, ada.user.last_name) == ("ada@acme.example", "Ada", "Lovelace")
    assert not ada.user.has_usable_password()
    assert (ada.org_unit.code, ada.default_cost_centre.code, ada.manager, ada.default_legal_entity.code) == (
        "ENG",
        "CC-ENG",
        bea,
        "ACME",
    )
    assert sorted(ada.roles.values_list("code", flat=True)) == ["approver", "requester"]
    assert list(ada.legal_entities.values_list("code", flat=True)) == ["ACME"]
    link = ExternalIdentity.objects.get(provider=provider)
    assert link.user == ada.user and link.subject
    home = client.get("/")
    assert home.status_code == 200 and "Ada Lovelace" in home.content.decode()
    event = AuditEvent.objects.get(event_type="identity.sign_in")
    assert event.actor == ada.user and event.data["method"] == "oidc" and event.data["provider"] == "acme"
    assert event.data["ip"] == "127.0.0.1" and event.data["created"] is True

    # The directory moves Ada to the lab, makes her a buyer instead of an approver, and she changes her name.
    oidc_provider.person(
        "ada",
        "ada-pw",
        **ada_claims(family_name="King", department="LAB", cost_center="CC-LAB", groups=["procurement-buyers"]),
    )
    client.post("/logout/")
    again = sign_in(client, oidc_provider, "acme", "ada", "ada-pw")
    assert again.status_code == 302 and again["Location"] == "/"
    ada.refresh_from_db()
    ada.user.refresh_from_db()
    assert (ada.user.last_name, ada.org_unit.code, ada.default_cost_centre.code) == ("King", "LAB", "CC-LAB")
    assert sorted(ada.roles.values_list("code", flat=True)) == ["buyer", "requester"]
    assert Employee.objects.filter(user__email="ada@acme.example").count() == 1
    assert ExternalIdentity.objects.filter(provider=provider).count() == 1


def test_an_unknown_org_unit_is_named_on_a_clear_page_and_nothing_is_created(client, oidc_provider, acme):
    oidc_provider.person("olga", "olga-pw", **ada_claims(email="olga@acme.example", department="NOWHERE"))
    answer = sign_in(client, oidc_provider, "acme", "olga", "olga-pw")
    assert answer.status_code == 403
    assert page_message(answer) == (
        'Acme SSO says department = "NOWHERE": no org unit of ACME has this code. Ask your administrator to fix '
        "the mapping."
    )
    assert not Employee.objects.filter(user__email="olga@acme.example").exists()
    assert client.get("/").status_code == 302  # not signed in
    failure = AuditEvent.objects.get(event_type="identity.sign_in_failed")
    assert failure.data["reason"] == "claim_mapping" and failure.data["provider"] == "acme"


def test_an_unknown_manager_signs_in_with_a_warning(client, oidc_provider, acme):
    oidc_provider.person("max", "max-pw", **ada_claims(email="max@acme.example", manager_email="nobody@acme.example"))
    answer = sign_in(client, oidc_provider, "acme", "max", "max-pw")
    assert answer.status_code == 302
    home = client.get("/").content.decode()
    assert "Your manager nobody@acme.example is not known here yet: your manager was left as it was." in home
    assert Employee.objects.get(user__email="max@acme.example").manager is None


@pytest.mark.parametrize(
    ("client_name", "message"),
    [
        ("audience", "The sign-in token from Audience SSO was not issued for this application."),
        ("expired", "The sign-in token from Expired SSO has expired."),
        ("signature", "The signature of the sign-in token from Signature SSO does not verify."),
    ],
)
def test_a_token_for_another_audience_expired_or_badly_signed_is_refused(
    client, oidc_provider, acme, client_name, message
):
    provider, _bea = acme
    make_provider(
        oidc_provider, provider.legal_entity, slug=client_name, client=client_name, domains=[f"{client_name}.example"]
    )
    oidc_provider.person("eve", "eve-pw", **ada_claims(email=f"eve@{client_name}.example"))
    answer = sign_in(client, oidc_provider, client_name, "eve", "eve-pw", browser=client_name)
    assert answer.status_code == 400
    assert page_message(answer) == message
    assert not Employee.objects.filter(user__email=f"eve@{client_name}.example").exists()
    assert client.get("/").status_code == 302


def test_a_replayed_answer_is_refused(client, oidc_provider, acme):
    oidc_provider.person("ada", "ada-pw", **ada_claims())
    start = client.get("/sso/oidc/acme/login/")
    back = oidc_provider.authorize(start["Location"], "ada", "ada-pw")
    assert client.get(callback_path(back)).status_code == 302
    client.post("/logout/")
    replay = client.get(callback_path(back))
    assert replay.status_code == 400
    assert page_message(replay) == (
        "This sign-in answer was already used, has expired or was started in another browser. Start again from "
        "the login page."
    )
    # Another browser cannot play a stolen answer either.
    start = client.get("/sso/oidc/acme/login/")
    stolen = oidc_provider.authorize(start["Location"], "ada", "ada-pw")
    assert Client().get(callback_path(stolen)).status_code == 400


def test_the_work_e_mail_routes_to_the_provider_of_its_domain(client, oidc_provider, acme):
    _provider, _bea = acme
    globex = LegalEntityFactory(code="GLOBEX", name="Globex AB")
    make_provider(oidc_provider, globex, slug="globex", client="globex", domains=["globex.example"])

    to_globex = client.post("/sso/start/", {"email": "Sam@Globex.example"})
    assert to_globex.status_code == 302
    query = parse_qs(urlsplit(to_globex["Location"]).query)
    assert query["client_id"] == ["globex"] and query["login_hint"] == ["Sam@Globex.example"]
    assert to_globex["Location"].startswith(f"{oidc_provider.issuer}/authorize/")
    to_acme = client.post("/sso/start/", {"email": "ada@acme.example"})
    assert parse_qs(urlsplit(to_acme["Location"]).query)["client_id"] == ["procurement"]

    unknown = client.post("/sso/start/", {"email": "someone@elsewhere.example"})
    assert unknown.status_code == 400
    page = unknown.content.decode()
    assert "No single sign-on is set up for this e-mail domain: log in with your password." in page
    assert 'value="someone@elsewhere.example"' in page

    # A person of globex.example cannot be signed in by Acme's provider.
    oidc_provider.person("sam", "sam-pw", **ada_claims(email="sam@globex.example", department="", cost_center=""))
    answer = sign_in(client, oidc_provider, "acme", "sam", "sam-pw")
    assert answer.status_code == 403
    assert page_message(answer) == (
        'Acme SSO says email = "sam@globex.example": this e-mail domain does not sign in through this provider. Ask '
        "your administrator to fix the mapping."
    )


def test_a_provider_that_requires_a_hosted_domain_refuses_an_account_outside_it(client, oidc_provider, acme):
    provider, _bea = acme
    provider.hosted_domain_required = True
    provider.save()
    oidc_provider.person("consumer", "c-pw", **ada_claims(email="consumer@acme.example"))
    refused = sign_in(client, oidc_provider, "acme", "consumer", "c-pw", browser="consumer")
    assert refused.status_code == 403
    assert page_message(refused) == (
        'Acme SSO says hd = "": the account is not one of your organisation\'s accounts. Ask your administrator to '
        "fix the mapping."
    )
    oidc_provider.person("worker", "w-pw", **ada_claims(email="worker@acme.example", hd="acme.example"))
    assert sign_in(client, oidc_provider, "acme", "worker", "w-pw", browser="worker").status_code == 302


def test_the_login_page_offers_each_provider(client, acme):
    page = client.get("/login/").content.decode()
    assert "Sign in with Acme SSO" in page and 'href="/sso/oidc/acme/login/"' in page


def test_a_password_is_refused_when_the_entity_switched_local_passwords_off(client, oidc_provider, acme):
    provider, bea = acme
    assert client.post("/login/", {"username": "bea", "password": "demo-pass"}).status_code in (200, 302)
    client.post("/logout/")
    bea.user.set_password("right-password")
    bea.user.save()
    provider.local_passwords_disabled = True
    provider.save()

    refused = client.post("/login/", {"username": "bea", "password": "right-password"})
    assert refused.status_code == 200
    assert (
        "Your company signs you in with Acme SSO: local passwords are switched off. Use &quot;Sign in with Acme "
        "SSO&quot; or your work e-mail below." in refused.content.decode()
    )
    assert client.get("/").status_code == 302
    wrong = client.post("/login/", {"username": "bea", "password": "wrong"}).content.decode()
    assert "Please enter a correct username and password." in wrong and "Acme SSO" in wrong  # only the button
    token = client.post("/api/v1/auth/token/", {"username": "bea", "password": "right-password"})
    assert token.status_code == 400
    failures = list(AuditEvent.objects.filter(event_type="identity.sign_in_failed").values_list("data", flat=True))
    assert [(f["reason"], f["username"]) for f in failures][:2] == [
        ("bad_credentials", "bea"),
        ("password_switched_off", "bea"),
    ]

    # Another entity's people keep their passwords; so does a superuser of Acme (the way in when the provider is down).
    other = EmployeeFactory(
        user=UserFactory(username="otto", email="otto@other.example"), legal_entities=[LegalEntityFactory(code="OTHER")]
    )
    other.user.set_password("otto-pw")
    other.user.save()
    assert Client().post("/login/", {"username": "otto", "password": "otto-pw"}).status_code == 302
    root = UserFactory(username="root", email="root@acme.example", is_superuser=True, is_staff=True)
    root.set_password("root-pw")
    root.save()
    assert Client().post("/login/", {"username": "root", "password": "root-pw"}).status_code == 302


def test_logout_ends_the_session_at_the_provider_too(client, oidc_provider, acme):
    oidc_provider.person("ada", "ada-pw", **ada_claims())
    assert sign_in(client, oidc_provider, "acme", "ada", "ada-pw", browser="logout").status_code == 302
    assert oidc_provider.signed_in_at_provider("logout")

    out = client.post("/logout/")
    assert out.status_code == 302
    end = urlsplit(out["Location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{oidc_provider.issuer}/logout/"
    query = parse_qs(end.query)
    assert query["post_logout_redirect_uri"] == ["http://127.0.0.1:8000/login/"] and query["id_token_hint"][0]
    assert client.get("/").status_code == 302
    at_provider = oidc_provider.browser("logout").get(out["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302 and at_provider.headers["Location"].startswith("http://127.0.0.1:8000/login/")
    assert not oidc_provider.signed_in_at_provider("logout")
    assert AuditEvent.objects.filter(event_type="identity.sign_out", data__provider="acme").count() == 1


def test_the_client_secret_is_encrypted_at_rest_and_never_shown_in_the_admin(admin_client, acme):
    from django.db import connection

    provider, _bea = acme
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM identity_identityprovider WHERE id = %s", [provider.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("encrypted:fernet:") and "procurement-secret" not in stored
    page = admin_client.get(f"/admin/identity/identityprovider/{provider.pk}/change/").content.decode()
    assert "procurement-secret" not in page and "http://127.0.0.1:8000/sso/oidc/acme/callback/" in page


def test_a_wrong_client_secret_and_an_unreachable_provider_are_told_plainly(client, oidc_provider, acme):
    provider, _bea = acme
    provider.client_secret = "not-the-secret"
    provider.save()
    oidc_provider.person("ada", "ada-pw", **ada_claims())
    refused = sign_in(client, oidc_provider, "acme", "ada", "ada-pw")
    assert refused.status_code == 400
    assert page_message(refused) == "Acme SSO refused the sign-in (invalid_client)."

    provider.discovery_url = f"http://127.0.0.1:{free_port()}/o"
    provider.save()
    away = client.get("/sso/oidc/acme/login/")
    assert away.status_code == 502
    assert page_message(away) == "Acme SSO cannot be reached just now. Try again in a moment."
    assert list(
        AuditEvent.objects.filter(event_type="identity.sign_in_failed")
        .order_by("id")
        .values_list("data__reason", flat=True)
    ) == ["provider_error", "provider_unreachable"]


def test_finance_signed_in_by_the_provider_is_not_asked_for_a_second_factor_but_by_password_is(
    client, oidc_provider, acme
):
    """The provider vouches for the person (its own second factor): the session of a single sign-on is not a password
    login, so finance lands on the page; the same person by password is sent to enrol an authenticator first."""
    provider, _manager = acme
    finance, _ = Role.objects.get_or_create(code=Role.FINANCE, defaults={"name": "Finance"})
    GroupRoleMapping.objects.create(provider=provider, group="finance", role=finance)
    oidc_provider.person("ada", "ada-pw", **ada_claims(groups=["finance"]))
    with override_settings(TWO_FACTOR_REQUIRED=True):
        start = client.get("/sso/oidc/acme/login/?next=/requisitions/")
        landed = client.get(callback_path(oidc_provider.authorize(start["Location"], "ada", "ada-pw")))
        assert (landed.status_code, landed["Location"]) == (302, "/requisitions/")
        assert client.get("/requisitions/").status_code == 200
        ada = Employee.objects.get(user__email="ada@acme.example")
        assert list(ada.roles.values_list("code", flat=True).order_by("code")) == [Role.FINANCE, "requester"]

        ada.user.set_password("ada-local-pw")
        ada.user.save()
        by_password = Client()
        by_password.post("/login/", {"username": ada.user.username, "password": "ada-local-pw"})
        held = by_password.get("/requisitions/")
        assert (held.status_code, held["Location"]) == (302, "/two-factor/setup/?next=%2Frequisitions%2F")


def test_an_administrator_account_with_the_same_e_mail_is_not_taken_over(client, oidc_provider, acme):
    """Whoever the provider vouches for with an administrator's address is refused: the account keeps its password."""
    root = UserFactory(username="root", email="ada@acme.example", is_superuser=True, is_staff=True)
    oidc_provider.person("ada", "ada-pw", **ada_claims())

    refused = sign_in(client, oidc_provider, "acme", "ada", "ada-pw")

    assert refused.status_code == 403
    assert page_message(refused) == (
        'Acme SSO says email = "ada@acme.example": the account with this e-mail address is an administrator\'s, '
        "which signs in with its password. Ask your administrator to fix the mapping."
    )
    assert not ExternalIdentity.objects.exists() and client.get("/").status_code == 302
    root.refresh_from_db()
    assert root.is_superuser and not Employee.objects.filter(user=root).exists()
