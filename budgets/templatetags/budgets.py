from typing import Any

from django import template

from requisitions.models import Requisition

from ..selectors import budget_advice

register = template.Library()


@register.inclusion_tag("budgets/_advice.html")
def budget_check(requisition: Requisition) -> dict[str, Any]:
    """Next to the cart: each budget it charges, what is left now and after this requisition."""
    return {"advice": budget_advice(requisition=requisition), "requisition": requisition}
