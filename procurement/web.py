"""What every app's pages and API share: who is asking, for which legal entity, and in which role.

The legal entity is chosen in the top bar (`procurement.middleware.OrgContext`, switched by
`procurement.views.legal_entity_switch`); pages read it through `acting_legal_entity`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from rest_framework.request import Request

from .errors import LegalEntityRequired, NoEmployeeProfile, NotFound, ProcurementError
from .models import Employee, LegalEntity
from .selectors import employee_for_user


def safe_return_url(request: HttpRequest, value: str | None, fallback: str) -> str:
    """`value` when it leads to a page of this site, else `fallback` (a path or a URL name).

    A return URL comes from the browser (`next`, a Referer): anything that a browser would read as
    another host (`https://evil.example`, `//evil.example`, `/\\evil.example`, `https:evil.example`, a
    leading control character) or a scheme other than http(s) falls back.
    """
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return fallback


def no_legal_entity(request: HttpRequest) -> HttpResponse:
    return render(request, "no_legal_entity.html", status=403)


def acting_legal_entity(request: HttpRequest) -> LegalEntity:
    """The legal entity the browser user acts for (chosen in the top bar); pages behind `employee_required` have one."""
    entity: LegalEntity | None = request.org.legal_entity  # type: ignore[attr-defined]
    if entity is None:
        raise LegalEntityRequired(_("Choose a legal entity to act for."))
    return entity


def employee_has_role(employee: Employee, *roles: str) -> bool:
    """Superusers, and employees who hold at least one of `roles` (`procurement.models.Role` codes)."""
    return employee.user.is_superuser or employee.roles.filter(code__in=roles).exists()


def employee_required[R: HttpResponseBase](view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
    """A page for a logged-in employee with a legal entity; the view gets the employee after the request.

    Domain errors become a message on the page the user came from, not a 500; a `NotFound` becomes the 404 page.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponse:
        org = request.org  # type: ignore[attr-defined]
        if org.employee is None or org.legal_entity is None:
            return render(request, "no_legal_entity.html", status=403)
        try:
            return view(request, org.employee, *args, **kwargs)
        except NotFound as error:
            return render(request, "404.html", {"message": error.message}, status=404)
        except ProcurementError as error:
            messages.error(request, error.message)
            return redirect(safe_return_url(request, request.META.get("HTTP_REFERER"), reverse("requisitions:index")))

    return wrapper


def current_employee(request: Request) -> Employee:
    """The API caller's employee profile; `NoEmployeeProfile` (403) when the user has none."""
    employee = employee_for_user(user=request.user)
    if employee is None:
        raise NoEmployeeProfile(_("Your user has no employee profile; ask an administrator to create one."))
    return employee
