"""`{% load p2p_tracker %}{% requisition_tracker requisition %}`: where a requisition stands, for its page."""

from typing import Any

from django import template

from requisitions.models import Requisition

from ..tracker import requisition_tracker as tracker_of

register = template.Library()


@register.inclusion_tag("p2p/_tracker.html", takes_context=True)
def requisition_tracker(context: template.Context, requisition: Requisition) -> dict[str, Any]:
    """The tracker of `requisition` and what the signed-in person can do next (the page's `employee`, else the
    request's)."""
    request = context.get("request")
    viewer = context.get("employee")
    if viewer is None and request is not None:
        org = getattr(request, "org", None)
        viewer = getattr(org, "employee", None)
    return {
        "tracker": tracker_of(requisition=requisition, viewer=viewer),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
