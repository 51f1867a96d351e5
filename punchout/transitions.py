"""The tables of allowed status moves of punchout sessions (ours at a supplier's shop, and an ERP's punch-in at
ours), and the one function per model that moves one.

Nothing changes a session's status except `punchout_session_status_move` / `punchin_session_status_move`: each
checks the move against its table and writes the session's change-log row (an `AuditEvent`,
"punchout.session.status" / "punchout.punchin_session.status") in the same transaction. The log holds the
statuses and a why, never a token, cookie or URL.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from procurement.models import Employee
from procurement.status_moves import StatusTable, status_move

from .error_codes import PunchoutErrorCode
from .errors import PunchoutError
from .models import InboundSession, PunchoutSession

Out = PunchoutSession.Status
In = InboundSession.Status

SESSION_EVENT_TYPE = "punchout.session.status"
PUNCHIN_EVENT_TYPE = "punchout.punchin_session.status"

# Our punchout to a supplier: open while the user shops; the setup request or the return fails, the cart comes
# back, or the time runs out before it does.
SESSION_ALLOWED: dict[str, frozenset[str]] = {
    Out.OPEN: frozenset({Out.RETURNED, Out.FAILED, Out.EXPIRED}),
    Out.RETURNED: frozenset(),
    Out.FAILED: frozenset(),
    Out.EXPIRED: frozenset(),
}
SESSION_TERMINAL = frozenset(status for status, targets in SESSION_ALLOWED.items() if not targets)

# An ERP's punch-in: pending until its one-time StartPage is opened (or it expires unopened), then shopping until
# the cart goes back to the ERP (transferred) or the shopper leaves or runs out of time (expired).
PUNCHIN_ALLOWED: dict[str, frozenset[str]] = {
    In.PENDING: frozenset({In.SHOPPING, In.EXPIRED}),
    In.SHOPPING: frozenset({In.TRANSFERRED, In.EXPIRED}),
    In.TRANSFERRED: frozenset(),
    In.EXPIRED: frozenset(),
}
PUNCHIN_TERMINAL = frozenset(status for status, targets in PUNCHIN_ALLOWED.items() if not targets)


def session_move_allowed(from_status: str, to_status: str) -> bool:
    return to_status in SESSION_ALLOWED.get(from_status, frozenset())


def punchin_move_allowed(from_status: str, to_status: str) -> bool:
    return to_status in PUNCHIN_ALLOWED.get(from_status, frozenset())


SESSION_TABLE = StatusTable(
    allowed=SESSION_ALLOWED, labels=Out, what=gettext_lazy("punchout session"), event_type=SESSION_EVENT_TYPE
)
PUNCHIN_TABLE = StatusTable(
    allowed=PUNCHIN_ALLOWED, labels=In, what=gettext_lazy("punch-in session"), event_type=PUNCHIN_EVENT_TYPE
)


def _refused(message: str) -> PunchoutError:
    return PunchoutError(message, code=PunchoutErrorCode.TRANSITION_NOT_ALLOWED)


def _actor(employee: Employee | None) -> object:
    return employee.user if employee is not None else None


def punchout_session_status_move(
    *, session: PunchoutSession, to_status: str, comment: str = "", also_save: Iterable[str] = ()
) -> PunchoutSession:
    """Move our punchout session to `to_status` if the table allows it, save it (with the fields in `also_save`
    the caller set) and log the move (from, to, why), its shopper as the actor.

    The caller holds the session's row lock (`punchout_sessions_qs_select_for_update`) or has just created it.
    Staying in the same status is no move: only `also_save` is saved and nothing is logged. A move the table
    does not allow raises `PunchoutError` (`transition_not_allowed`) and writes nothing.
    """
    status_move(
        session,
        table=SESSION_TABLE,
        to_status=to_status,
        refused=_refused,
        actor=_actor(session.employee),
        legal_entity=lambda: session.requisition.legal_entity,
        comment=comment,
        also_save=also_save,
    )
    return session


def punchin_session_status_move(
    *, session: InboundSession, to_status: str, comment: str = "", also_save: Iterable[str] = ()
) -> InboundSession:
    """Move an ERP's punch-in session to `to_status` if the table allows it, save it (with the fields in
    `also_save` the caller set) and log the move (from, to, why), its shopper (once known) as the actor.

    The caller holds the session's row lock (`inbound_sessions_qs_select_for_update`). Staying in the same
    status is no move: only `also_save` is saved and nothing is logged. A move the table does not allow raises
    `PunchoutError` (`transition_not_allowed`) and writes nothing.
    """
    status_move(
        session,
        table=PUNCHIN_TABLE,
        to_status=to_status,
        refused=_refused,
        actor=_actor(session.employee),
        legal_entity=lambda: session.client.legal_entity,
        comment=comment,
        also_save=also_save,
    )
    return session
