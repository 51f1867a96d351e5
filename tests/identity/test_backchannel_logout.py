"""OpenID Connect Back-Channel Logout: people sign in through the real test provider; the provider's logout token
(signed here with the provider's own RSA key, the one its JWKS publishes) ends the sessions it names and no other;
a token with a bad signature, for another audience, or played a second time ends nothing."""

import time
import uuid

import pytest
import requests
from django.contrib.sessions.models import Session
from django.test import Client
from joserfc import jwt
from joserfc.jwk import RSAKey

from identity.backchannel_logout import BACKCHANNEL_LOGOUT_EVENT
from identity.models import ExternalIdentity, SingleSignOnSession
from procurement.models import AuditEvent

from .test_oidc_sign_in import acme, ada_claims, sign_in  # noqa: F401 - acme is a fixture

pytestmark = pytest.mark.django_db


def provider_key(oidc_provider) -> RSAKey:
    jwks_uri = requests.get(f"{oidc_provider.issuer}/.well-known/openid-configuration", timeout=10).json()["jwks_uri"]
    (published,) = requests.get(jwks_uri, timeout=10).json()["keys"]
    return RSAKey.import_key(oidc_provider.key_file.read_bytes(), parameters={"kid": published["kid"]})


def logout_token(oidc_provider, key: RSAKey | None = None, **claims) -> str:
    key = key or provider_key(oidc_provider)
    payload = {
        "iss": oidc_provider.issuer,
        "aud": "procurement",
        "iat": int(time.time()),
        "jti": uuid.uuid4().hex,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        **claims,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "logout+jwt"}, payload, key)


def backchannel(token: str):
    return Client(enforce_csrf_checks=True).post("/sso/oidc/acme/backchannel-logout/", {"logout_token": token})


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def people(oidc_provider, acme):  # noqa: F811 - the fixture imported above
    """Ada signed in in two browsers (two provider sessions, sid s-1 and s-2), Grace in a third."""
    ada_one, ada_two, grace = Client(), Client(), Client()
    oidc_provider.person("ada", "ada-pw", **ada_claims(sid="s-1"))
    assert sign_in(ada_one, oidc_provider, "acme", "ada", "ada-pw", browser="ada-1").status_code == 302
    oidc_provider.person("ada", "ada-pw", **ada_claims(sid="s-2"))
    assert sign_in(ada_two, oidc_provider, "acme", "ada", "ada-pw", browser="ada-2").status_code == 302
    oidc_provider.person("grace", "grace-pw", **ada_claims(email="grace@acme.example", sid="s-3"))
    assert sign_in(grace, oidc_provider, "acme", "grace", "grace-pw", browser="grace").status_code == 302
    assert signed_in(ada_one) and signed_in(ada_two) and signed_in(grace)
    sub = ExternalIdentity.objects.get(user__email="ada@acme.example").subject
    return ada_one, ada_two, grace, sub


def test_a_logout_token_ends_the_session_it_names_and_no_other(oidc_provider, people):
    """Given Ada in two browsers and Grace in a third, when the provider posts a logout token for Ada's first
    provider session, then that browser is signed out and the two others are not; a token naming only Ada's subject
    then ends her other session, and Grace's stays."""
    ada_one, ada_two, grace, sub = people

    answer = backchannel(logout_token(oidc_provider, sid="s-1", sub=sub))

    assert (answer.status_code, answer.json()) == (200, {})
    assert "no-store" in answer["Cache-Control"]
    out = ada_one.get("/requisitions/")
    assert (out.status_code, out["Location"]) == (302, "/login/?next=/requisitions/")
    assert signed_in(ada_two) and signed_in(grace)

    assert backchannel(logout_token(oidc_provider, sub=sub)).status_code == 200

    assert not signed_in(ada_two) and signed_in(grace)
    assert list(SingleSignOnSession.objects.values_list("sid", flat=True)) == ["s-3"]
    events = AuditEvent.objects.filter(event_type="identity.backchannel_logout").order_by("id")
    assert [(e.data["sid"], e.data["sessions"], e.object_id) for e in events] == [
        ("s-1", 1, str(ExternalIdentity.objects.get(subject=sub).user_id)),
        ("", 1, str(ExternalIdentity.objects.get(subject=sub).user_id)),
    ]


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("signature", "The logout token's signature does not verify."),
        ("audience", "The logout token's aud claim is wrong."),
        ("issuer", "The logout token's iss claim is wrong."),
        ("old", "The logout token was issued too long ago."),
        ("no event", "The logout token has no back-channel logout event."),
        ("nonce", "A logout token has no nonce."),
        ("no sid nor sub", "The logout token names neither a sid nor a sub."),
        ("not a token", "The logout token is not a signed JWT."),
    ],
)
def test_a_bad_logout_token_is_refused_and_the_session_kept(oidc_provider, people, case, error):
    ada_one, _ada_two, _grace, _sub = people
    forged_key = RSAKey.generate_key(2048, parameters={"kid": provider_key(oidc_provider).kid})
    token = {
        "signature": lambda: logout_token(oidc_provider, key=forged_key, sid="s-1"),
        "audience": lambda: logout_token(oidc_provider, sid="s-1", aud="another-application"),
        "issuer": lambda: logout_token(oidc_provider, sid="s-1", iss="http://127.0.0.1:1/o"),
        "old": lambda: logout_token(oidc_provider, sid="s-1", iat=int(time.time()) - 3600),
        "no event": lambda: logout_token(oidc_provider, sid="s-1", events={"urn:other": {}}),
        "nonce": lambda: logout_token(oidc_provider, sid="s-1", nonce="n-1"),
        "no sid nor sub": lambda: logout_token(oidc_provider),
        "not a token": lambda: "not.a.token",
    }[case]()

    answer = backchannel(token)

    assert answer.status_code == 400
    assert answer.json() == {
        "error": answer.json()["code"],
        "error_description": error,
        "code": answer.json()["code"],
        "message": error,
    }
    assert signed_in(ada_one)
    assert not AuditEvent.objects.filter(event_type="identity.backchannel_logout").exists()


def test_a_replayed_logout_token_is_refused(oidc_provider, people):
    """Given a logout token already used for Ada's first session, when it is posted again after she signed in again
    in that browser, then it is refused and her new session stays."""
    ada_one, _ada_two, _grace, sub = people
    token = logout_token(oidc_provider, sid="s-1", sub=sub)
    assert backchannel(token).status_code == 200
    oidc_provider.person("ada", "ada-pw", **ada_claims(sid="s-1"))
    assert sign_in(ada_one, oidc_provider, "acme", "ada", "ada-pw", browser="ada-1b").status_code == 302

    again = backchannel(token)

    assert (again.status_code, again.json()["message"]) == (400, "This logout token was already used.")
    assert signed_in(ada_one)


def test_logging_out_forgets_the_session_and_a_get_is_refused(client, oidc_provider, people):
    ada_one, _ada_two, _grace, _sub = people
    ada_one.post("/logout/")
    assert sorted(SingleSignOnSession.objects.values_list("sid", flat=True)) == ["s-2", "s-3"]
    assert client.get("/sso/oidc/acme/backchannel-logout/").status_code == 405
    unknown = Client().post("/sso/oidc/nobody/backchannel-logout/", {"logout_token": "x"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid_request")


def test_a_sign_in_drops_the_rows_of_that_persons_sessions_that_ended_without_a_logout(oidc_provider, people):
    """Given Ada's first session expired (its row in the session store is gone, no logout), when she signs in again,
    then only her live sessions are kept."""
    ada_one, _ada_two, _grace, _sub = people
    Session.objects.filter(session_key=ada_one.session.session_key).delete()
    oidc_provider.person("ada", "ada-pw", **ada_claims(sid="s-4"))
    assert sign_in(Client(), oidc_provider, "acme", "ada", "ada-pw", browser="ada-4").status_code == 302

    assert sorted(SingleSignOnSession.objects.values_list("sid", flat=True)) == ["s-2", "s-3", "s-4"]
