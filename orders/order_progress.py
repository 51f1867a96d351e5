"""What arrived and what was invoiced against an order, and what that makes of the order and its requisition.

The receiving and invoices apps own their documents; the counts on the order lines are orders' rows, so they
hand their changes here (`purchase_order_progress_record`), under the order's row lock. The order's status then
follows its lines (`progress_status`): partly received, received, invoiced, and closed once every line is fully
received and fully invoiced; a reversal or a credit note moves it back. The requisition follows its orders.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Employee
from requisitions.models import Requisition, RequisitionStatus
from requisitions.services.lifecycle import requisition_status_move

from .errors import ProgressInvalid
from .lock_objects import purchase_order_lines_qs_select_for_update, purchase_orders_qs_select_for_update
from .models import QUANTITY_MAX, PurchaseOrder, PurchaseOrderEvent, PurchaseOrderLine
from .transitions import OPEN, OUT, PROGRESS, purchase_order_status_move

S = PurchaseOrder.Status
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineProgress:
    """A change of one order line's counts; negative undoes (a reversed receipt, a credit note)."""

    received_quantity: Decimal = ZERO
    rejected_quantity: Decimal = ZERO
    received_amount_minor: int = 0
    invoiced_quantity: Decimal = ZERO
    invoiced_amount_minor: int = 0


@dataclass
class Progress:
    order: PurchaseOrder
    lines: list[PurchaseOrderLine] = field(default_factory=list)
    moved: bool = False


def progress_status(order: PurchaseOrder, lines: list[PurchaseOrderLine]) -> str | None:
    """The status the order's lines call for, or None when they call for none of the progress statuses
    (nothing arrived, not fully invoiced): the order then stays, or goes back to, where it was before."""
    live = [line for line in lines if line.status != PurchaseOrderLine.Status.CANCELLED]
    if not live:
        return None
    received = all(line.fully_received for line in live)
    invoiced = all(line.fully_invoiced for line in live)
    if received and invoiced:
        return S.CLOSED
    if received:
        return S.RECEIVED
    if invoiced:
        return S.INVOICED
    if any(line.received_quantity or line.received_amount_minor for line in live):
        return S.PARTLY_RECEIVED
    return None


def _status_before_progress(order: PurchaseOrder) -> str:
    """Where the order was before receipts and invoices moved it (its last status outside them)."""
    last = (
        PurchaseOrderEvent.objects.filter(purchase_order=order, to_status__in=OUT)
        .order_by("-created_at", "-id")
        .values_list("to_status", flat=True)
        .first()
    )
    return last or S.SENT


def _bounded(value: Decimal, what: str, line: PurchaseOrderLine) -> Decimal:
    if value < 0:
        raise ProgressInvalid(
            _("Line %(line_number)s of %(number)s: %(what)s cannot go below zero.")
            % {"line_number": line.line_number, "number": line.purchase_order.number, "what": what}
        )
    if value > QUANTITY_MAX:
        raise ProgressInvalid(
            _("Line %(line_number)s of %(number)s: %(what)s is too large.")
            % {"line_number": line.line_number, "number": line.purchase_order.number, "what": what}
        )
    return value


@transaction.atomic
def purchase_order_progress_record(
    *,
    order: PurchaseOrder,
    changes: Mapping[int, LineProgress],
    by: Employee | None,
    comment: str = "",
) -> Progress:
    """Add `changes` (by order line id) to the order's line counts and move the order and its requisition.

    Takes the order's row lock, then its lines' (always in that order). A count that would go below zero
    raises `ProgressInvalid` and nothing is written. Receipts and invoices of a closed or cancelled order are
    refused by their apps before they get here; here it raises `ProgressInvalid` too.
    """
    locked = purchase_orders_qs_select_for_update().get(pk=order.pk)
    if locked.status not in OPEN:
        raise ProgressInvalid(
            _("%(number)s is %(label)s: nothing more can be recorded.")
            % {"number": locked.number, "label": S(locked.status).label.lower()}
        )
    lines = list(purchase_order_lines_qs_select_for_update(purchase_order=locked))
    by_id = {line.pk: line for line in lines}
    unknown = set(changes) - set(by_id)
    if unknown:
        raise ProgressInvalid(_("%(number)s has no line %(min)s.") % {"number": locked.number, "min": min(unknown)})
    for line_id, change in changes.items():
        line = by_id[line_id]
        line.purchase_order = locked
        line.received_quantity = _bounded(line.received_quantity + change.received_quantity, "received", line)
        line.rejected_quantity = _bounded(line.rejected_quantity + change.rejected_quantity, "rejected", line)
        line.invoiced_quantity = _bounded(line.invoiced_quantity + change.invoiced_quantity, "invoiced", line)
        line.received_amount_minor = int(
            _bounded(Decimal(line.received_amount_minor + change.received_amount_minor), _("received amount"), line)
        )
        line.invoiced_amount_minor = int(
            _bounded(Decimal(line.invoiced_amount_minor + change.invoiced_amount_minor), _("invoiced amount"), line)
        )
    PurchaseOrderLine.objects.bulk_update(
        [by_id[line_id] for line_id in changes],
        [
            "received_quantity",
            "rejected_quantity",
            "invoiced_quantity",
            "received_amount_minor",
            "invoiced_amount_minor",
        ],
    )
    moved = purchase_order_progress_move(order=locked, lines=lines, by=by, comment=comment)
    return Progress(order=locked, lines=lines, moved=moved)


def purchase_order_progress_move(
    *, order: PurchaseOrder, lines: list[PurchaseOrderLine], by: Employee | None, comment: str = ""
) -> bool:
    """Move the order (row-locked by the caller) to the status its lines call for; True if it moved."""
    target = progress_status(order, lines)
    if target is None:
        if order.status not in PROGRESS:
            return False
        target = _status_before_progress(order)
    if target == order.status:
        return False
    purchase_order_status_move(order=order, to_status=target, by=by, comment=comment)
    if target == S.CLOSED:
        order.closed_at = timezone.now()
        order.save(update_fields=["closed_at"])
    requisition_progress_move(requisition=order.requisition, by=by, comment=f"{order.number}: {comment}".strip(" :"))
    return True


# What the requisition becomes when all its orders (cancelled ones aside) are at least …
REQUISITION_FOLLOWS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({S.CLOSED}), RequisitionStatus.CLOSED),
    (frozenset({S.RECEIVED, S.CLOSED}), RequisitionStatus.RECEIVED),
    (frozenset({S.INVOICED, S.CLOSED}), RequisitionStatus.INVOICED),
)
REQUISITION_PROGRESS = frozenset({RequisitionStatus.ORDERED, RequisitionStatus.RECEIVED, RequisitionStatus.INVOICED})


def requisition_progress_move(*, requisition: Requisition, by: Employee | None, comment: str = "") -> None:
    """The requisition follows its orders: closed when every order is closed, received when every order is
    received (or closed), invoiced likewise, and back to ordered otherwise. Only an ordered requisition (or
    one already following its orders) moves; one with lines still to order stays approved."""
    requisition.refresh_from_db(fields=["status"])
    if requisition.status not in REQUISITION_PROGRESS:
        return
    statuses = set(
        PurchaseOrder.objects.filter(requisition=requisition)
        .exclude(status=S.CANCELLED)
        .values_list("status", flat=True)
    )
    target: str = RequisitionStatus.ORDERED
    for allowed, status in REQUISITION_FOLLOWS:
        if statuses and statuses <= allowed:
            target = status
            break
    if target != requisition.status:
        requisition_status_move(requisition=requisition, to_status=target, by=by, comment=comment)


@transaction.atomic
def purchase_order_close(*, order: PurchaseOrder, by: Employee, comment: str) -> PurchaseOrder:
    """A buyer closes an order that will not be received or invoiced further. The caller releases what the
    order still holds on budgets (the invoices app knows what was invoiced; see p2p)."""
    locked = purchase_orders_qs_select_for_update().get(pk=order.pk)
    if locked.status not in OPEN:
        raise ProgressInvalid(
            _("%(number)s is %(label)s: it cannot be closed.")
            % {"number": locked.number, "label": S(locked.status).label.lower()}
        )
    if not comment.strip():
        raise ProgressInvalid(_("Say why the order is closed: the requester and the supplier's buyer read it."))
    purchase_order_status_move(order=locked, to_status=S.CLOSED, by=by, comment=comment.strip())
    locked.closed_at = timezone.now()
    locked.save(update_fields=["closed_at"])
    requisition_progress_move(requisition=locked.requisition, by=by, comment=f"{locked.number} closed")
    return locked
