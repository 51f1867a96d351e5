"""SAML 2.0 sign-in and logout (identity.saml does the protocol): the redirect to the IdP, the ACS, the same-site
finish, our metadata, and single logout both ways.

The IdP's Response arrives as a cross-site POST, which does not carry the session cookie under SameSite=Lax (our
default): the ACS is exempt from CSRF (the signed Response answering a request of ours is its protection), writes
the checked answer on the request it answers and sends the browser on to the finish page with a same-site GET,
which carries the cookie; there the session must name that request, so an answer cannot be finished in another
browser than the one that asked for it (no login CSRF).
"""

import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from . import audit, saml
from .models import IdentityProvider, Protocol, SamlRequest, SamlSession
from .oidc import SignInFailed
from .sso_people import sso_provision
from .views import BACKEND, SESSION_PROVIDER, _safe_next

SESSION_SAML_PENDING = "identity_saml_pending"
SESSION_SAML = "identity_saml"


def _provider(slug: str) -> IdentityProvider:
    return get_object_or_404(
        IdentityProvider.objects.select_related("legal_entity"), slug=slug, is_active=True, protocol=Protocol.SAML
    )


def _failed(request: HttpRequest, provider: IdentityProvider, failure: SignInFailed) -> HttpResponse:
    audit.sign_in_failure_recorded(request, method="saml", reason=failure.reason, provider=provider)
    return render(
        request,
        "identity/sign_in_failed.html",
        {"provider": provider, "message": failure.message},
        status=failure.status,
    )


def start(request: HttpRequest, provider: IdentityProvider, next_url: str) -> HttpResponse:
    """Off to the IdP with a signed AuthnRequest; the session remembers which request it is waiting for."""
    try:
        location, request_id = saml.authn_redirect(provider, next_url)
    except SignInFailed as failure:
        return _failed(request, provider, failure)
    request.session[SESSION_SAML_PENDING] = {"provider": provider.pk, "request_id": request_id}
    return HttpResponseRedirect(location)


@require_GET
def saml_login(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Sign in with …" for a SAML provider."""
    provider = _provider(slug)
    return start(request, provider, _safe_next(request, request.GET.get("next")))


@csrf_exempt
@require_POST
def saml_acs(request: HttpRequest, slug: str) -> HttpResponse:
    """The IdP's Response (HTTP-POST binding): checked and its request spent here; finished by the browser that
    asked for it (or, for an allowed IdP-initiated sign-in, right here)."""
    provider = _provider(slug)
    try:
        answer = saml.check_response(provider, request.POST.get("SAMLResponse", ""))
        spent = saml.spend(provider, answer)
    except SignInFailed as failure:
        return _failed(request, provider, failure)
    if answer.request_id is None:
        relay_state = request.POST.get("RelayState", "")[:2000]
        SamlRequest.objects.filter(pk=spent.pk).update(answer=None)  # the assertion ID alone is kept, for replays
        return _complete(request, provider, spent.answer or {}, _safe_next(request, relay_state))
    return redirect("identity:saml-finish", slug=provider.slug)


@require_GET
def saml_finish(request: HttpRequest, slug: str) -> HttpResponse:
    """The same-site step after the ACS: the session names the request the answer answered."""
    provider = _provider(slug)
    pending = request.session.pop(SESSION_SAML_PENDING, None) or {}
    row = None
    if pending.get("provider") == provider.pk and isinstance(pending.get("request_id"), str):
        row = SamlRequest.objects.filter(
            provider=provider, request_id=pending["request_id"], answered_at__isnull=False
        ).first()
    # Clearing the answer is what spends it (of two tabs finishing at once, one does); the row stays until it
    # expires, so that the same Response played again is known as a replay.
    if row is None or SamlRequest.objects.filter(pk=row.pk, answer__isnull=False).update(answer=None) != 1:
        return _failed(
            request,
            provider,
            SignInFailed(
                "saml_not_this_browser",
                _(
                    "This sign-in answer was already used, has expired or was started in another browser. "
                    "Start again from the login page."
                ),
            ),
        )
    return _complete(request, provider, row.answer or {}, _safe_next(request, row.next_url))


def _complete(request: HttpRequest, provider: IdentityProvider, answer: dict[str, Any], next_url: str) -> HttpResponse:
    try:
        provisioned = sso_provision(provider, dict(answer.get("claims") or {}))
    except SignInFailed as failure:
        return _failed(request, provider, failure)
    request.session.pop("identity_login_hint", None)
    login(request, provisioned.user, backend=BACKEND)
    request.session[SESSION_PROVIDER] = provider.pk
    request.session[SESSION_SAML] = {
        "name_id": answer.get("name_id", ""),
        "name_id_format": answer.get("name_id_format", ""),
        "session_index": answer.get("session_index", ""),
    }
    request.session.save()
    # Rows of sessions that expired on their own are forgotten with them.
    SamlSession.objects.filter(
        created_at__lt=timezone.now() - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ).delete()
    SamlSession.objects.create(
        provider=provider,
        user=provisioned.user,
        name_id=str(answer.get("name_id", ""))[:500],
        name_id_format=str(answer.get("name_id_format", ""))[:100],
        session_index=str(answer.get("session_index", ""))[:500],
        session_key=request.session.session_key or "",
    )
    audit.sign_in_recorded(
        request,
        user=provisioned.user,
        method="saml",
        provider=provider,
        created=provisioned.created,
        changed=provisioned.changed,
        warnings=provisioned.warnings,
    )
    for warning in provisioned.warnings:
        messages.warning(request, warning)
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


@require_GET
def saml_metadata(request: HttpRequest, slug: str) -> HttpResponse:
    """Our SP metadata for this IdP (entity ID, ACS, logout, signing certificate): public, as its name says."""
    provider = _provider(slug)
    return HttpResponse(saml.sp_metadata(provider), content_type="application/samlmetadata+xml")


def _end_sessions(request: HttpRequest, provider: IdentityProvider) -> Any:
    def end(name_id: str, session_indexes: list[str]) -> None:
        rows = SamlSession.objects.filter(provider=provider, name_id=name_id).select_related("user")
        if session_indexes:
            rows = rows.filter(session_index__in=session_indexes)
        store = import_module(settings.SESSION_ENGINE).SessionStore
        for row in rows:
            store(session_key=row.session_key).delete()
            if request.session.session_key == row.session_key:
                request.session.flush()
            audit.sign_out_recorded(request, user=row.user, provider=provider)
        rows.delete()

    return end


@csrf_exempt
@require_http_methods(["GET", "POST"])
def saml_sls(request: HttpRequest, slug: str) -> HttpResponse:
    """Single logout: the IdP's LogoutRequest (it ended the person's session there: we end ours, and answer), or
    its LogoutResponse to ours (the person is already logged out here)."""
    provider = _provider(slug)
    data = request.POST if request.method == "POST" else request.GET
    binding = BINDING_HTTP_POST if request.method == "POST" else BINDING_HTTP_REDIRECT
    if "SAMLRequest" in data:
        try:
            location = saml.answer_logout_request(
                provider,
                binding,
                data["SAMLRequest"],
                data.get("RelayState"),
                data.get("SigAlg"),
                data.get("Signature"),
                _end_sessions(request, provider),
            )
        except SignInFailed as failure:
            audit.sign_in_failure_recorded(request, method="saml_logout", reason=failure.reason, provider=provider)
            return render(
                request,
                "identity/sign_in_failed.html",
                {"provider": provider, "message": failure.message},
                status=failure.status,
            )
        return HttpResponseRedirect(location) if location else redirect(settings.LOGOUT_REDIRECT_URL)
    messages.info(request, _("You are signed out of %(provider)s too.") % {"provider": provider.name})
    return redirect(settings.LOGOUT_REDIRECT_URL)


def after_logout(
    provider: IdentityProvider, session_data: dict[str, Any] | None, session_key: str | None
) -> str | None:
    """Our logout of a person signed in through a SAML provider: their session's row forgotten, and the address of
    the IdP's single logout with our LogoutRequest (None when it has none)."""
    if session_key:
        SamlSession.objects.filter(provider=provider, session_key=session_key).delete()
    if not session_data or not session_data.get("name_id"):
        return None
    return saml.logout_redirect(
        provider,
        str(session_data["name_id"]),
        str(session_data.get("name_id_format", "")),
        str(session_data.get("session_index", "")),
    )
