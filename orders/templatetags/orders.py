"""The requisition's whole story, from its approval to its orders' close-out, for the requisition page."""

from typing import Any

from django import template

from requisitions.models import Requisition

from ..selectors import requisition_story

register = template.Library()


@register.inclusion_tag("orders/_story.html")
def order_story(requisition: Requisition) -> dict[str, Any]:
    """approved → ordered → confirmed → shipped → received → invoiced → closed, each with when it happened."""
    return {"steps": requisition_story(requisition=requisition)}
