from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .selectors import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The top bar's bell: how many notifications the signed-in person has not read. A callable, so the one
    count query runs only where the bell renders it (templates/notifications/_bell.html), once per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cache: dict[str, int] = {}

    def count() -> int:
        if "n" not in cache:
            cache["n"] = unread_count(user=user)
        return cache["n"]

    counter: Callable[[], int] = count
    return {"notifications_unread": counter}
