"""The table of allowed status moves of a purchase order, and the one function that moves it.

Nothing changes an order's status except `purchase_order_status_move`: it checks the move against the
table and writes the order's change-log row (`PurchaseOrderEvent`) in the same transaction.
"""

from django.db import transaction

from procurement.models import Employee

from .errors import PurchaseOrderTransitionNotAllowed
from .models import PurchaseOrder, PurchaseOrderEvent

S = PurchaseOrder.Status

# What a supplier's confirmations and ship notices make of an order out with them; a later one supersedes.
SUPPLIER_ANSWERED = frozenset(
    {S.CONFIRMED, S.PARTLY_CONFIRMED, S.CONFIRMED_SHORT, S.REJECTED, S.SHIPPED, S.PARTLY_SHIPPED}
)

ALLOWED: dict[str, frozenset[str]] = {
    # A held order waits for a buyer, who issues it.
    S.HELD: frozenset({S.ISSUED}),
    # Issued: the outbox sends it (sent, or failed after the last try), or a buyer sends it by hand (manual).
    S.ISSUED: frozenset({S.SENT, S.MANUAL, S.FAILED, S.CANCELLED}) | SUPPLIER_ANSWERED,
    # Out with the supplier: a buyer's change issues a new revision (or cancels every line), a resend can fail,
    # and the supplier answers.
    S.SENT: frozenset({S.ISSUED, S.FAILED, S.CANCELLED}) | SUPPLIER_ANSWERED,
    S.MANUAL: frozenset({S.SENT, S.ISSUED, S.CANCELLED}) | SUPPLIER_ANSWERED,
    S.FAILED: frozenset({S.ISSUED, S.SENT, S.CANCELLED}) | SUPPLIER_ANSWERED,
    **{answered: frozenset({S.ISSUED, S.FAILED, S.CANCELLED}) | SUPPLIER_ANSWERED for answered in SUPPLIER_ANSWERED},
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
            f"{order.number} is {S(from_status).label.lower()}: it cannot become {S(to_status).label.lower()}."
        )
    order.status = to_status
    order.save(update_fields=["status"])
    PurchaseOrderEvent.objects.create(
        purchase_order=order, from_status=from_status, to_status=to_status, by=by, comment=comment
    )
    return order
