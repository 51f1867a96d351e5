"""Sign-ins, their failures and sign-outs in the audit log: who, when (the event's time), from where."""

from typing import Any

from django.http import HttpRequest

from procurement.events import audit_event_record

from .models import IdentityProvider

SIGN_IN = "identity.sign_in"
SIGN_IN_FAILED = "identity.sign_in_failed"
SIGN_OUT = "identity.sign_out"


def client_address(request: HttpRequest) -> dict[str, str]:
    """The peer's address, and what a proxy in front says it forwarded (kept as told, for the reader to judge)."""
    where = {"ip": str(request.META.get("REMOTE_ADDR", ""))[:45]}
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded:
        where["forwarded_for"] = forwarded[:200]
    return where


def _entity(user: Any) -> Any:
    employee = getattr(user, "employee", None) if user is not None and hasattr(user, "employee") else None
    return getattr(employee, "default_legal_entity", None)


def sign_in_recorded(
    request: HttpRequest, *, user: Any, method: str, provider: IdentityProvider | None = None, **data: Any
) -> None:
    audit_event_record(
        event_type=SIGN_IN,
        actor=user,
        legal_entity=provider.legal_entity if provider is not None else _entity(user),
        obj=user,
        data={"method": method, "provider": provider.slug if provider else "", **client_address(request), **data},
    )


def sign_in_failure_recorded(
    request: HttpRequest,
    *,
    method: str,
    reason: str,
    provider: IdentityProvider | None = None,
    username: str = "",
    user: Any = None,
) -> None:
    audit_event_record(
        event_type=SIGN_IN_FAILED,
        actor=user,
        legal_entity=provider.legal_entity if provider is not None else None,
        data={
            "method": method,
            "provider": provider.slug if provider else "",
            "reason": reason[:60],
            "username": username[:150],
            **client_address(request),
        },
    )


def sign_out_recorded(request: HttpRequest, *, user: Any, provider: IdentityProvider | None) -> None:
    audit_event_record(
        event_type=SIGN_OUT,
        actor=user,
        legal_entity=provider.legal_entity if provider is not None else _entity(user),
        obj=user,
        data={"provider": provider.slug if provider else "", **client_address(request)},
    )
