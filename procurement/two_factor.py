"""Two-factor authentication (TOTP) for administrators and finance who sign in with a password.

After a password login (a session whose backend is one of `settings.TWO_FACTOR_PASSWORD_BACKENDS`), a superuser
or an employee with a role of `settings.TWO_FACTOR_ROLES` is sent to /two-factor/verify/ to type the code of
their authenticator app (or one of their recovery codes), or, with no authenticator yet, to /two-factor/setup/
to enrol one (a QR code drawn here as SVG), before any other page. A single sign-on session is not asked.
The password exchange of the API (POST /api/v1/auth/token/) asks an enrolled user for the code too (`otp`).

django-otp keeps which device verified the session (`request.user.is_verified()`); the devices are
`procurement.models.TotpDevice` (key encrypted at rest) and the single-use `RecoveryCode`s (hashes only).
"""

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django_otp import login as otp_login

from .error_codes import ProcurementErrorCode
from .errors import ProcurementError
from .events import audit_event_record
from .models import RecoveryCode, TotpDevice

SESSION_NEEDED = "two_factor_needed"  # in the session: whether this login must give a second factor
RECOVERY_CODES = 10
KEY_BYTES = 20  # RFC 4226's recommended 160-bit key
OPEN_PATHS = ("/two-factor/", "/login/", "/logout/", "/static/", "/i18n/", "/healthz", "/readyz", "/metrics")


class SecondFactorRequired(ProcurementError):
    code = ProcurementErrorCode.OTP_REQUIRED


def role_requires_second_factor(user: Any) -> bool:
    if user.is_superuser:
        return True  # an employee or not
    employee = getattr(user, "employee", None)
    return employee is not None and employee.roles.filter(code__in=settings.TWO_FACTOR_ROLES).exists()


def confirmed_device(user: Any) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed=True).first()


def session_needs_second_factor(request: HttpRequest) -> bool:
    """Whether this request's session must give a second factor before going on (known once per session)."""
    user: Any = request.user
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    session = request.session
    if session.get(BACKEND_SESSION_KEY) not in settings.TWO_FACTOR_PASSWORD_BACKENDS:
        return False
    needed = session.get(SESSION_NEEDED)
    if needed is None:
        needed = role_requires_second_factor(user) or confirmed_device(user) is not None
        session[SESSION_NEEDED] = needed
    return bool(needed) and not user.is_verified()


class TwoFactorMiddleware:
    """Pages wait for the second factor: to the verification page, or to enrolment without an authenticator."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(OPEN_PATHS) or not session_needs_second_factor(request):
            response: HttpResponse = self.get_response(request)
            return response
        if request.path.startswith("/api/"):
            if request.headers.get("Authorization"):  # a token: the API checks it, the session is not used
                response = self.get_response(request)
                return response
            return JsonResponse(
                {
                    "code": ProcurementErrorCode.OTP_REQUIRED,
                    "message": gettext("Give the code of your authenticator app at /two-factor/verify/ first."),
                },
                status=403,
            )
        target = "two-factor-verify" if confirmed_device(request.user) else "two-factor-setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return "/"
    return target


def _normalised_recovery(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


def recovery_codes_issue(user: Any) -> list[str]:
    """New recovery codes for `user` (the old ones no longer work): shown once, stored as hashes."""
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=hashlib.sha256(code.encode()).hexdigest()) for code in codes
        )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_code_use(user: Any, code: str) -> bool:
    digest = hashlib.sha256(_normalised_recovery(code).encode()).hexdigest()
    with transaction.atomic():
        used = RecoveryCode.objects.filter(user=user, code_hash=digest, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used:
            audit_event_record(event_type="two_factor.recovery_code_used", actor=user, obj=user)
    return bool(used)


def second_factor_check(user: Any, code: str) -> bool:
    """Whether `code` is the user's current authenticator code or an unused recovery code (failures throttled)."""
    device = confirmed_device(user)
    if device is None:
        return False
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise SecondFactorRequired(gettext("Too many wrong codes: wait a moment and try again."))
    text = code.strip().replace(" ", "")
    if text.isdigit():
        return device.verify_token(text)
    if recovery_code_use(user, text):
        device.throttle_reset()
        return True
    device.throttle_increment()
    return False


def password_exchange_check(user: Any, code: str | None) -> None:
    """The API's password exchange asks a user with an authenticator for its code too (`otp`)."""
    if not settings.TWO_FACTOR_REQUIRED or confirmed_device(user) is None:
        return
    if not code:
        raise SecondFactorRequired(gettext("Your account has two-factor authentication: add the code as “otp”."))
    if not second_factor_check(user, str(code)[:40]):
        raise SecondFactorRequired(gettext("The code is wrong or was used already."))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )


def otpauth_uri(device: TotpDevice) -> str:
    user: Any = device.user
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    label = quote(f"{settings.OTP_TOTP_ISSUER}:{user.get_username()}")
    query = urlencode({"secret": secret, "issuer": settings.OTP_TOTP_ISSUER, "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(text: str) -> str:
    """`text` as a QR code, an inline <svg> element (no data: URL, no style attribute: the page's CSP)."""
    return str(
        segno.make(text, error="m").svg_inline(scale=4, border=2, light="#fff", title=gettext("QR code to scan"))
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if confirmed_device(user) is None:
        return redirect(f"{reverse('two-factor-setup')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ok = second_factor_check(user, form.cleaned_data["code"])
        except SecondFactorRequired as error:
            form.add_error("code", error.message)
        else:
            if ok:
                otp_login(request, confirmed_device(user))
                return redirect(_next_url(request))
            form.add_error("code", gettext("The code is wrong or was used already."))
    return render(
        request,
        "procurement/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app; with one enrolled (and this session verified), make new recovery codes."""
    user: Any = request.user
    device = confirmed_device(user)
    if device is not None and not user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': _next_url(request)})}")
    if device is not None:
        codes: list[str] = []
        if request.method == "POST" and request.POST.get("action") == "recovery-codes":
            codes = recovery_codes_issue(user)
        response = render(request, "procurement/two_factor_setup.html", {"enrolled": True, "recovery_codes": codes})
        response["Cache-Control"] = "no-store"
        return response
    pending = TotpDevice.objects.filter(user=user, confirmed=False).first()
    if pending is None:
        pending = TotpDevice.objects.create(
            user=user, name=gettext("Authenticator app"), confirmed=False, key_hex=secrets.token_hex(KEY_BYTES)
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not pending.verify_is_allowed()[0]:
        form.add_error("code", gettext("Too many wrong codes: wait a moment and try again."))
    elif request.method == "POST" and form.is_valid():
        if pending.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                TotpDevice.objects.filter(user=user, confirmed=False).delete()
                codes = recovery_codes_issue(user)
                audit_event_record(event_type="two_factor.enrolled", actor=user, obj=user)
            otp_login(request, pending)
            response = render(
                request,
                "procurement/two_factor_setup.html",
                {"enrolled": True, "just_enrolled": True, "recovery_codes": codes, "next": _next_url(request)},
            )
            response["Cache-Control"] = "no-store"
            return response
        form.add_error("code", gettext("The code is wrong: check the time on your phone and type the newest code."))
    uri = otpauth_uri(pending)
    response = render(
        request,
        "procurement/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg(uri),
            "manual_key": base64.b32encode(pending.bin_key).decode("ascii").rstrip("="),
            "next": _next_url(request),
        },
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"
    return response
