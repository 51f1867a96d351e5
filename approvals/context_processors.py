from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .inbox import INBOX_COUNT_CAP, approval_inbox_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """The top bar's Approvals badge: how many tasks wait for the signed-in person, in every legal entity (as the
    inbox shows them). A callable, so the count is read once, where the bar renders it, and not on other pages."""
    org = getattr(request, "org", None)
    if org is None or not request.user.is_authenticated or org.employee is None:
        return {}
    employee = org.employee
    # Counted up to the cap (the inbox page says "10,000+"): one query reading at most that many index entries.
    count: Callable[[], int] = lambda: min(approval_inbox_count(employee=employee), INBOX_COUNT_CAP)  # noqa: E731
    return {"inbox_count": count}
