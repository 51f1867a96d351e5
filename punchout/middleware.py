"""While a user shops for an ERP (a punchout session opened from a StartPage), only the catalog, the cart and
the punchout pages are open to them: the ERP vouched for who they are, not for what else they may do here."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

SESSION_KEY = "punchout_inbound"
OPEN_PREFIXES = ("/catalog/", "/requisitions/", "/punchout/", "/static/", "/logout/", "/login/", "/favicon")


class PunchoutScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        user_id = request.user.pk if hasattr(request, "user") else None
        if (
            isinstance(session_id, int)
            and user_id is not None
            and not request.path.startswith(OPEN_PREFIXES)
            and request.path != "/"
        ):
            from .models import InboundSession

            live = InboundSession.objects.filter(
                pk=session_id,
                status=InboundSession.Status.SHOPPING,
                expires_at__gt=timezone.now(),
                employee__user_id=user_id,
            ).exists()
            if live:
                return render(
                    request,
                    "punchout/refused.html",
                    {
                        "message": "Not available while you shop for your purchasing system: transfer the cart or "
                        "leave the punchout session first."
                    },
                    status=403,
                )
            request.session.pop(SESSION_KEY, None)  # over: the ordinary pages are open again
        return self.get_response(request)
