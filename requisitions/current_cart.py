"""The cart the employee is filling: chosen in the session per legal entity; pages and the top bar read it."""

from django.http import HttpRequest

from procurement.models import Employee
from procurement.web import acting_legal_entity

from .models import Requisition
from .selectors import carts_of
from .services import requisition_create

CART_SESSION_KEY = "cart:{entity}"


def current_cart(request: HttpRequest, employee: Employee, *, create: bool = False) -> Requisition | None:
    """The cart the employee is filling for the chosen entity: the one picked last, else the newest."""
    entity = acting_legal_entity(request)
    key = CART_SESSION_KEY.format(entity=entity.code)
    carts = carts_of(employee=employee, legal_entity_id=entity.pk)
    chosen_id = request.session.get(key)
    chosen = carts.filter(pk=chosen_id).first() if isinstance(chosen_id, int) else None
    cart = chosen or carts.first()
    if cart is None and create:
        cart = requisition_create(by=employee, legal_entity=entity)
    if cart is not None:
        request.session[key] = cart.pk
    return cart


def choose_cart(request: HttpRequest, requisition: Requisition) -> None:
    if requisition.status == Requisition.Status.DRAFT:
        request.session[CART_SESSION_KEY.format(entity=requisition.legal_entity.code)] = requisition.pk
