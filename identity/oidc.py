"""The OpenID Connect relying party, through Authlib's Django client: one client per identity provider.

Authorization code flow with PKCE (S256), a state and a nonce kept in the session (each used once), the ID token's
signature checked against the provider's JWKS and its issuer, audience, expiry, issued-at and nonce checked by
Authlib. The discovery document (with its JWKS) is kept per process for an hour, and read again when the provider
is changed in the admin or a token names a key we do not know.

No database transaction is open while we talk to the provider (the caller provisions afterwards).
"""

import logging
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from joserfc import errors as jose_errors

from .entra_groups import GraphGroupsError, has_group_overage, member_object_ids
from .models import IdentityProvider

logger = logging.getLogger(__name__)

WELL_KNOWN = "/.well-known/openid-configuration"
METADATA_MAX_AGE_SECONDS = 3600
HTTP_TIMEOUT_SECONDS = 10
_metadata: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}


class SignInFailed(Exception):
    """A sign-in that cannot go on: `message` says why, for the person (translated, no secret in it); `reason` is
    a short code for the audit log."""

    def __init__(self, reason: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


def discovery_address(provider: IdentityProvider) -> str:
    url = provider.discovery_url.strip()
    return url if url.rstrip("/").endswith(WELL_KNOWN) else url.rstrip("/") + WELL_KNOWN


def expected_issuer(provider: IdentityProvider) -> str:
    """The issuer the discovery document must name: the address it was read from, less the well-known part."""
    address = discovery_address(provider)
    return address[: -len(WELL_KNOWN)]


def redirect_uri(provider: IdentityProvider) -> str:
    """The address the provider sends people back to (register it at the provider): SITE_URL and our path."""
    return settings.SITE_URL.rstrip("/") + reverse("identity:oidc-callback", args=[provider.slug])


def _cache_key(provider: IdentityProvider) -> tuple[int, str]:
    return (provider.pk, provider.updated_at.isoformat() if provider.updated_at else "")


def client_for(provider: IdentityProvider) -> DjangoOAuth2App:
    oauth = OAuth()
    client: DjangoOAuth2App = oauth.register(
        name=f"idp{provider.pk}",
        client_id=provider.client_id,
        client_secret=provider.client_secret or None,
        server_metadata_url=discovery_address(provider),
        client_kwargs={
            "scope": " ".join(provider.scope_list),
            "code_challenge_method": "S256",
            "timeout": HTTP_TIMEOUT_SECONDS,
        },
    )
    cached = _metadata.get(_cache_key(provider))
    if cached and time.monotonic() - cached[0] < METADATA_MAX_AGE_SECONDS:
        client.server_metadata.update(cached[1])
    return client


def _remember(provider: IdentityProvider, client: DjangoOAuth2App) -> None:
    if "_loaded_at" in client.server_metadata:
        _metadata[_cache_key(provider)] = (time.monotonic(), dict(client.server_metadata))


def load_metadata(provider: IdentityProvider, client: DjangoOAuth2App) -> dict[str, Any]:
    """The provider's discovery document, checked: its issuer is the configured one, the endpoints we need are
    there. Raises SignInFailed when the provider cannot be reached or answers something else."""
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        logger.warning("identity provider %s: discovery failed: %s", provider.slug, type(error).__name__)
        raise SignInFailed(
            "provider_unreachable",
            _("%(provider)s cannot be reached just now. Try again in a moment.") % {"provider": provider.name},
            502,
        ) from None
    issuer = str(metadata.get("issuer", "")).rstrip("/")
    if issuer != expected_issuer(provider).rstrip("/") or not metadata.get("authorization_endpoint"):
        _metadata.pop(_cache_key(provider), None)
        client.server_metadata.clear()
        raise SignInFailed(
            "discovery_mismatch",
            _(
                "The configuration of %(provider)s names another issuer than the one configured here: an "
                "administrator must check its issuer URL."
            )
            % {"provider": provider.name},
            502,
        )
    _remember(provider, client)
    return metadata


def authorization_redirect(request: HttpRequest, provider: IdentityProvider) -> HttpResponseRedirect:
    """Send the person to their provider: a new state, nonce and PKCE verifier, kept in their session."""
    client = client_for(provider)
    load_metadata(provider, client)
    extra: dict[str, str] = {}
    hint = request.session.get("identity_login_hint")
    if hint:
        extra["login_hint"] = hint
    response: HttpResponseRedirect = client.authorize_redirect(request, redirect_uri(provider), **extra)
    return response


def _token_failure(provider: IdentityProvider, error: Exception) -> SignInFailed:
    name = {"provider": provider.name}
    if isinstance(error, MismatchingStateError):
        return SignInFailed(
            "state_mismatch",
            _(
                "This sign-in answer was already used, has expired or was started in another browser. "
                "Start again from the login page."
            ),
        )
    if isinstance(error, jose_errors.ExpiredTokenError):
        return SignInFailed("id_token_expired", _("The sign-in token from %(provider)s has expired.") % name)
    if isinstance(error, jose_errors.ClaimError):
        claim = error.claim
        if claim == "aud" or claim == "azp":
            return SignInFailed(
                "id_token_audience",
                _("The sign-in token from %(provider)s was not issued for this application.") % name,
            )
        if claim == "iss":
            return SignInFailed(
                "id_token_issuer", _("The sign-in token did not come from %(provider)s's issuer.") % name
            )
        if claim == "nonce":
            return SignInFailed(
                "id_token_nonce", _("The sign-in token from %(provider)s does not belong to this sign-in.") % name
            )
        return SignInFailed(
            f"id_token_claim_{claim}"[:60],
            _("The sign-in token from %(provider)s has an invalid %(claim)s claim.") % {**name, "claim": claim},
        )
    if isinstance(error, jose_errors.BadSignatureError | jose_errors.InvalidKeyIdError):
        return SignInFailed(
            "id_token_signature", _("The signature of the sign-in token from %(provider)s does not verify.") % name
        )
    if isinstance(error, jose_errors.JoseError):
        return SignInFailed("id_token_invalid", _("The sign-in token from %(provider)s cannot be read.") % name)
    if isinstance(error, OAuthError):
        return SignInFailed(
            "provider_error",
            _("%(provider)s refused the sign-in (%(error)s).") % {**name, "error": str(error.error or "")[:80]},
        )
    return SignInFailed(
        "provider_unreachable", _("%(provider)s cannot be reached just now. Try again in a moment.") % name, 502
    )


def complete_sign_in(request: HttpRequest, provider: IdentityProvider) -> dict[str, Any]:
    """The provider's answer on our redirect URI: the code exchanged (with the PKCE verifier), the ID token checked.
    Returns the token (with its checked claims as `userinfo`); raises SignInFailed."""
    if request.GET.get("error"):
        # The state is spent all the same: the same answer cannot be played again.
        client = client_for(provider)
        client.framework.clear_state_data(request.session, request.GET.get("state"))
        raise SignInFailed(
            "provider_error",
            _("%(provider)s refused the sign-in (%(error)s).")
            % {"provider": provider.name, "error": request.GET["error"][:80]},
        )
    client = client_for(provider)
    load_metadata(provider, client)
    try:
        token: dict[str, Any] = client.authorize_access_token(request)
    except (MismatchingStateError, OAuthError, jose_errors.JoseError, requests.RequestException, ValueError) as error:
        logger.info("identity provider %s: sign-in refused: %s", provider.slug, type(error).__name__)
        raise _token_failure(provider, error) from None
    finally:
        _remember(provider, client)
    if not isinstance(token.get("userinfo"), dict) or not token.get("id_token"):
        raise SignInFailed(
            "id_token_missing",
            _("%(provider)s sent no ID token: is the openid scope granted?") % {"provider": provider.name},
        )
    claims = token["userinfo"]
    if has_group_overage(claims, provider.groups_claim):
        claims[provider.groups_claim] = overage_groups(provider, str(token.get("access_token") or ""))
    return token


def overage_groups(provider: IdentityProvider, access_token: str) -> list[str]:
    """The groups of a person whose ID token had too many to carry them (Entra ID's overage), read from Microsoft
    Graph; raises SignInFailed (nobody is signed in with roles that are not theirs)."""
    try:
        return member_object_ids(provider.graph_url, access_token)
    except GraphGroupsError as error:
        logger.warning("identity provider %s: group overage: %s", provider.slug, error.reason)
        raise SignInFailed(
            error.reason,
            _(
                "You are in more groups than %(provider)s puts in a sign-in token, and your groups could not be "
                "read from Microsoft Graph just now, so your roles here cannot be set. Try again in a moment; if "
                "it keeps failing, ask your administrator."
            )
            % {"provider": provider.name},
            502,
        ) from None


def logout_url(provider: IdentityProvider, id_token: str, after: str) -> str | None:
    """Where to send a person who logs out, so that the provider ends its session too (RP-initiated logout), or
    None when the provider has no end_session_endpoint (or cannot be reached)."""
    client = client_for(provider)
    try:
        metadata = load_metadata(provider, client)
    except SignInFailed:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint or urlsplit(str(endpoint)).scheme not in {"http", "https"}:
        return None
    result = client.create_logout_url(
        post_logout_redirect_uri=after, id_token_hint=id_token, client_id=provider.client_id
    )
    return str(result["url"])
