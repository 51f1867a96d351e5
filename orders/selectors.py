"""Who sees which purchase orders: buyers, finance and admins all of their entities'; others those of the
requisitions they may see."""

from django.db.models import QuerySet

from procurement.models import Employee, Role
from requisitions.selectors import requisitions_visible

from .models import PurchaseOrder


def purchase_orders_visible(*, employee: Employee) -> QuerySet[PurchaseOrder]:
    entities = employee.legal_entities.filter(is_active=True).values("pk")
    orders = PurchaseOrder.objects.filter(legal_entity__in=entities)
    if employee.user.is_superuser or employee.roles.filter(code__in=[Role.BUYER, Role.FINANCE, Role.ADMIN]).exists():
        return orders
    return orders.filter(requisition__in=requisitions_visible(employee=employee).values("pk"))
