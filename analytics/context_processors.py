from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest

from procurement.models import Role

from .cycle import CYCLE_ROLES
from .spend_queries import SPEND_ROLES


def menu(request: HttpRequest) -> dict[str, Any]:
    """Which analytics pages the top bar's menu offers: those the person's roles open (the pages check the same
    roles). The roles come with the session's user (procurement.auth_backends: no query of their own); a user read
    otherwise (an old session of Django's plain backend) is asked once, where the menu renders. Callables, so a
    page without the menu pays nothing."""
    user = request.user
    if not user.is_authenticated:
        return {}

    @cache
    def roles() -> frozenset[str]:
        if user.is_superuser:
            return frozenset(Role.ALL)
        if not hasattr(user, "role_codes"):
            return frozenset(Role.objects.filter(employees__user=user).values_list("code", flat=True))
        codes: str | None = user.role_codes
        return frozenset(codes.split(",")) if codes else frozenset()

    may_see_spend: Callable[[], bool] = lambda: bool(roles() & set(SPEND_ROLES))  # noqa: E731
    may_see_cycle_times: Callable[[], bool] = lambda: bool(roles() & set(CYCLE_ROLES))  # noqa: E731
    return {"may_see_spend": may_see_spend, "may_see_cycle_times": may_see_cycle_times}
