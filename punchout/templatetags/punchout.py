from typing import Any

from django import template

from requisitions.models import Requisition, RequisitionLine

from ..models import PunchoutConnection, PunchoutSession

register = template.Library()


@register.inclusion_tag("punchout/_panel.html", takes_context=True)
def punchout_panel(context: dict[str, Any], requisition: Requisition, editable: bool) -> dict[str, Any]:
    """On the cart: the shops one can punch out to, edit or inspect, and what the last return brought."""
    request = context["request"]
    connections = list(
        PunchoutConnection.objects.filter(is_active=True, supplier__is_active=True).select_related("supplier")
    )
    visited = set(
        PunchoutSession.objects.filter(
            requisition=requisition,
            lines__requisition=requisition,
            lines__source=RequisitionLine.Source.PUNCHOUT,
        ).values_list("connection_id", flat=True)
    )
    returned = None
    session_id = request.GET.get("punchout", "")
    if session_id.isdigit():
        returned = (
            PunchoutSession.objects.filter(pk=int(session_id), requisition=requisition, employee__user=request.user)
            .select_related("connection__supplier")
            .first()
        )
    return {
        "requisition": requisition,
        "editable": editable,
        "connections": [(connection, connection.pk in visited) for connection in connections],
        "returned": returned,
        "csrf_token": context.get("csrf_token"),
    }
