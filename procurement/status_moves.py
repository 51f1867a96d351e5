"""The one mechanism behind every status move that is logged as an audit event: a table of allowed moves,
checked before anything is written, and one `AuditEvent` (from, to, why) per move, in the same transaction.

Each app keeps its own tables and move functions (`orders.transitions`, `approvals.transitions`,
`punchout.transitions`, `requisitions.import_job_states`); they call `status_move` here.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from .events import audit_event_record, audit_event_row
from .models import AuditEvent, LegalEntity


@dataclass(frozen=True)
class StatusTable:
    """Which status may follow which, for one model; `what` names the thing in a refusal."""

    allowed: Mapping[str, frozenset[str]]
    labels: type[models.TextChoices]
    what: StrOrPromise  # lazy: it names the thing in the reader's language
    event_type: str

    def allows(self, from_status: str, to_status: str) -> bool:
        return to_status in self.allowed.get(from_status, frozenset())

    @property
    def terminal(self) -> frozenset[str]:
        return frozenset(status for status, targets in self.allowed.items() if not targets)

    def refusal(self, from_status: str, to_status: str) -> str:
        was, becomes = self.labels(from_status).label.lower(), self.labels(to_status).label.lower()
        return _("The %(what)s is %(was)s: it cannot become %(becomes)s.") % {
            "what": self.what,
            "was": was,
            "becomes": becomes,
        }


def status_move_log(
    *,
    table: StatusTable,
    obj: models.Model,
    from_status: str,
    to_status: str,
    actor: Any,
    legal_entity: LegalEntity | None,
    comment: str = "",
) -> None:
    audit_event_record(
        event_type=table.event_type,
        actor=actor,
        legal_entity=legal_entity,
        obj=obj,
        data={"from": from_status, "to": to_status, "comment": comment},
    )


def status_move_event(
    *,
    table: StatusTable,
    obj: models.Model,
    from_status: str,
    to_status: str,
    actor: Any,
    legal_entity: LegalEntity | None,
    comment: str = "",
) -> AuditEvent:
    """The event `status_move_log` writes, not written yet (for a move that writes it with its own statement)."""
    return audit_event_row(
        event_type=table.event_type,
        actor=actor,
        legal_entity=legal_entity,
        obj=obj,
        data={"from": from_status, "to": to_status, "comment": comment},
    )


def status_move(
    obj: models.Model,
    *,
    table: StatusTable,
    to_status: str,
    refused: Callable[[str], Exception],
    actor: Any,
    legal_entity: Callable[[], LegalEntity | None],
    comment: str = "",
    also_save: Iterable[str] = (),
) -> bool:
    """Move `obj.status` to `to_status` if the table allows it, save it (with the `also_save` fields the caller
    set) and log the move; True when it moved. The caller holds the row's lock.

    Staying in the same status is no move: only `also_save` is saved and nothing is logged. A move the table
    does not allow raises `refused(message)` before anything is written. `legal_entity` is read only for the log.

    The save and its log are written in the caller's transaction without a savepoint of their own (one is opened
    when there is no transaction): the refusal is decided before either, and a database error in between ends the
    caller's transaction anyway.
    """
    from_status = getattr(obj, "status")  # noqa: B009 - every model moved here has a `status` field
    fields = list(also_save)
    if from_status == to_status:
        if fields:
            obj.save(update_fields=fields)
        return False
    if not table.allows(from_status, to_status):
        raise refused(table.refusal(from_status, to_status))
    with transaction.atomic(savepoint=False):
        setattr(obj, "status", to_status)  # noqa: B010
        obj.save(update_fields=["status", *fields])
        status_move_log(
            table=table,
            obj=obj,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            legal_entity=legal_entity(),
            comment=comment,
        )
    return True
