"""The requisition page's "Ask for quotes": a buyer of the requisition's legal entity (the one they act for)
starts a request for quotes from its free-text and unpriced lines. The sourcing app takes it from there
(`sourcing:create?requisition=<id>`): this layer only links to it by URL name."""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from procurement.models import Role

from ..models import Requisition, RequisitionLine, RequisitionStatus

register = template.Library()

# Before it is ordered: what quotes can still price.
QUOTABLE = frozenset(
    {
        RequisitionStatus.DRAFT,
        RequisitionStatus.SUBMITTED,
        RequisitionStatus.IN_APPROVAL,
        RequisitionStatus.RETURNED,
        RequisitionStatus.APPROVED,
    }
)


def needs_quotes(lines: list[RequisitionLine]) -> bool:
    """A line needs a price from suppliers: typed as free text, or without a price."""
    return any(line.source == RequisitionLine.Source.FREE_TEXT or line.unit_price_minor == 0 for line in lines)


@register.simple_tag(takes_context=True)
def ask_for_quotes_url(context: dict[str, Any], requisition: Requisition) -> str:
    """The link to start a request for quotes from the requisition, "" when the viewer may not or it has no
    line to price (one query for the viewer's role; the lines as the page has them)."""
    request = context.get("request")
    org = getattr(request, "org", None)
    if org is None or requisition.status not in QUOTABLE:
        return ""
    employee, entity = org.employee, org.legal_entity
    if employee is None or entity is None or entity.pk != requisition.legal_entity_id:
        return ""
    lines = context.get("lines")
    if not needs_quotes(list(lines) if lines is not None else list(requisition.lines.all())):
        return ""
    buyer = employee.user.is_superuser or employee.roles.filter(code__in=[Role.BUYER, Role.ADMIN]).exists()
    if not buyer:
        return ""
    return f"{reverse('sourcing:create')}?{urlencode({'requisition': requisition.pk})}"
