"""Row locks of purchase orders, in one place; several rows are always locked in primary-key order.

`of=("self",)` locks only the table's own rows when the query joins others (`select_related`); without it
PostgreSQL locks the joined rows too.
"""

from django.db.models import QuerySet

from .models import PurchaseOrder, PurchaseOrderLine, Transmission


def purchase_orders_qs_select_for_update(*, of: tuple[str, ...] = ()) -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.select_for_update(of=of).order_by("pk")


def purchase_order_lines_qs_select_for_update(*, purchase_order: PurchaseOrder) -> QuerySet[PurchaseOrderLine]:
    return PurchaseOrderLine.objects.select_for_update().filter(purchase_order=purchase_order).order_by("pk")


def transmissions_qs_select_for_update(
    *, of: tuple[str, ...] = (), skip_locked: bool = False
) -> QuerySet[Transmission]:
    return Transmission.objects.select_for_update(of=of, skip_locked=skip_locked).order_by("pk")
