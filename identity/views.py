"""The login page (password or single sign-on), the OpenID Connect redirect and callback, and logout (with the
provider's end of session when it has one)."""

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import audit
from .backchannel_logout import (
    LogoutTokenInvalid,
    logout_token_verify,
    sessions_end,
    sso_session_forget,
    sso_session_record,
)
from .backends import REFUSED_ATTRIBUTE
from .forms import PasswordLoginForm, SingleSignOnForm
from .models import IdentityProvider
from .oidc import SignInFailed, authorization_redirect, complete_sign_in, logout_url
from .policy import provider_for_email
from .sso_people import sso_provision

logger = logging.getLogger(__name__)

SESSION_PENDING = "identity_pending"
SESSION_PROVIDER = "identity_provider"
SESSION_ID_TOKEN = "identity_id_token"  # noqa: S105 - a session key's name
BACKEND = "identity.backends.SingleSignOnBackend"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def login_providers() -> list[IdentityProvider]:
    return list(
        IdentityProvider.objects.filter(is_active=True, show_on_login_page=True).only("name", "slug", "protocol")
    )


class LoginView(auth_views.LoginView):
    """Django's login page with single sign-on beside the password: a work e-mail routed to its provider by domain,
    or a "Sign in with …" button per provider."""

    form_class = PasswordLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("sso_form", SingleSignOnForm())
        context["sso_providers"] = login_providers()
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.sign_in_recorded(self.request, user=form.get_user(), method="password")
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        provider = getattr(self.request, REFUSED_ATTRIBUTE, None)
        audit.sign_in_failure_recorded(
            self.request,
            method="password",
            reason="password_switched_off" if provider is not None else "bad_credentials",
            provider=provider,
            username=str(form.data.get("username", "")),
        )
        return super().form_invalid(form)


@require_POST
def sso_start(request: HttpRequest) -> HttpResponse:
    """The work e-mail typed on the login page: its domain names the provider to go to."""
    form = SingleSignOnForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next"))
    provider = provider_for_email(form.cleaned_data["email"]) if form.is_valid() else None
    if form.is_valid() and provider is None:
        form.add_error("email", _("No single sign-on is set up for this e-mail domain: log in with your password."))
    if provider is None:
        context = {
            "form": PasswordLoginForm(request),
            "sso_form": form,
            "sso_providers": login_providers(),
            "next": next_url,
        }
        return render(request, "registration/login.html", context, status=400)
    request.session["identity_login_hint"] = form.cleaned_data["email"]
    return _start(request, provider, next_url)


@require_GET
def oidc_login(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Sign in with …": off to the provider."""
    provider = get_object_or_404(IdentityProvider, slug=slug, is_active=True)
    request.session.pop("identity_login_hint", None)
    return _start(request, provider, _safe_next(request, request.GET.get("next")))


def _start(request: HttpRequest, provider: IdentityProvider, next_url: str) -> HttpResponse:
    if provider.is_saml:
        from . import saml_views  # imported here: saml_views imports this module

        return saml_views.start(request, provider, next_url)
    try:
        response = authorization_redirect(request, provider)
    except SignInFailed as failure:
        return _failed(request, provider, failure)
    request.session[SESSION_PENDING] = {"provider": provider.pk, "next": next_url}
    return response


def _failed(request: HttpRequest, provider: IdentityProvider, failure: SignInFailed, user: Any = None) -> HttpResponse:
    audit.sign_in_failure_recorded(request, method="oidc", reason=failure.reason, provider=provider, user=user)
    return render(
        request,
        "identity/sign_in_failed.html",
        {"provider": provider, "message": failure.message},
        status=failure.status,
    )


@require_GET
def oidc_callback(request: HttpRequest, slug: str) -> HttpResponse:
    """The provider sends the person back here with a code: checked, exchanged, the employee provisioned."""
    provider = get_object_or_404(IdentityProvider.objects.select_related("legal_entity"), slug=slug, is_active=True)
    try:
        token = complete_sign_in(request, provider)
        provisioned = sso_provision(provider, dict(token["userinfo"]))
    except SignInFailed as failure:
        return _failed(request, provider, failure)
    pending = request.session.pop(SESSION_PENDING, None) or {}
    request.session.pop("identity_login_hint", None)
    login(request, provisioned.user, backend=BACKEND)
    request.session[SESSION_PROVIDER] = provider.pk
    request.session[SESSION_ID_TOKEN] = token["id_token"]
    sso_session_record(
        provider=provider,
        session_key=request.session.session_key or "",
        user=provisioned.user,
        claims=token["userinfo"],
    )
    audit.sign_in_recorded(
        request,
        user=provisioned.user,
        method="oidc",
        provider=provider,
        created=provisioned.created,
        changed=provisioned.changed,
        warnings=provisioned.warnings,
    )
    for warning in provisioned.warnings:
        messages.warning(request, warning)
    next_url = pending.get("next") if pending.get("provider") == provider.pk else ""
    return redirect(_safe_next(request, next_url) or settings.LOGIN_REDIRECT_URL)


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST), then the provider's end of session when the person signed in through one that has an
    end_session_endpoint (RP-initiated logout), which sends them back to our login page."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider_pk = request.session.get(SESSION_PROVIDER)
        id_token = request.session.get(SESSION_ID_TOKEN, "")
        saml_session, session_key = request.session.get("identity_saml"), request.session.session_key
        user = request.user if request.user.is_authenticated else None
        provider = IdentityProvider.objects.filter(pk=provider_pk, is_active=True).first() if provider_pk else None
        sso_session_forget(session_key=request.session.session_key)
        response = super().post(request, *args, **kwargs)
        if user is not None:
            audit.sign_out_recorded(request, user=user, provider=provider)
        if provider is not None and provider.is_saml:
            from . import saml_views  # imported here: saml_views imports this module

            saml_url = saml_views.after_logout(provider, saml_session, session_key)
            return HttpResponseRedirect(saml_url) if saml_url else response
        if provider is not None and id_token:
            after = settings.SITE_URL.rstrip("/") + reverse(settings.LOGOUT_REDIRECT_URL)
            url = logout_url(provider, id_token, after)
            if url:
                return HttpResponseRedirect(url)
        return response


@csrf_exempt  # a machine endpoint, authenticated by the logout token's signature
@never_cache
@require_POST
def oidc_backchannel_logout(request: HttpRequest, slug: str) -> HttpResponse:
    """OpenID Connect Back-Channel Logout: the provider posts a signed logout token; the sessions it names end."""
    provider = IdentityProvider.objects.select_related("legal_entity").filter(slug=slug, is_active=True).first()
    try:
        if provider is None:
            raise LogoutTokenInvalid("invalid_request", "No active identity provider has this slug.")
        claims = logout_token_verify(provider, request.POST.get("logout_token", ""))
        sessions_end(provider=provider, claims=claims, ip=audit.client_address(request)["ip"])
    except LogoutTokenInvalid as invalid:
        logger.info("back-channel logout refused (%s): %s", slug, invalid.message)
        return JsonResponse(
            {
                "error": invalid.code,
                "error_description": invalid.message,
                "code": invalid.code,
                "message": invalid.message,
            },
            status=400,
        )
    return JsonResponse({}, status=200)
