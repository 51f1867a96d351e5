"""A punch-in from an ERP is a shopping session and nothing more.

The one-time StartPage gives the browser a punch-in: a session of its own, in its own cookie, beside (never
instead of) whatever login the browser has here. On the pages of the punch-in — the catalog, the session's
cart and the punch-in's own pages — the request acts as the punch-in identity, with the ERP client's prices
and assortment; on every other page the punch-in does not exist, so the browser is whoever it was before
(usually nobody). Transfer, leave and expiry end the punch-in: its session is flushed and its cookie removed.

A punch-in identity never holds an ordinary login: one found in the browser's session (from an older
version, or by any other way) is logged out, and the API refuses it (`punchout.middleware.NotPunchinUser`).

This middleware lives in requisitions because ending a punch-in closes its cart, a requisition
(`requisitions.punchin_carts`).
"""

import contextlib
import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from punchout.middleware import LEGACY_SESSION_KEY, PUNCHIN_COOKIE, SESSION_KEY, punchin_close, punchin_session_store
from punchout.models import InboundSession
from punchout.punchin_sessions import is_punchin_user, live_session

from .punchin_carts import punchin_cart_expire

# Where the punch-in identity acts. Everything else sees the browser's ordinary login, or nobody.
_CART_PATH = re.compile(r"^/requisitions/(?P<pk>\d+)/(?:save/)?$")
_PUNCHIN_PAGES = ("/punchout/inbound/transfer/", "/punchout/inbound/leave/")
# Pages that work without a login (protocol endpoints, static files, the login itself): never refused.
_PUBLIC_PREFIXES = ("/punchout/", "/cxml/", "/static/", "/login/", "/logout/", "/favicon", "/healthz", "/readyz")
REFUSED_MESSAGE = gettext_lazy(
    "Not available while you shop for your purchasing system: transfer the cart or leave the punchout session."
)


def _in_scope(request: HttpRequest, session: InboundSession) -> bool:
    path = request.path
    if path in _PUNCHIN_PAGES or path in ("/", "/catalog/", "/requisitions/add-from-catalog/"):
        return True
    match = _CART_PATH.match(path)
    if match is None or int(match["pk"]) != session.requisition_id:
        return False
    # Saving the cart is shopping; submitting it for approval here, or moving lines to other carts, is not.
    return not (path.endswith("/save/") and request.POST.get("action", "save") in ("submit", "move"))


LOOK_ONLY_MESSAGE = gettext_lazy(
    "This punchout session is only for looking at the items of your purchasing system: nothing can be added, "
    "changed or saved here. Go back to your purchasing system to change them."
)


def _writes_while_looking(request: HttpRequest, session: InboundSession) -> bool:
    """An inspect session shows the ERP's lines and changes nothing: any write but going back is refused."""
    return (
        session.operation == "inspect"
        and request.method not in ("GET", "HEAD", "OPTIONS")
        and request.path not in _PUNCHIN_PAGES
    )


class PunchinMiddleware:
    """Acts as the punch-in identity on the punch-in's pages; elsewhere the punch-in does not exist."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(LEGACY_SESSION_KEY) is not None or is_punchin_user(request.user):
            logout(request)  # a punch-in identity (or an old punch-in login) never holds an ordinary login
        key = request.COOKIES.get(PUNCHIN_COOKIE)
        if not key:
            return self.get_response(request)
        store = punchin_session_store(key)
        session_id = store.get(SESSION_KEY)
        session = live_session(session_id=session_id)
        if session is None or session.employee is None:
            # Over (transferred, left, expired) or never valid: the punch-in ends here.
            if isinstance(session_id, int):
                punchin_cart_expire(session_id=session_id)
            response = (
                render(request, "punchout/refused.html", _ENDED_CONTEXT, status=410)
                if request.path in _PUNCHIN_PAGES
                else self.get_response(request)
            )
            punchin_close(request, response)
            return response
        if not _in_scope(request, session):
            if not request.user.is_authenticated and not request.path.startswith(_PUBLIC_PREFIXES):
                return _refused(request)
            return self.get_response(request)
        if _writes_while_looking(request, session):
            context = {"message": LOOK_ONLY_MESSAGE, "heading": _("This punchout session is only for looking")}
            return render(request, "punchout/refused.html", context, status=403)
        return self._as_punchin(request, store, session)

    def _as_punchin(self, request: HttpRequest, store: SessionBase, session: InboundSession) -> HttpResponse:
        assert session.employee is not None
        user = session.employee.user
        browser_session, browser_user = request.session, request.user
        request.session = store
        request.user = user

        async def auser() -> Any:
            return user

        request.auser = auser
        request.punchin = session  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
            if store.modified and store.session_key:
                # The request may have ended the punch-in ("Leave without sending", transfer): punchin_close
                # deleted its session while the page, rendering, touched it. Nothing is left to keep then.
                with contextlib.suppress(UpdateError):
                    store.save()
        finally:
            # The browser's own session and login go back untouched: the session middleware saves only them.
            request.session, request.user = browser_session, browser_user
        return response


_ENDED = gettext_lazy("This punchout session has ended: start again from your purchasing system.")
_ENDED_CONTEXT = {"message": _ENDED, "heading": gettext_lazy("Punchout session ended")}


def _refused(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "punchout_session", "message": REFUSED_MESSAGE}, status=403)
    context = {"message": REFUSED_MESSAGE, "heading": _("Not available during a punchout session")}
    return render(request, "punchout/refused.html", context, status=403)
