"""The table of a request for quotation's status moves, and the one function that moves it.

draft → sent (the invitations go out) → awarded; a draft or a sent request may be cancelled. Each move is logged
as an audit event (`sourcing.rfq.status`: from, to, the comment).
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from procurement.models import Employee
from procurement.status_moves import StatusTable, status_move

from .errors import RFQStateConflict
from .models import RequestForQuotation

S = RequestForQuotation.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.AWARDED, S.CANCELLED}),
    S.AWARDED: frozenset(),
    S.CANCELLED: frozenset(),
}

RFQ_TABLE = StatusTable(
    allowed=ALLOWED, labels=S, what=gettext_lazy("request for quotation"), event_type="sourcing.rfq.status"
)


def rfq_status_move(
    *, rfq: RequestForQuotation, to_status: str, by: Employee | None, comment: str = "", also: Iterable[str] = ()
) -> RequestForQuotation:
    """Move the request (row-locked by the caller) to `to_status` if the table allows it, and log the move."""
    status_move(
        rfq,
        table=RFQ_TABLE,
        to_status=to_status,
        refused=RFQStateConflict,
        actor=by.user if by else None,
        legal_entity=lambda: rfq.legal_entity,
        comment=comment,
        also_save=also,
    )
    return rfq
