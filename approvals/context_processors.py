from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .inbox import approval_inbox_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """The top bar's Approvals badge: how many tasks wait for the signed-in person, in every legal entity (as the
    inbox shows them). A callable, so the count is read once, where the bar renders it, and not on other pages."""
    org = getattr(request, "org", None)
    if org is None or not request.user.is_authenticated or org.employee is None:
        return {}
    employee = org.employee
    count: Callable[[], int] = lambda: approval_inbox_count(employee=employee)  # noqa: E731
    return {"inbox_count": count}
