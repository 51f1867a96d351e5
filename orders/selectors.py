"""Who sees which purchase orders: buyers, finance and admins all of their entities'; others those of the
requisitions they may see."""

from collections.abc import Iterable

from django.db.models import QuerySet

from procurement.models import Employee, Role
from procurement.taxes import TaxRow, tax_breakdown
from requisitions.models import Requisition
from requisitions.selectors import requisitions_visible

from .models import OrderChange, PurchaseOrder, PurchaseOrderLine


def purchase_orders_visible(*, employee: Employee) -> QuerySet[PurchaseOrder]:
    entities = employee.legal_entities.filter(is_active=True).values("pk")
    orders = PurchaseOrder.objects.filter(legal_entity__in=entities)
    if employee.user.is_superuser or employee.roles.filter(code__in=[Role.BUYER, Role.FINANCE, Role.ADMIN]).exists():
        return orders
    return orders.filter(requisition__in=requisitions_visible(employee=employee).values("pk"))


def purchase_orders_made(*, requisition: Requisition) -> bool:
    """Whether the requisition's orders exist already (a repeated approval makes none)."""
    return PurchaseOrder.objects.filter(requisition=requisition).exists()


def order_change_pending(*, requisition: Requisition) -> OrderChange | None:
    """The order change a change requisition waits to apply (None for an ordinary requisition)."""
    return (
        OrderChange.objects.select_related("purchase_order")
        .filter(requisition=requisition, status=OrderChange.Status.PENDING)
        .first()
    )


def order_tax_breakdown(lines: Iterable[PurchaseOrderLine]) -> list[TaxRow]:
    """An order's tax per category and rate, from its lines' own taxes (cancelled lines left out)."""
    return tax_breakdown(
        (line.tax_category, line.tax_rate, line.total_minor, line.tax_minor)
        for line in lines
        if line.status != PurchaseOrderLine.Status.CANCELLED
    )
