"""The browser's punch-in, in punchout's terms: a session of its own in its own cookie (`punchin_open`,
`punchin_close`), and the API closed to punch-in identities (`NotPunchinUser`, `TokenAuthentication`).

Where the punch-in identity acts and when the punch-in ends is `requisitions.punchin_middleware`.
"""

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from procurement.api_tokens import ApiTokenAuthentication
from procurement.i18n import activate_user_language

from .models import InboundSession
from .punchin_sessions import is_punchin_user

PUNCHIN_COOKIE = "punchin"
SESSION_KEY = "punchout_inbound"  # in the punch-in's own session: the InboundSession's id
LEGACY_SESSION_KEY = "punchout_inbound"  # older versions kept it in the browser's login session


def punchin_session_store(key: str | None = None) -> SessionBase:
    store_class: Any = import_string(settings.SESSION_ENGINE + ".SessionStore")
    store: SessionBase = store_class(key)
    return store


def punchin_open(response: HttpResponse, *, session: InboundSession, data: dict[str, Any]) -> None:
    """Give the browser a punch-in for this shopping session (a session of its own, in its own cookie)."""
    store = punchin_session_store()
    store[SESSION_KEY] = session.pk
    for key, value in data.items():
        store[key] = value
    store.set_expiry(session.expires_at)
    store.save()
    assert store.session_key is not None
    response.set_cookie(
        PUNCHIN_COOKIE,
        store.session_key,
        expires=session.expires_at,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def punchin_close(request: HttpRequest, response: HttpResponse) -> None:
    """End the browser's punch-in: its session is flushed and its cookie removed."""
    key = request.COOKIES.get(PUNCHIN_COOKIE)
    if key:
        punchin_session_store(key).delete()
    response.delete_cookie(PUNCHIN_COOKIE, samesite="Lax")


class NotPunchinUser(BasePermission):
    """The API is closed to punch-in identities (a default permission, for views that keep the defaults)."""

    message = gettext_lazy("A punchout shopper may not use the API.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return not is_punchin_user(request.user)


class TokenAuthentication(ApiTokenAuthentication):
    """API tokens (procurement.api_tokens), refused for punch-in identities whatever view they call."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if is_punchin_user(user):
            raise exceptions.AuthenticationFailed(NotPunchinUser.message)
        activate_user_language(user)  # the API's messages in the profile's language (procurement.i18n)
        return user, token
