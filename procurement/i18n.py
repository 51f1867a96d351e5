"""Which language a person reads: their profile's choice, else their browser's, else the site's default.

Pages follow the request (LocaleMiddleware, then `UserLanguageMiddleware` once the user is known); what is sent
to someone later (an e-mail, a notification, a digest) is written in `user_language(recipient)`, whoever
triggered it.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def language_supported(code: str | None) -> str:
    """`code` when it is one of the UI's languages ("fr", "fr-ca" → "fr"), else ""."""
    if not code:
        return ""
    code = code.lower().replace("_", "-")
    if code in LANGUAGE_CODES:
        return code
    base = code.split("-", 1)[0]
    return base if base in LANGUAGE_CODES else ""


def user_language(user: Any) -> str:
    """The language to write to `user` in: their profile's, else the site's default."""
    employee = getattr(user, "employee", None) if getattr(user, "pk", None) else None
    return language_supported(getattr(employee, "language", "")) or settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """After authentication: a profile that names a language wins over the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            employee = getattr(user, "employee", None)
            chosen = language_supported(getattr(employee, "language", ""))
            if chosen and chosen != translation.get_language():
                translation.activate(chosen)
                request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
