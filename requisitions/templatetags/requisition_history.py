"""The requisition's history with the purchase orders it names as links to their pages."""

import re
from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

from ..models import Requisition, RequisitionStatus

register = template.Library()

# What a document number looks like in a comment ("FR-PO-000012"): capitals and digits in dash-joined parts.
DOCUMENT_NUMBER = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b")


@register.simple_tag
def order_urls(requisition: Requisition, events: Iterable[Any]) -> dict[str, str]:
    """The order pages of the purchase orders of the requisition's entity that these events' comments name,
    by order number: one query for the whole history, none when no comment names a number."""
    numbers = {number for event in events for number in DOCUMENT_NUMBER.findall(event.comment or "")}
    if not numbers:
        return {}
    orders = requisition.legal_entity.purchase_orders.filter(number__in=numbers).values_list("pk", "number")
    return {number: reverse("orders:detail", args=[pk]) for pk, number in orders}


@register.filter
def link_orders(text: str, urls: dict[str, str] | None) -> SafeString:
    """`text`, escaped, with each order number of `urls` made a link to its order page."""
    if not urls:
        return conditional_escape(text or "")
    numbers = "|".join(re.escape(number) for number in sorted(urls, key=len, reverse=True))
    # re.split with a group keeps the numbers found: every odd piece is one of them.
    pieces = re.split(rf"\b({numbers})\b", text or "")
    return format_html_join(
        "",
        "{}",
        (
            (format_html('<a href="{}">{}</a>', urls[piece], piece) if index % 2 else piece,)
            for index, piece in enumerate(pieces)
        ),
    )


@register.filter
def status_label(value: str) -> str:
    """A requisition status as people read it ("in_approval" → "In approval"); an unknown value as it is."""
    try:
        return str(RequisitionStatus(value).label)
    except ValueError:
        return value
