"""API tokens: issued, checked and revoked here (docs/api.md "Tokens and scopes").

A token's secret is `ptk_` followed by 43 url-safe characters (32 random bytes): the prefix lets secret scanners
find a leaked one. Only its SHA-256 is stored; a presented secret is hashed and looked up by that hash (the
index is on the hash, so no timing tells anything about the secret), then compared in constant time.

Tokens made before scoped tokens existed (Django REST framework's 40-hex-character keys) were moved here by
migration 0021 with their key's hash: the same key goes on working, in either header form, until it expires.

A token carries scopes (`procurement.models.TokenScope`); `TokenScopePermission` lets a request through when
its token holds the scope its method and endpoint need (`required_scope`): `read` for the safe methods, and for
a write the scope `SCOPE_OF_WRITE` names for its URL. A write to an endpoint missing from that table is refused
to every token (default deny; a test lists every API endpoint). Sessions (the web pages) are not scoped.
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from .error_codes import ProcurementErrorCode
from .events import audit_event_record
from .models import ApiToken, Role, TokenScope

SECRET_PREFIX = "ptk_"  # noqa: S105  (a prefix, not a secret)
SECRET_BYTES = 32
HINT_LENGTH = len(SECRET_PREFIX) + 4
MAX_PRESENTED_LENGTH = 200  # longer than any secret we issue: refused before hashing
MAX_LIFETIME_DAYS = 365
PASSWORD_TOKEN_DAYS = 30  # POST /api/v1/auth/token/
MIGRATED_TOKEN_DAYS = 90  # the old DRF keys, from the migration's day
MAX_ACTIVE_TOKENS = 50  # named tokens of one user (page and API)
MAX_PASSWORD_TOKENS = 20  # tokens from the password exchange: the oldest is revoked past this
LAST_USED_STEP = timedelta(minutes=1)  # last_used_at is written at most once a minute per token

ORIGIN_PAGE = "page"
ORIGIN_API = "api"
ORIGIN_PASSWORD = "password"  # noqa: S105  (where a token came from)
ORIGIN_MIGRATED = "migrated"

EVENT_CREATED = "api_token.created"
EVENT_REVOKED = "api_token.revoked"
EVENT_USED_AFTER_REVOKE = "api_token.used_after_revoke"

# The scope a write (POST, PUT, PATCH, DELETE) needs, by URL name. Safe methods need `read`.
SCOPE_OF_WRITE: dict[str, str] = {
    # requisitions: the requester's carts and requisitions, their lines, quick order, imports, punchout
    **dict.fromkeys(
        [
            "api-requisitions",
            "api-requisition",
            "api-requisition-lines",
            "api-requisition-lines-move",
            "api-requisition-line",
            "api-requisition-quick-add",
            "api-requisition-upload",
            "api-requisition-submit",
            "api-requisition-withdraw",
            "api-requisition-cancel",
            "api-requisition-copy",
            "api-requisition-merge",
            "api-requisition-lists",
            "api-requisition-list",
            "api-requisition-list-cart",
            "api-punchout-sessions",
        ],
        TokenScope.REQUISITIONS.value,
    ),
    # approvals: decisions on approval tasks
    **dict.fromkeys(["api-approve", "api-reject", "api-return"], TokenScope.APPROVALS.value),
    # purchasing: the documents after approval (orders, receipts, claims, invoices), sourcing and contracts
    **dict.fromkeys(
        [
            "api-purchase-order-mark-sent",
            "api-purchase-order-close",
            "api-purchase-order-receipts",
            "api-receipt-reverse",
            "api-claims",
            "api-claim-close",
            "api-invoices",
            "api-invoice-upload",
            "api-invoice",
            "api-invoice-paid",
            "api-rfqs",
            "api-rfq",
            "api-rfq-send",
            "api-rfq-scores",
            "api-rfq-award",
            "api-contracts",
            "api-contract",
        ],
        TokenScope.PURCHASING.value,
    ),
    # admin: configuration (suppliers, catalog, punchout connections, budgets import, webhooks)
    **dict.fromkeys(
        [
            "api-suppliers",
            "api-supplier",
            "api-catalog-items",
            "api-catalog-uploads",
            "api-catalog-upload",
            "api-catalog-upload-lines",
            "api-catalog-upload-publish",
            "api-catalog-upload-reject",
            "api-punchout-connections",
            "api-budgets-import",
            "api-webhooks",
            "api-webhook",
            "api-webhook-test",
            "api-org-imports",
            "api-org-import-apply",
        ],
        TokenScope.ADMIN.value,
    ),
    # read: the caller's own reading aids (marking notifications read, reports mailed to themselves)
    **dict.fromkeys(
        [
            "api-notifications-read-all",
            "api-notification-read",
            "api-scheduled-reports",
            "api-scheduled-report",
        ],
        TokenScope.READ.value,
    ),
}
# Writes whose view checks the token itself: a token manages tokens no stronger than itself (token_views).
SCOPE_CHECKED_BY_VIEW = frozenset({"api-tokens", "api-token-detail"})
NO_SCOPE = "none"  # what `required_scope` answers for a write no table lists: no token holds it


class InsufficientScope(exceptions.PermissionDenied):
    default_code = ProcurementErrorCode.INSUFFICIENT_SCOPE


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = ProcurementErrorCode.TOKEN_EXPIRED


class TokenRevoked(exceptions.AuthenticationFailed):
    default_code = ProcurementErrorCode.TOKEN_REVOKED


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def scopes_allowed(user: Any) -> list[str]:
    """The scopes `user` may give a token: every scope, `admin` only to superusers and holders of the admin role."""
    allowed = [scope.value for scope in TokenScope]
    is_admin = user.is_superuser or (
        getattr(user, "employee", None) is not None and user.employee.roles.filter(code=Role.ADMIN).exists()
    )
    return allowed if is_admin else [scope for scope in allowed if scope != TokenScope.ADMIN]


def scopes_ordered(scopes: Any) -> list[str]:
    """`scopes` in TokenScope's order, each once (unknown values dropped)."""
    chosen = set(scopes)
    return [scope.value for scope in TokenScope if scope.value in chosen]


def api_token_create(
    *, user: Any, name: str, scopes: list[str], lifetime: timedelta, origin: str, actor: Any = None
) -> tuple[ApiToken, str]:
    """A new token of `user` and its secret (returned here once, stored nowhere). Bounds are the caller's checks."""
    secret = secret_new()
    now = timezone.now()
    expires_at = now + lifetime
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            key_hash=secret_hash(secret),
            hint=secret[:HINT_LENGTH],
            scopes=scopes_ordered(scopes),
            created_at=now,
            expires_at=expires_at,
            origin=origin,
        )
        audit_event_record(
            event_type=EVENT_CREATED,
            actor=actor or user,
            obj=token,
            data={
                "owner": user.get_username(),
                "name": name,
                "scopes": token.scopes,
                "expires_at": expires_at.isoformat(),
                "origin": origin,
            },
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: Any) -> bool:
    """Revoke `token` (audited); False when it was revoked already."""
    with transaction.atomic():
        now = timezone.now()
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor if getattr(actor, "pk", None) else None
        )
        if not changed:
            return False
        token.revoked_at = now
        audit_event_record(
            event_type=EVENT_REVOKED,
            actor=actor,
            obj=token,
            data={"owner": token.user.get_username(), "name": token.name},
        )
    return True


def password_token_issue(*, user: Any) -> str:
    """The secret of a new token for the password exchange: every scope `user` may have, PASSWORD_TOKEN_DAYS long.

    A user keeps at most MAX_PASSWORD_TOKENS active ones: the oldest beyond that are revoked.
    """
    _token, secret = api_token_create(
        user=user,
        name=gettext("Signed in with a password"),
        scopes=scopes_allowed(user),
        lifetime=timedelta(days=PASSWORD_TOKEN_DAYS),
        origin=ORIGIN_PASSWORD,
    )
    surplus = ApiToken.objects.filter(
        user=user, origin=ORIGIN_PASSWORD, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-id")[MAX_PASSWORD_TOKENS:]
    for old in surplus:
        api_token_revoke(token=old, actor=user)
    return secret


def token_for_secret(secret: str) -> ApiToken | None:
    """The token whose secret is `secret`, with its user; None for no token."""
    if not secret or len(secret) > MAX_PRESENTED_LENGTH:
        return None
    digest = secret_hash(secret)
    token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
    if token is None or not secrets.compare_digest(token.key_hash, digest):
        return None
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <secret>`, or the older `Authorization: Token <secret>`."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) == 1:
            raise exceptions.AuthenticationFailed(gettext("Invalid token header. No credentials provided."))
        if len(parts) > 2:
            raise exceptions.AuthenticationFailed(
                gettext("Invalid token header. Token string should not contain spaces.")
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                gettext("Invalid token header. Token string should not contain invalid characters.")
            ) from None
        return self.authenticate_credentials(secret)

    def authenticate_credentials(self, secret: str) -> tuple[AbstractBaseUser, ApiToken]:
        token = token_for_secret(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(gettext("Invalid token."))
        if token.revoked_at is not None:
            audit_event_record(
                event_type=EVENT_USED_AFTER_REVOKE,
                actor=token.user,
                obj=token,
                data={"owner": token.user.get_username(), "name": token.name},
            )
            raise TokenRevoked(gettext("This token was revoked."))
        now = timezone.now()
        if token.expires_at <= now:
            raise TokenExpired(gettext("This token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(gettext("User inactive or deleted."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def required_scope(request: Request) -> str | None:
    """The scope a token needs for this request; None when the view checks the token itself."""
    if request.method in SAFE_METHODS:
        return TokenScope.READ.value
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match is not None else None
    if name in SCOPE_CHECKED_BY_VIEW:
        return None
    return SCOPE_OF_WRITE.get(name or "", NO_SCOPE)


class TokenScopePermission(BasePermission):
    """A token-authenticated request passes when its token holds the scope the request needs; others pass."""

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        scope = required_scope(request)
        if scope is None or scope in token.scopes:
            return True
        if scope == NO_SCOPE:
            raise InsufficientScope(gettext("No token scope allows this request: sign in to the web pages for it."))
        raise InsufficientScope(
            gettext("This token lacks the “%(scope)s” scope this request needs.") % {"scope": scope}
        )


def scope_labels(scopes: list[str]) -> list[str]:
    labels = dict(TokenScope.choices)
    return [str(labels.get(scope, scope)) for scope in scopes]


SCOPE_HELP = {
    TokenScope.READ.value: gettext_lazy("See everything you may see (and mark your notifications read)."),
    TokenScope.REQUISITIONS.value: gettext_lazy("Create, edit, submit and withdraw your requisitions and carts."),
    TokenScope.APPROVALS.value: gettext_lazy("Approve, reject or return the requisitions waiting for you."),
    TokenScope.PURCHASING.value: gettext_lazy("Orders, receipts, invoices, requests for quotation and contracts."),
    TokenScope.ADMIN.value: gettext_lazy("Configuration: suppliers, catalog, punchout, budget imports, webhooks."),
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The tokens in the OpenAPI schema (the scheme keeps its name, tokenAuth)."""

    target_class = "procurement.api_tokens.ApiTokenAuthentication"
    match_subclasses = True
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ptk_ followed by 43 characters",
            "description": "An API token (POST /api/v1/auth/token/, POST /api/v1/tokens/ or /profile/tokens/) as "
            "`Authorization: Bearer <token>`; `Authorization: Token <token>` is accepted too. Each operation "
            "needs a scope: `read` for GET, the scope of docs/api.md's table for writes.",
        }
