"""`{% claims_panel %}`: the claims of a receipt or an order, a small list with their status, on the receiving and
order pages (which sit below claims: they name the tag, the tag reads claims)."""

from typing import Any

from django import template

from procurement.models import Employee

from ..selectors import claims_of

register = template.Library()


@register.inclusion_tag("claims/_panel.html", takes_context=True)
def claims_panel(context: template.Context, receipt: Any = None, order: Any = None) -> dict[str, object]:
    request = context["request"]
    employee = Employee.objects.filter(user=request.user).first() if request.user.is_authenticated else None
    if employee is None:
        return {"claims": []}
    claims = claims_of(
        employee=employee,
        receipt_id=receipt.pk if receipt is not None else None,
        order_id=order.pk if order is not None else None,
    )
    return {"claims": list(claims[:50]), "receipt": receipt, "order": order}
