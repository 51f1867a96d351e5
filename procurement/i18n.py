"""Which language a person reads: their profile's choice, else their browser's, else the site's default.

Pages follow the request (LocaleMiddleware, then `UserLanguageMiddleware` once the user is known); what is sent
to someone later (an e-mail, a notification, a digest) is written in `user_language(recipient)`, whoever
triggered it.
"""

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .selectors import employee_for_user

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


def profile_language(user: Any) -> str:
    """The language `user`'s profile names, or "" (no profile, no choice, or a language no longer offered)."""
    return language_supported(getattr(employee_for_user(user=user), "language", ""))


def user_language(user: Any) -> str:
    """The language to write to `user` in: their profile's, else the site's default."""
    return profile_language(user) or settings.LANGUAGE_CODE


# The language a supplier reads when its record names none: that of the ordering entity's country.
COUNTRY_LANGUAGES = {"FR": "fr", "SE": "sv"}  # add a country here when its language joins settings.LANGUAGES


def supplier_language(supplier: Any, legal_entity: Any = None) -> str:
    """The language of what a supplier gets from `legal_entity` (the purchase order's PDF and e-mail): the
    supplier's own, else the ordering entity's country's (FR → fr, SE → sv), else the site's default."""
    chosen = language_supported(getattr(supplier, "language", ""))
    if chosen:
        return chosen
    country = (getattr(legal_entity, "country", "") or "").upper()
    return language_supported(COUNTRY_LANGUAGES.get(country)) or settings.LANGUAGE_CODE


P = ParamSpec("P")
R = TypeVar("R")


def in_language(language_of: Callable[..., str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function under `translation.override(language_of(*args, **kwargs))`: its texts,
    amounts and dates come out in the reader's language, whoever calls it.

        @in_language(lambda order, *args, **kwargs: supplier_language(order.supplier, order.legal_entity))
        def order_pdf(order, revision=None): ...
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with translation.override(language_of(*args, **kwargs)):
                return function(*args, **kwargs)

        return wrapper

    return decorate


def activate_user_language(user: Any) -> None:
    """Once a request's user is known, their profile's language wins over what LocaleMiddleware chose from
    the browser (Accept-Language, the language cookie). The pages call it from `UserLanguageMiddleware`;
    the API's token authentication calls it itself (DRF authenticates in the view, after the middleware)."""
    chosen = profile_language(user)
    if chosen and chosen != translation.get_language():
        translation.activate(chosen)


class UserLanguageMiddleware:
    """After authentication: a profile that names a language wins over the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_user_language(getattr(request, "user", None))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
