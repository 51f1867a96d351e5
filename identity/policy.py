"""Who signs in where: the provider of an e-mail domain, and whether a person's local password is switched off."""

from typing import Any

from django.db.models import Q

from procurement.models import Employee

from .models import IdentityProvider, normalise_domain


def email_domain(email: str) -> str:
    return normalise_domain(email.rsplit("@", 1)[1]) if "@" in email else ""


def provider_for_email(email: str) -> IdentityProvider | None:
    """The active provider whose e-mail domains include this address's domain."""
    domain = email_domain(email)
    if not domain:
        return None
    return IdentityProvider.objects.filter(is_active=True, domains__domain=domain).first()


def password_refused_by(user: Any) -> IdentityProvider | None:
    """The provider that switched local passwords off for this person (by their e-mail domain or their legal
    entities), or None. Superusers keep their password: the way in when a provider is down."""
    if user.is_superuser:
        return None
    scope = Q(legal_entity__members__user=user) | Q(
        legal_entity__in=Employee.objects.filter(user=user).values("default_legal_entity")
    )
    domain = email_domain(user.email or "")
    if domain:
        scope |= Q(domains__domain=domain)
    return (
        IdentityProvider.objects.filter(is_active=True, local_passwords_disabled=True)
        .filter(scope)
        .order_by("pk")
        .first()
    )
