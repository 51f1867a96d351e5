from typing import Any

from django.http import HttpRequest


def inbound(request: HttpRequest) -> dict[str, Any]:
    """In a punch-in from an ERP, pages show the transfer button and leave out everything else.

    The punch-in's cart is its session's and no other (never an earlier session's cart of the same ERP
    user); an inspect session has no cart to add to at all: it only shows the ERP's lines.
    """
    session = getattr(request, "punchin", None)
    if session is None:
        return {}
    look_only = session.operation == "inspect"
    cart = session.requisition
    return {
        "punchout_inbound": session,
        "punchin_look_only": look_only,
        "punchin_not_taken": [entry for entry in session.items_out or [] if entry.get("not_taken")],
        "current_cart": None if look_only or cart is None or not cart.is_editable else cart,
        "open_carts": [],
    }
