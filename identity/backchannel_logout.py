"""OpenID Connect Back-Channel Logout 1.0: the provider tells us, server to server, that a person's session there
ended; we end our sessions that its sign-ins opened.

At each single sign-on the provider's `sid` (when its ID token has one) and `sub` are kept with our session key
(`SingleSignOnSession`). A logout token is a JWT signed by the provider (checked against its JWKS, as ID tokens
are), for our client id, issued moments ago, with the back-channel logout event, a `sid` and/or a `sub`, no
`nonce`, and a `jti` spent at first use. It ends the sessions of that `sid` (or, with only a `sub`, all of that
person's sessions from this provider).
"""

import logging
import time
from datetime import timedelta
from importlib import import_module
from typing import Any

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from procurement.events import audit_event_record

from .models import IdentityProvider, LogoutTokenUse, SingleSignOnSession
from .oidc import SignInFailed, _remember, client_for, load_metadata

logger = logging.getLogger(__name__)

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_TOKEN_LENGTH = 16_000
MAX_AGE_SECONDS = 300  # a logout token is sent as the session ends: an older one is refused
LEEWAY_SECONDS = 60
BACKCHANNEL_LOGOUT = "identity.backchannel_logout"
# A token naming an unknown key makes us read the JWKS again, at most once a minute per provider per process: the
# endpoint is public, and a stream of made-up key ids must not become a stream of requests to the provider.
JWKS_REFRESH_SECONDS = 60
_jwks_refreshed: dict[int, float] = {}


class LogoutTokenInvalid(Exception):
    """A logout token we do not act on: `code` for the answer and the log, `message` for the provider's admin."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sso_session_record(*, provider: IdentityProvider, session_key: str, user: Any, claims: dict[str, Any]) -> None:
    """Keep which provider session (`sid`) and subject a session of ours was opened for."""
    if not session_key:
        return
    # This person's rows of sessions that ended without a logout (expired, cleared) go: the table holds live ones.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    gone = [
        row.pk
        for row in SingleSignOnSession.objects.filter(user=user).exclude(session_key=session_key)[:50]
        if not store().exists(row.session_key)
    ]
    if gone:
        SingleSignOnSession.objects.filter(pk__in=gone).delete()
    sid = claims.get("sid")
    SingleSignOnSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "provider": provider,
            "sid": sid[:255] if isinstance(sid, str) else "",
            "subject": str(claims.get("sub", ""))[:255],
            "user": user,
        },
    )


def sso_session_forget(*, session_key: str | None) -> None:
    """Our session ended (logout): nothing for a back-channel logout to find any more."""
    if session_key:
        SingleSignOnSession.objects.filter(session_key=session_key).delete()


def _key_set(provider: IdentityProvider, force: bool) -> tuple[KeySet, list[str] | None]:
    client = client_for(provider)
    try:
        metadata = load_metadata(provider, client)
        keys = client.fetch_jwk_set(force=force)
        _remember(provider, client)  # the JWKS is kept with the discovery document, not read at each logout
    except SignInFailed:
        raise LogoutTokenInvalid("provider_unreachable", "The provider's configuration cannot be read.") from None
    except (requests.RequestException, RuntimeError, ValueError):
        raise LogoutTokenInvalid("provider_unreachable", "The provider's JWKS cannot be read.") from None
    try:
        key_set = KeySet.import_key_set(keys)
    except (jose_errors.JoseError, ValueError, TypeError, KeyError):
        raise LogoutTokenInvalid("provider_unreachable", "The provider's JWKS cannot be read.") from None
    algorithms = metadata.get("id_token_signing_alg_values_supported")
    return key_set, algorithms if isinstance(algorithms, list) else None


def logout_token_verify(provider: IdentityProvider, logout_token: str) -> dict[str, Any]:
    """The checked claims of a logout token from this provider; raises LogoutTokenInvalid. No database transaction
    may be open: the provider's JWKS may be read."""
    if not logout_token or len(logout_token) > MAX_TOKEN_LENGTH:
        raise LogoutTokenInvalid("invalid_request", "A logout_token of at most 16,000 characters is required.")
    key_set, algorithms = _key_set(provider, force=False)
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        try:
            token = jwt.decode(logout_token, key=key_set, registry=registry)
        except jose_errors.InvalidKeyIdError:
            if time.monotonic() - _jwks_refreshed.get(provider.pk, -JWKS_REFRESH_SECONDS) < JWKS_REFRESH_SECONDS:
                raise
            _jwks_refreshed[provider.pk] = time.monotonic()
            key_set, _algorithms = _key_set(provider, force=True)
            token = jwt.decode(logout_token, key=key_set, registry=registry)
    except (jose_errors.BadSignatureError, jose_errors.InvalidKeyIdError, jose_errors.UnsupportedAlgorithmError):
        raise LogoutTokenInvalid("invalid_signature", "The logout token's signature does not verify.") from None
    except (jose_errors.JoseError, ValueError, TypeError):
        raise LogoutTokenInvalid("invalid_request", "The logout token is not a signed JWT.") from None
    claims = dict(token.claims)
    issuer = str(load_metadata(provider, client_for(provider)).get("issuer", ""))
    claims_registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": provider.client_id},
        iat={"essential": True},
        jti={"essential": True},
    )
    try:
        claims_registry.validate(claims)
    except jose_errors.ExpiredTokenError:
        raise LogoutTokenInvalid("invalid_request", "The logout token has expired.") from None
    except jose_errors.ClaimError as error:
        raise LogoutTokenInvalid("invalid_request", f"The logout token's {error.claim} claim is wrong.") from None
    if claims["iat"] < time.time() - MAX_AGE_SECONDS - LEEWAY_SECONDS:
        raise LogoutTokenInvalid("invalid_request", "The logout token was issued too long ago.")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise LogoutTokenInvalid("invalid_request", "The logout token has no back-channel logout event.")
    if "nonce" in claims:
        raise LogoutTokenInvalid("invalid_request", "A logout token has no nonce.")
    sid, sub = claims.get("sid"), claims.get("sub")
    if not (isinstance(sid, str) and sid) and not (isinstance(sub, str) and sub):
        raise LogoutTokenInvalid("invalid_request", "The logout token names neither a sid nor a sub.")
    if len(str(claims["jti"])) > 255 or len(str(sid or "")) > 255 or len(str(sub or "")) > 255:
        raise LogoutTokenInvalid("invalid_request", "The logout token's jti, sid or sub is too long.")
    return claims


@transaction.atomic
def sessions_end(*, provider: IdentityProvider, claims: dict[str, Any], ip: str) -> int:
    """Spend the token's jti and end the sessions its sid (else its sub) names; the number ended. Raises
    LogoutTokenInvalid when the jti was already used."""
    now = timezone.now()
    LogoutTokenUse.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            LogoutTokenUse.objects.create(
                provider=provider,
                jti=claims["jti"],
                expires_at=now + timedelta(seconds=MAX_AGE_SECONDS + 2 * LEEWAY_SECONDS),
            )
    except IntegrityError:
        raise LogoutTokenInvalid("invalid_request", "This logout token was already used.") from None
    sessions = SingleSignOnSession.objects.filter(provider=provider)
    sid, sub = claims.get("sid"), claims.get("sub")
    sessions = sessions.filter(sid=sid) if sid else sessions
    sessions = sessions.filter(subject=sub) if sub else sessions
    ended = list(sessions.select_related("user"))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in ended:
        store(session_key=session.session_key).delete()
    SingleSignOnSession.objects.filter(pk__in=[session.pk for session in ended]).delete()
    for user in {session.user for session in ended}:
        audit_event_record(
            event_type=BACKCHANNEL_LOGOUT,
            actor=None,
            legal_entity=provider.legal_entity,
            obj=user,
            data={
                "provider": provider.slug,
                "sid": str(sid or ""),
                "sub": str(sub or ""),
                "sessions": sum(1 for session in ended if session.user == user),
                "ip": ip[:45],
            },
        )
    return len(ended)
