"""The table of a claim's status moves, and the one function that moves it.

    open         → acknowledged                (the supplier has seen it)
    acknowledged → resolved | rejected         (the supplier's answer: a replacement or a credit note; a rejection)
    resolved     → closed                      (a buyer closes it)
    rejected     → closed

Each move writes an audit event `claims.claim.status` (from, to, who, comment) in the same transaction.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from procurement.status_moves import StatusTable, status_move

from .errors import ClaimTransitionNotAllowed
from .models import Claim

C = Claim.Status

ALLOWED: dict[str, frozenset[str]] = {
    C.OPEN: frozenset({C.ACKNOWLEDGED}),
    C.ACKNOWLEDGED: frozenset({C.RESOLVED, C.REJECTED}),
    C.RESOLVED: frozenset({C.CLOSED}),
    C.REJECTED: frozenset({C.CLOSED}),
    C.CLOSED: frozenset(),
}
# Where the supplier may still answer through its link.
ANSWERABLE = frozenset({C.OPEN, C.ACKNOWLEDGED})

CLAIM_TABLE = StatusTable(allowed=ALLOWED, labels=C, what=gettext_lazy("claim"), event_type="claims.claim.status")


def claim_status_move(
    *, claim: Claim, to_status: str, actor: object, comment: str = "", also: Iterable[str] = ()
) -> Claim:
    """Move the claim (row-locked by the caller) to `to_status` if the table allows it, save it with the `also`
    fields the caller set, and log the move (`actor`: the user, or None for the supplier's link)."""
    status_move(
        claim,
        table=CLAIM_TABLE,
        to_status=to_status,
        refused=ClaimTransitionNotAllowed,
        actor=actor,
        legal_entity=lambda: claim.legal_entity,
        comment=comment,
        also_save=also,
    )
    return claim
