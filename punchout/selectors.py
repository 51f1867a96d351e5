"""Reading punchout's data from other apps: connections to offer and sessions to show."""

from typing import Any

from django.db.models import QuerySet

from .models import PunchoutConnection, PunchoutSession


def punchout_connections_switched_on() -> QuerySet[PunchoutConnection]:
    """Connections one may open a session through (switched on)."""
    return PunchoutConnection.objects.filter(is_active=True)


def punchout_connections_offered() -> list[PunchoutConnection]:
    """The shops one can punch out to: switched on, at a supplier that is active."""
    return list(PunchoutConnection.objects.filter(is_active=True, supplier__is_active=True).select_related("supplier"))


def punchout_connection_ids_with_lines(*, requisition_id: int, line_source: str) -> set[int]:
    """The connections whose sessions for this requisition brought lines it still has (of `line_source`)."""
    return set(
        PunchoutSession.objects.filter(
            requisition_id=requisition_id,
            lines__requisition_id=requisition_id,
            lines__source=line_source,
        ).values_list("connection_id", flat=True)
    )


def punchout_session_of(*, session_id: int, requisition_id: int, user: Any) -> PunchoutSession | None:
    """The user's own session for this requisition, with its connection and supplier (what a return shows)."""
    return (
        PunchoutSession.objects.filter(pk=session_id, requisition_id=requisition_id, employee__user=user)
        .select_related("connection__supplier")
        .first()
    )
