"""The buyers of a legal entity: who may act on its purchase orders, and telling them what needs their eye."""

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from notifications.services import notify
from procurement.models import Employee, LegalEntity, Role

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


def buyers_notify(
    *,
    legal_entity_id: int,
    kind: str,
    message: str,
    context: dict[str, Any],
    link: str = "",
    obj: Model | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Tell the buyers of a legal entity (notifications.services.notify: in the app and by e-mail per their
    preferences, each in their language, after the transaction commits; the entity's webhooks once)."""
    buyers = Employee.objects.filter(
        roles__code=Role.BUYER, legal_entities=legal_entity_id, user__is_active=True
    ).select_related("user")
    notify(
        recipients=[buyer.user for buyer in buyers],
        kind=kind,
        legal_entity=LegalEntity.objects.get(pk=legal_entity_id),
        message=message,
        context=context,
        link=link,
        obj=obj,
        data=data,
    )
