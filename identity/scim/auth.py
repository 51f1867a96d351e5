"""A SCIM client's bearer token: `scim_` and 43 url-safe characters (32 random bytes), shown once when the client
is made; only its SHA-256 is stored, looked up by that hash and compared in constant time (as procurement.api_tokens
does for API tokens)."""

import hashlib
import secrets
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from ..models import ScimClient

TOKEN_PREFIX = "scim_"  # noqa: S105  (a prefix, not a secret)
TOKEN_BYTES = 32
MAX_PRESENTED_LENGTH = 200
LAST_USED_STEP = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_issue(client: ScimClient) -> str:
    """A new token for `client` (its hash and hint set, not saved): the caller shows it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    client.token_hash = token_hash(token)
    client.token_hint = token[: len(TOKEN_PREFIX) + 4]
    return token


def client_for_request(request: HttpRequest) -> ScimClient | None:
    """The active client whose token the request's `Authorization: Bearer …` carries, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented or len(presented) > MAX_PRESENTED_LENGTH:
        return None
    digest = token_hash(presented)
    client = ScimClient.objects.select_related("legal_entity", "identity_provider").filter(token_hash=digest).first()
    if client is None or not secrets.compare_digest(client.token_hash, digest) or not client.is_active:
        return None
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_STEP:
        ScimClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client
