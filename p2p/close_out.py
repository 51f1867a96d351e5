"""Close-out of a purchase order by a buyer: the order will not be received or invoiced further.

Crossing apps, top to bottom: orders closes the order (and its requisition follows), then budgets gives back
what the order still holds committed. An order that closes by itself (fully received and invoiced) is closed
by orders.order_progress and released by invoices.services in the same way.
"""

from django.db import transaction

from budgets.actuals import funds_order_release
from orders.buyers import check_buyer
from orders.models import PurchaseOrder
from orders.order_progress import purchase_order_close
from procurement.models import Employee


@transaction.atomic
def purchase_order_buyer_close(*, order: PurchaseOrder, by: Employee, comment: str) -> PurchaseOrder:
    """A buyer closes an open order with a reason: it becomes `closed` (its requisition closes when all its
    orders are), and the commitment it still holds on budgets is released."""
    check_buyer(by, order)
    # 1. orders: the order closes (refused with ProgressInvalid when it is not open or no reason is given).
    closed = purchase_order_close(order=order, by=by, comment=comment)
    # 2. budgets: what it still holds is given back.
    funds_order_release(purchase_order=closed, by=by, note=f"{closed.number} closed by {by.display_name}")
    return closed


def purchase_order_closed_release(*, order: PurchaseOrder, by: Employee | None) -> None:
    """After a receipt (or a re-match) that may have closed the order: a closed order gives back what it still
    holds on budgets (nothing is written when it holds nothing, so calling it twice is harmless)."""
    order.refresh_from_db(fields=["status"])
    if order.status == PurchaseOrder.Status.CLOSED:
        funds_order_release(purchase_order=order, by=by, note=f"{order.number} fully received and invoiced")
