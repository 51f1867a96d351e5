from typing import Any

from django.http import HttpRequest

from .current_cart import current_cart
from .selectors import carts_of


def cart(request: HttpRequest) -> dict[str, Any]:
    """The top bar and the catalog show which cart "Add to cart" fills, and the others to switch to."""
    org = getattr(request, "org", None)
    if org is None or not request.user.is_authenticated or org.employee is None or org.legal_entity is None:
        return {}
    return {
        "current_cart": current_cart(request, org.employee),
        "open_carts": list(carts_of(employee=org.employee, legal_entity_id=org.legal_entity.pk)[:20]),
    }
