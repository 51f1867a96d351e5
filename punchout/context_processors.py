from typing import Any

from django.http import HttpRequest


def inbound(request: HttpRequest) -> dict[str, Any]:
    """In a punchout session from an ERP, pages show the transfer button and leave out approvals and budgets."""
    session_id = request.session.get("punchout_inbound") if hasattr(request, "session") else None
    if not isinstance(session_id, int) or not request.user.is_authenticated:
        return {}
    from .models import InboundSession

    session = InboundSession.objects.filter(pk=session_id, employee__user=request.user).select_related("client").first()
    return {"punchout_inbound": session} if session is not None else {}
