"""The tables of allowed status moves of purchase orders, their outbox rows and their changes, and the one
function per model that moves it.

Nothing changes an order's status except `purchase_order_status_move`: it checks the move against the
table and writes the order's change-log row (`PurchaseOrderEvent`) in the same transaction. An outbox row
(`transmission_status_move`) and an order change (`order_change_status_move`) do the same, their change-log
row an audit event (`orders.transmission.status`, `orders.order_change.status`) with from, to and comment.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import Employee, LegalEntity
from procurement.status_moves import StatusTable, status_move

from .errors import OrderChangeTransitionNotAllowed, PurchaseOrderTransitionNotAllowed, TransmissionTransitionNotAllowed
from .models import OrderChange, PurchaseOrder, PurchaseOrderEvent, Transmission

S = PurchaseOrder.Status

# What a supplier's confirmations and ship notices make of an order out with them; a later one supersedes.
SUPPLIER_ANSWERED = frozenset(
    {S.CONFIRMED, S.PARTLY_CONFIRMED, S.CONFIRMED_SHORT, S.REJECTED, S.SHIPPED, S.PARTLY_SHIPPED}
)

# What receipts and invoices make of an order (orders.order_progress): goods arrived, all of them, or the
# order fully invoiced. A reversal or a credit note moves back among these, or to where the order was.
PROGRESS = frozenset({S.PARTLY_RECEIVED, S.RECEIVED, S.INVOICED})
# Where the goods may arrive and invoices come: the order is out with the supplier, however it was sent.
OUT = frozenset({S.ISSUED, S.SENT, S.MANUAL, S.FAILED}) | SUPPLIER_ANSWERED
# An order still open for receipts, invoices and a buyer's close-out.
OPEN = OUT | PROGRESS

ALLOWED: dict[str, frozenset[str]] = {
    # A held order waits for a buyer, who issues it.
    S.HELD: frozenset({S.ISSUED}),
    # Issued: the outbox sends it (sent, or failed after the last try), or a buyer sends it by hand (manual).
    S.ISSUED: frozenset({S.SENT, S.MANUAL, S.FAILED, S.CANCELLED}) | SUPPLIER_ANSWERED | PROGRESS | {S.CLOSED},
    # Out with the supplier: a buyer's change issues a new revision (or cancels every line), a resend can fail,
    # and the supplier answers.
    S.SENT: frozenset({S.ISSUED, S.FAILED, S.CANCELLED}) | SUPPLIER_ANSWERED | PROGRESS | {S.CLOSED},
    S.MANUAL: frozenset({S.SENT, S.ISSUED, S.CANCELLED}) | SUPPLIER_ANSWERED | PROGRESS | {S.CLOSED},
    S.FAILED: frozenset({S.ISSUED, S.SENT, S.CANCELLED}) | SUPPLIER_ANSWERED | PROGRESS | {S.CLOSED},
    **{
        answered: frozenset({S.ISSUED, S.FAILED, S.CANCELLED}) | SUPPLIER_ANSWERED | PROGRESS | {S.CLOSED}
        for answered in SUPPLIER_ANSWERED
    },
    # Goods arrived or the order is invoiced: more receipts and invoices, a reversal back to where the order was
    # before, a buyer's change (a new revision), and the close-out.
    **{progress: OUT | PROGRESS | {S.CLOSED} for progress in PROGRESS},
    # Fully received and invoiced, or closed by a buyer: nothing moves it again.
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Where an order starts: held for a buyer, or issued at once.
INITIAL = frozenset({S.HELD, S.ISSUED})
TERMINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


def purchase_order_created_record(
    *, order: PurchaseOrder, by: Employee | None, comment: str = ""
) -> PurchaseOrderEvent:
    """The first row of an order's history: where it started."""
    assert order.status in INITIAL, order.status
    return PurchaseOrderEvent.objects.create(
        purchase_order=order, from_status="", to_status=order.status, by=by, comment=comment
    )


def purchase_orders_created_events(
    *, orders: list[PurchaseOrder], by: Employee | None, comment: str = ""
) -> list[PurchaseOrderEvent]:
    """The first row of the history of each of several new orders, for the caller to write in one insert with the
    orders' other rows."""
    assert all(order.status in INITIAL for order in orders), [order.status for order in orders]
    return [
        PurchaseOrderEvent(purchase_order=order, from_status="", to_status=order.status, by=by, comment=comment)
        for order in orders
    ]


def purchase_orders_moved_before_written(
    *, orders: list[PurchaseOrder], to_status: str, by: Employee | None, comment: str = ""
) -> list[PurchaseOrderEvent]:
    """`purchase_order_status_move` for several orders not written yet: every move is checked first (one the table
    does not allow raises `PurchaseOrderTransitionNotAllowed` and nothing is changed), then each order takes
    `to_status`; returns their change-log rows, for the caller to write with the orders."""
    moving = [order for order in orders if order.status != to_status]
    for order in moving:
        if not is_allowed(order.status, to_status):
            raise PurchaseOrderTransitionNotAllowed(
                _("%(number)s is %(label)s: it cannot become %(label2)s.")
                % {
                    "number": order.number,
                    "label": S(order.status).label.lower(),
                    "label2": S(to_status).label.lower(),
                }
            )
    events = [
        PurchaseOrderEvent(purchase_order=order, from_status=order.status, to_status=to_status, by=by, comment=comment)
        for order in moving
    ]
    for order in moving:
        order.status = to_status
    return events


@transaction.atomic
def purchase_order_status_move(
    *, order: PurchaseOrder, to_status: str, by: Employee | None, comment: str = ""
) -> PurchaseOrder:
    """Move the order to `to_status` if the table allows it, and log the move (from, to, who, why).

    The caller holds the order's row lock (`orders.lock_objects`). Staying in the same status is no move:
    nothing is written. A move the table does not allow raises `PurchaseOrderTransitionNotAllowed`.
    """
    from_status = order.status
    if from_status == to_status:
        return order
    if not is_allowed(from_status, to_status):
        raise PurchaseOrderTransitionNotAllowed(
            _("%(number)s is %(label)s: it cannot become %(label2)s.")
            % {"number": order.number, "label": S(from_status).label.lower(), "label2": S(to_status).label.lower()}
        )
    order.status = to_status
    order.save(update_fields=["status"])
    PurchaseOrderEvent.objects.create(
        purchase_order=order, from_status=from_status, to_status=to_status, by=by, comment=comment
    )
    return order


T = Transmission.Status

# An outbox row: a sender claims it (sending) and records the outcome (sent, retrying, failed); a buyer's
# resend starts it over (pending, overtaking a send under way); one sent by hand (manual) is marked sent.
TRANSMISSION_ALLOWED: dict[str, frozenset[str]] = {
    T.PENDING: frozenset({T.SENDING}),
    T.SENDING: frozenset({T.SENT, T.RETRYING, T.FAILED, T.PENDING}),
    T.RETRYING: frozenset({T.SENDING, T.PENDING}),
    T.SENT: frozenset({T.PENDING}),
    T.FAILED: frozenset({T.PENDING}),
    T.MANUAL: frozenset({T.SENT}),
}
TRANSMISSION_INITIAL = frozenset({T.PENDING, T.MANUAL})


TRANSMISSION_TABLE = StatusTable(
    allowed=TRANSMISSION_ALLOWED, labels=T, what=gettext_lazy("transmission"), event_type="orders.transmission.status"
)


def transmission_status_move(
    *,
    transmission: Transmission,
    to_status: str,
    by: Employee | None,
    comment: str = "",
    also: Iterable[str] = (),
    legal_entity: LegalEntity | None = None,
) -> Transmission:
    """Move the outbox row to `to_status` if the table allows it, save it with the fields in `also` the caller
    set, and log the move. The caller holds the row's lock (`transmissions_qs_select_for_update`).

    Staying in the same status is no move: the `also` fields are saved, nothing is logged. A move the table
    does not allow raises `TransmissionTransitionNotAllowed` and saves nothing.
    """
    status_move(
        transmission,
        table=TRANSMISSION_TABLE,
        to_status=to_status,
        refused=TransmissionTransitionNotAllowed,
        actor=by.user if by else None,
        legal_entity=lambda: legal_entity or transmission.purchase_order.legal_entity,
        comment=comment,
        also_save=also,
    )
    return transmission


C = OrderChange.Status

# A change of an order waits for its change requisition's approval: applied, or refused.
ORDER_CHANGE_ALLOWED: dict[str, frozenset[str]] = {
    C.PENDING: frozenset({C.APPLIED, C.REFUSED}),
    C.APPLIED: frozenset(),
    C.REFUSED: frozenset(),
}


ORDER_CHANGE_TABLE = StatusTable(
    allowed=ORDER_CHANGE_ALLOWED,
    labels=C,
    what=gettext_lazy("change of the order"),
    event_type="orders.order_change.status",
)


def order_change_status_move(
    *, change: OrderChange, to_status: str, by: Employee | None, comment: str = ""
) -> OrderChange:
    """Move the order change to `to_status` if the table allows it, and log the move (from, to, comment).

    Staying in the same status is no move; a move the table does not allow raises
    `OrderChangeTransitionNotAllowed`.
    """
    status_move(
        change,
        table=ORDER_CHANGE_TABLE,
        to_status=to_status,
        refused=OrderChangeTransitionNotAllowed,
        actor=by.user if by else None,
        legal_entity=lambda: change.purchase_order.legal_entity,
        comment=comment,
    )
    return change
