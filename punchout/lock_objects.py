"""Row locks of punchout sessions, in one place; several rows are always locked in primary-key order.

Only the session's own row is locked (`of=("self",)`), not the connection, employee or requisition joined to it.
"""

from django.db.models import QuerySet

from .models import InboundSession, PunchoutSession


def punchout_sessions_qs_select_for_update() -> QuerySet[PunchoutSession]:
    return PunchoutSession.objects.select_for_update(of=("self",)).order_by("pk")


def inbound_sessions_qs_select_for_update() -> QuerySet[InboundSession]:
    return InboundSession.objects.select_for_update(of=("self",)).order_by("pk")
