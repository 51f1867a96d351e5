"""Row locks of invoices, in one place; several rows are always locked in primary-key order.

An invoice is locked after the orders it bills (orders.lock_objects): a receipt holds its order and then
re-matches the order's invoices, so the match takes the same order of locks."""

from django.db.models import QuerySet

from orders.lock_objects import purchase_orders_qs_select_for_update

from .models import Invoice, InvoiceLine


def invoices_qs_select_for_update(*, of: tuple[str, ...] = ()) -> QuerySet[Invoice]:
    return Invoice.objects.select_for_update(of=of).order_by("pk")


def invoice_orders_lock(*, invoice_id: int) -> None:
    """Lock the orders an invoice bills (in primary-key order) before the invoice itself: a receipt holds its
    order and then re-matches the order's invoices, so every path takes order, then invoice."""
    order_ids = set(
        InvoiceLine.objects.filter(invoice_id=invoice_id, po_line__isnull=False).values_list(
            "po_line__purchase_order_id", flat=True
        )
    )
    if order_ids:
        list(purchase_orders_qs_select_for_update().filter(pk__in=order_ids).values_list("pk", flat=True))
