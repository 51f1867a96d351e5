"""A requisition's status: the one place it moves, and its own part of submit, withdraw and cancel.

The steps other apps take on the way (funds, the approval chain, purchase orders) are called in order by
p2p/submit_to_order.py, which calls these; requisitions itself never calls another app.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Employee, Role
from procurement.sql import sql_update_and_insert

from ..errors import NotRequester, PunchinCartNotSubmittable, SubmissionInvalid, TransitionNotAllowed
from ..lock_objects import requisition_lines_for_submit, requisition_select_for_update_for_submit
from ..models import Requisition, RequisitionEvent, RequisitionLine, RequisitionLineSplit, RequisitionStatus
from ..transitions import CANCELLABLE, WITHDRAWABLE, is_allowed
from .shared import (
    TOTALS_FIELDS,
    _check_requester,
    _event,
    _event_row,
    _event_to_write_now,
    _lock,
    _save_with_event,
    _totals_of_lines,
)
from .shared import requisition_writes_together as requisition_writes_together


def _status_move(requisition: Requisition, to_status: str, by: Employee | None, *, comment: str = "") -> None:
    """The one place a status changes: checked against the table and logged as a RequisitionEvent."""
    from_status = requisition.status
    _check_move(from_status, to_status)
    requisition.status = to_status
    event = _event_row(
        requisition, by, RequisitionEvent.Kind.STATUS, comment=comment, from_status=from_status, to_status=to_status
    )
    fields = ["status", "updated_at", *(["submitted_at"] if to_status == "submitted" else [])]
    _save_with_event(requisition, fields, event)


def _check_move(from_status: str, to_status: str) -> None:
    if not is_allowed(from_status, to_status):
        raise TransitionNotAllowed(
            _("A %(label)s requisition cannot become %(label2)s.")
            % {
                "label": RequisitionStatus(from_status).label.lower(),
                "label2": RequisitionStatus(to_status).label.lower(),
            }
        )


def requisition_status_move(
    *, requisition: Requisition, to_status: str, by: Employee | None, comment: str = "", locked: bool = False
) -> Requisition:
    """Move a requisition to another status (for approvals and purchase orders), under its row lock. `locked`: the
    caller read `requisition` under that lock in its transaction already, so it is not read again."""
    if locked:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("A requisition read under its lock moves inside the transaction that holds it.")
        _status_move(requisition, to_status, by, comment=comment)
        return requisition
    with transaction.atomic():
        held = _lock(requisition)
        _status_move(held, to_status, by, comment=comment)
        return held


def _submission_problems(requisition: Requisition) -> list[str]:
    """What stops a submission. Reads the lines with their splits once, kept on the requisition (`lines.all()`)
    for the rest of the submission: its totals, the funds check, the approval chain's facts and the first
    approvers' message use them."""
    problems = []
    lines = _lines_with_splits(requisition)
    _totals_of_lines(requisition, lines)  # saved with the status (requisition_mark_submitted)
    if not lines:
        problems.append(_("The requisition has no lines."))
    for line in lines:
        label = _("Line %(number)s") % {"number": line.line_number}
        if line.quantity <= 0:
            problems.append(_("%(label)s: the quantity must be greater than 0.") % {"label": label})
        if not line.currency:
            problems.append(_("%(label)s: the price has no currency.") % {"label": label})
        if line.source == RequisitionLine.Source.FREE_TEXT and line.unit_price_minor == 0:
            problems.append(_("%(label)s: a free-text line needs a price.") % {"label": label})
        if line.cost_centre_id is None and not line.splits.all():
            problems.append(_("%(label)s: no cost centre is charged.") % {"label": label})
        if line.supplier_id is None and line.source != RequisitionLine.Source.FREE_TEXT:
            problems.append(_("%(label)s: no supplier.") % {"label": label})
    if lines and requisition.total_minor is None:
        currencies = sorted({line.currency for line in lines} - {requisition.currency})
        problems.append(
            _("No exchange rate from %(currencies)s to %(currency)s is stored.")
            % {"currencies": ", ".join(currencies), "currency": requisition.currency}
        )
    return problems


def _lines_with_splits(requisition: Requisition) -> list[RequisitionLine]:
    """The requisition's lines, each with its splits, kept on the instances as `prefetch_related("lines__splits")`
    keeps them (so `requisition.lines.all()` and `line.splits.all()` read nothing again). The lines say whether they
    have splits (`requisition_lines_for_submit`), and the splits are read only when some line has them: most carts
    charge each line to one cost centre, and their submission reads the lines in one query."""
    lines = requisition_lines_for_submit(requisition)
    split = [line for line in lines if line.has_splits]  # type: ignore[attr-defined]
    splits: dict[int, list[RequisitionLineSplit]] = {line.pk: [] for line in lines}
    if split:
        for row in RequisitionLineSplit.objects.filter(line__in=split).order_by("line_id", "pk"):
            splits[row.line_id].append(row)
    for line in lines:
        line.requisition = requisition
        _prefetched(line, "splits", splits[line.pk])
    _prefetched(requisition, "lines", lines)
    return lines


def _prefetched(obj: Any, name: str, rows: list[Any]) -> None:
    """`rows` kept as the result of `obj.<name>.all()`, the way Django's prefetch_related keeps what it read."""
    cached = getattr(obj, name).all()
    cached._result_cache, cached._prefetch_done = rows, True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[name] = cached


def requisition_submit_check(*, requisition: Requisition, by: Employee) -> Requisition:
    """The requisition under its row lock, totals refreshed, if its requester may submit it as it is; raises
    SubmissionInvalid naming every problem otherwise. Runs inside the caller's transaction (the lock holds
    until the submission commits)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("requisition_submit_check runs inside the submission's transaction.")
    # Under its row lock, with its legal entity and requester read along (the approval chain and its first
    # approvers' message need them), and whether it is a punch-in's cart.
    requisition = requisition_select_for_update_for_submit(requisition.pk)
    _check_requester(requisition, by)
    if requisition.is_punchin_cart:  # type: ignore[attr-defined]
        raise PunchinCartNotSubmittable(
            _(
                "%(number)s is the cart of a punchout session from a purchasing system: it goes back to that "
                "system and cannot be submitted for approval here."
            )
            % {"number": requisition.number}
        )
    if not requisition.is_editable:
        raise TransitionNotAllowed(
            _("%(number)s is already %(status)s.")
            % {"number": requisition.number, "status": requisition.get_status_display().lower()}
        )
    problems = _submission_problems(requisition)  # the totals refreshed from the lines it reads
    if problems:
        raise SubmissionInvalid(" ".join(problems[:5]) + (" …" if len(problems) > 5 else ""), problems=problems)
    return requisition


def requisition_mark_submitted(
    *, requisition: Requisition, by: Employee, then: str | None = None, then_comment: str = ""
) -> None:
    """The checked, locked requisition (requisition_submit_check) becomes `submitted`; with `then` it moves on at
    once to that status (in approval, or approved outright: by nobody, with `then_comment`), in one update (with
    the totals the check refreshed) and one insert of both events."""
    requisition.submitted_at = timezone.now()
    moves: list[tuple[str, Employee | None, str]] = [(RequisitionStatus.SUBMITTED, by, "")]
    if then is not None:
        moves.append((then, None, then_comment))
    _status_moves(requisition, moves, also=TOTALS_FIELDS)


def _status_moves(
    requisition: Requisition, moves: list[tuple[str, Employee | None, str]], *, also: list[str] | None = None
) -> None:
    """Several status moves in a row, each checked against the table and logged, saved in one update (with the
    fields `also` names)."""
    events = []
    for to_status, by, comment in moves:
        from_status = requisition.status
        _check_move(from_status, to_status)
        requisition.status = to_status
        events.append(
            RequisitionEvent(
                requisition=requisition,
                actor=by.user if by else None,
                kind=RequisitionEvent.Kind.STATUS,
                comment=comment,
                data={},
                from_status=from_status,
                to_status=to_status,
            )
        )
    # as save(update_fields=…) and bulk_create write them, in one statement on PostgreSQL
    sql_update_and_insert(requisition, ["status", "updated_at", "submitted_at", *(also or [])], events)


@transaction.atomic(savepoint=False)
def requisition_mark_withdrawn(*, requisition: Requisition, by: Employee, comment: str = "") -> Requisition:
    """The requester takes a requisition back before its final approval (the status move only: the funds it
    holds and its approval tasks are ended by p2p.submit_to_order.requisition_withdraw)."""
    requisition = _lock(requisition)
    _check_requester(requisition, by)
    if requisition.status not in WITHDRAWABLE:
        raise TransitionNotAllowed(
            _(
                "%(number)s is %(status)s: only a requisition that is submitted, in approval or returned "
                "can be withdrawn."
            )
            % {"number": requisition.number, "status": requisition.get_status_display().lower()}
        )
    _status_move(requisition, RequisitionStatus.WITHDRAWN, by, comment=comment)
    return requisition


@transaction.atomic
def requisition_mark_cancelled(*, requisition: Requisition, by: Employee, comment: str = "") -> Requisition:
    """Cancel a cart, a returned requisition, or (buyers) an approved or ordered one (the status move only:
    p2p.submit_to_order.requisition_cancel ends what other apps hold)."""
    requisition = _lock(requisition)
    is_buyer = (
        by.roles.filter(code=Role.BUYER).exists() and by.legal_entities.filter(pk=requisition.legal_entity_id).exists()
    )
    if by.pk not in (requisition.requester_id, requisition.on_behalf_of_id) and not is_buyer:
        raise NotRequester(_("Only the requester or a buyer may cancel this requisition."))
    if requisition.status not in CANCELLABLE:
        raise TransitionNotAllowed(
            _("%(number)s is %(status)s and cannot be cancelled.")
            % {"number": requisition.number, "status": requisition.get_status_display().lower()}
        )
    _status_move(requisition, RequisitionStatus.CANCELLED, by, comment=comment)
    return requisition


def requisition_event_record(
    *,
    requisition: Requisition,
    kind: str,
    by: Employee | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> RequisitionEvent:
    """A row of the requisition's change log, for what another app did to it (a decision, a budget warning,
    purchase orders made, a task handed over)."""
    return _event(requisition, by, kind, comment=comment, data=data)


def requisition_event_for_statement(
    *,
    requisition: Requisition,
    kind: str,
    by: Employee | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> RequisitionEvent | None:
    """`requisition_event_record`'s row, not written, for the caller to insert in a statement it runs anyway (e.g.
    with `procurement.sql.sql_update_and_insert`, or in a data-modifying WITH): it must write the row it is given.
    None when a `requisition_writes_together` block keeps earlier change-log rows: the row is kept after them and
    written with them, as `requisition_event_record` keeps it."""
    event = _event_row(requisition, by, kind, comment=comment, data=data)
    return event if _event_to_write_now(event) else None


def requisition_budget_exception_set(*, requisition: Requisition, text: str) -> None:
    """Record (or clear, with "") why the requisition is over a hard-stop budget; the approval chain reads it."""
    if requisition.budget_exception != text:
        requisition.budget_exception = text
        Requisition.objects.filter(pk=requisition.pk).update(budget_exception=text)
