from typing import Any

from django import template

from punchout.selectors import (
    punchout_connection_ids_with_lines,
    punchout_connections_offered,
    punchout_session_of,
)

from ..models import Requisition, RequisitionLine

register = template.Library()


@register.inclusion_tag("punchout/_panel.html", takes_context=True)
def punchout_panel(context: dict[str, Any], requisition: Requisition, editable: bool) -> dict[str, Any]:
    """On the cart: the shops one can punch out to, edit or inspect, and what the last return brought."""
    request = context["request"]
    connections = punchout_connections_offered()
    visited = punchout_connection_ids_with_lines(
        requisition_id=requisition.pk, line_source=RequisitionLine.Source.PUNCHOUT
    )
    returned = None
    session_id = request.GET.get("punchout", "")
    if session_id.isdigit():
        returned = punchout_session_of(session_id=int(session_id), requisition_id=requisition.pk, user=request.user)
    offered = [(connection, connection.pk in visited) for connection in connections]
    return {
        "requisition": requisition,
        "editable": editable,
        "connections": offered,
        # A requisition no longer editable offers only to inspect, at shops it has lines from.
        "any_shop": editable or any(seen and connection.supports_inspect for connection, seen in offered),
        "returned": returned,
        "csrf_token": context.get("csrf_token"),
    }
