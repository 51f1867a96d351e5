"""`{% export_links %}`: the list's download links, carrying the filters the page shows."""

from django import template
from django.http import HttpRequest

register = template.Library()


@register.inclusion_tag("procurement/export_links.html", takes_context=True)
def export_links(context: template.Context, label: str = "") -> dict[str, object]:
    """CSV and XLSX links to this page with its query string and `export=…` (any page number dropped)."""
    request: HttpRequest = context["request"]
    query = request.GET.copy()
    for name in ("export", "page", "after", "before"):
        query.pop(name, None)
    urls = {}
    for fmt in ("csv", "xlsx"):
        query["export"] = fmt
        urls[fmt] = request.path + "?" + query.urlencode()
    return {"csv_url": urls["csv"], "xlsx_url": urls["xlsx"], "label": label}
