"""`{% export_links %}`: the list's download links, carrying the filters the page shows."""

from urllib.parse import urlencode

from django import template
from django.http import HttpRequest

register = template.Library()


@register.inclusion_tag("procurement/export_links.html", takes_context=True)
def export_links(context: template.Context, label: str = "", report: str = "") -> dict[str, object]:
    """CSV and XLSX links to this page with its query string and `export=…` (any page number dropped); with
    `report` (a scheduled report's list), a link that sets up the same list mailed weekly."""
    request: HttpRequest = context["request"]
    query = request.GET.copy()
    for name in ("export", "page", "after", "before"):
        query.pop(name, None)
    urls = {}
    for fmt in ("csv", "xlsx"):
        query["export"] = fmt
        urls[fmt] = request.path + "?" + query.urlencode()
    query.pop("export", None)
    weekly = ""
    if report:
        weekly = "/analytics/reports/?" + urlencode({"report": report, "query": query.urlencode()})
    return {"csv_url": urls["csv"], "xlsx_url": urls["xlsx"], "label": label, "weekly_url": weekly}
