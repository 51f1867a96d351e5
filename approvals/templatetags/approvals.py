from typing import Any

from django import template

from requisitions.models import Requisition

from ..selectors import approval_chain_for

register = template.Library()


@register.inclusion_tag("approvals/_chain.html")
def approval_chain_diagram(requisition: Requisition) -> dict[str, Any]:
    """The approval chain as a picture: who signs, in what order, any-of or all-of, and how far it got."""
    return {"chain": approval_chain_for(requisition=requisition), "requisition": requisition}
