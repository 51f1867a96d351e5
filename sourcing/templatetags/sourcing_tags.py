"""Template filters of the sourcing pages."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """`mapping[key]`, or "" when it is missing (a score not typed yet)."""
    if not hasattr(mapping, "get"):
        return ""
    value = mapping.get(key)
    return "" if value is None else value
