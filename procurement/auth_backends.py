"""The logged-in user of a request read with their employee profile: one query where it was two.

Almost every page and API call reads the caller's employee (`procurement.selectors.employee_for_user`: the legal
entity, the language, the inbox); reading it with the user joins it to the session's user query.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, StringAgg, Subquery, Value
from django.http import HttpRequest

from .audit_log import audit_readers_exist
from .models import Employee


def employee_role_codes() -> Subquery:
    """The codes of the user's employee's roles, comma-separated ("" or None without any): read in the same query as
    the session's user, so the top bar can show each person only the menus their roles open (analytics'
    context processor) without a query of its own."""
    through: Any = Employee.roles.through
    codes = (
        through.objects.filter(employee_id=OuterRef("employee__pk"))
        .order_by()
        .values("employee_id")
        .annotate(codes=StringAgg("role_id", delimiter=Value(",")))
        .values("codes")[:1]
    )
    return Subquery(codes)


class UserWithEmployeeBackend(ModelBackend):
    """Django's model backend (same passwords, same permissions, same `is_active` rule) whose session user comes
    with its employee profile: `user.employee` is then read without a query (or raises, without a query, for a
    user without a profile)."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = (
                user_model._default_manager.select_related("employee")
                .annotate(role_codes=employee_role_codes())
                .annotate(employee_may_read_audit=audit_readers_exist())
                .get(pk=user_id)
            )
        except user_model.DoesNotExist:
            return None
        employee = getattr(user, "employee", None)  # None: no profile (its absence is remembered too)
        if employee is not None:
            # For the menu's link to the audit log, known in the same query (procurement.middleware.OrgContext).
            employee.may_read_audit = user.employee_may_read_audit
        return user if self.user_can_authenticate(user) else None

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # Wrong credentials are final: Django's own ModelBackend, listed after this one only to load the
            # sessions logged in before it existed (settings.AUTHENTICATION_BACKENDS), must not check the password
            # a second time (a failed login would take twice as long). Django then reports the failure as usual.
            raise PermissionDenied
        return user
