"""The buyers of a legal entity: who may act on its purchase orders, and telling them what needs their eye."""

from django.utils.translation import gettext as _

from procurement.models import Employee, Role
from procurement.services import notification_send

from .errors import NotABuyer
from .models import PurchaseOrder


def is_buyer(employee: Employee, legal_entity_id: int) -> bool:
    return employee.user.is_superuser or (
        employee.roles.filter(code__in=[Role.BUYER, Role.ADMIN]).exists()
        and employee.legal_entities.filter(pk=legal_entity_id).exists()
    )


def check_buyer(employee: Employee, order: PurchaseOrder) -> None:
    if not is_buyer(employee, order.legal_entity_id):
        raise NotABuyer(_("Only a buyer of this legal entity may do this."))


def buyers_notify(*, legal_entity_id: int, subject: str, body: str) -> None:
    """E-mail the buyers of a legal entity (after the transaction commits)."""
    buyers = Employee.objects.filter(
        roles__code=Role.BUYER, legal_entities=legal_entity_id, user__is_active=True
    ).select_related("user")
    for buyer in buyers:
        notification_send(user=buyer.user, subject=subject[:150], body=body)
