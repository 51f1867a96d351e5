from typing import Any

from django import template

from requisitions.models import Requisition

from ..models import StepStatus
from ..selectors import approval_chain_for
from ..step_texts import step_text_display

register = template.Library()


@register.inclusion_tag("approvals/_chain.html")
def approval_chain_diagram(requisition: Requisition) -> dict[str, Any]:
    """The approval chain as a picture: who signs, in what order, any-of or all-of, and how far it got."""
    return {"chain": approval_chain_for(requisition=requisition), "requisition": requisition}


@register.filter
def step_text(text: str) -> str:
    """A stored step name or reason in the reader's language (approvals.step_texts)."""
    return step_text_display(text)


@register.filter
def step_status_label(status: str) -> str:
    """An approver's status on a step ("approved") as the reader's word for it."""
    try:
        return str(StepStatus(status).label)
    except ValueError:
        return status
