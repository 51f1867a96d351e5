"""Password logins that respect the legal entity's choice of single sign-on."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from procurement.auth_backends import UserWithEmployeeBackend

from .policy import password_refused_by

REFUSED_ATTRIBUTE = "identity_password_refused_by"


class LocalPasswordBackend(UserWithEmployeeBackend):
    """The core's backend (passwords, permissions, the session user read with its employee), which also refuses a
    right password of a person whose entity or e-mail domain switched local passwords off: they sign in through
    their identity provider. The login page reads the refusal from the request to say so."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            provider = password_refused_by(user)
            if provider is not None:
                if request is not None:
                    setattr(request, REFUSED_ATTRIBUTE, provider)
                raise PermissionDenied
        return user


class SingleSignOnBackend(UserWithEmployeeBackend):
    """The session backend of a person signed in through their identity provider (identity.views): it reads the
    session's user as the core does but never checks a password, so the session says how its person signed in (a
    password login is asked for a second factor, a single sign-on is not: procurement.two_factor)."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        return None
