"""Row locks of purchase orders, in one place; several rows are always locked in primary-key order.

`of=("self",)` locks only the table's own rows when the query joins others (`select_related`); without it
PostgreSQL locks the joined rows too.

`no_key=True` takes FOR NO KEY UPDATE, the lock an UPDATE that leaves the key alone takes: it excludes every other
writer of the row but not the FOR KEY SHARE lock that an insert of a child row (an attempt, an event) holds on it
until its transaction ends. Plain FOR UPDATE conflicts with that: with SKIP LOCKED the row would be skipped (an
order left unsent), without it the sender would wait for someone else's transaction.
"""

from django.db.models import QuerySet

from .models import PurchaseOrder, PurchaseOrderLine, Transmission


def purchase_orders_qs_select_for_update(*, of: tuple[str, ...] = (), no_key: bool = False) -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.select_for_update(of=of, no_key=no_key).order_by("pk")


def purchase_order_lines_qs_select_for_update(*, purchase_order: PurchaseOrder) -> QuerySet[PurchaseOrderLine]:
    return PurchaseOrderLine.objects.select_for_update().filter(purchase_order=purchase_order).order_by("pk")


def transmissions_qs_select_for_update(
    *, of: tuple[str, ...] = (), skip_locked: bool = False
) -> QuerySet[Transmission]:
    """Outbox rows are only ever updated in place (never deleted under the lock nor re-keyed): always NO KEY."""
    return Transmission.objects.select_for_update(of=of, skip_locked=skip_locked, no_key=True).order_by("pk")
