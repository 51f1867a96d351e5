"""Pages of spend analytics: a bar chart and the table of the same figures, filters in the address, drill-down from
a bar to the next UNSPSC level and to the requisition lines and orders behind it."""

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from procurement.exports import list_export
from procurement.models import Employee
from procurement.money import amount_display, from_minor
from procurement.web import acting_legal_entity, employee_required

from .spend import spend_refreshed_at
from .spend_exports import LINE_COLUMNS, SPEND_COLUMNS
from .spend_queries import (
    DIMENSIONS,
    LEVELS,
    SpendForbidden,
    SpendQuery,
    SpendQueryInvalid,
    SpendRow,
    spend_drill,
    spend_entities,
    spend_lines,
    spend_lines_params,
    spend_query_read,
    spend_rows,
    spend_totals,
)


def _params(request: HttpRequest) -> dict[str, str]:
    """The page's filters; the acting entity when none is named (a page shows one currency at a time)."""
    params = {key: request.GET.get(key, "")[:100] for key in request.GET if key not in ("export", "page")}
    if "legal_entity" not in params:
        params["legal_entity"] = acting_legal_entity(request).code
    return params


def _shown(row: SpendRow, name: str) -> str:
    return amount_display(from_minor(getattr(row, f"{name}_minor"), row.currency), row.currency)


def _breadcrumbs(query: SpendQuery) -> list[tuple[str, str]]:
    """All categories → segment → family → class, each a link to its level (the last one is where we are)."""
    url = reverse("analytics:spend")
    crumbs = [(_("All categories"), url + "?" + urlencode(query.params(category="", level="segment")))]
    code = query.category
    for digits, level in ((2, "family"), (4, "class"), (6, "class")):
        if len(code) >= digits:
            crumbs.append((code[:digits], url + "?" + urlencode(query.params(category=code[:digits], level=level))))
    return crumbs


def _denied(request: HttpRequest, error: SpendForbidden) -> HttpResponse:
    return render(request, "404.html", {"message": error.message}, status=403)


@employee_required
def spend(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """Spend by category (or supplier, cost centre, entity, requester, month): chart, table and downloads."""
    try:
        entities = spend_entities(employee)
    except SpendForbidden as forbidden:
        return _denied(request, forbidden)
    params = _params(request)
    error = ""
    try:
        query = spend_query_read(params, entities=entities)
    except SpendQueryInvalid as invalid:
        error = invalid.message
        query = spend_query_read({"legal_entity": acting_legal_entity(request).code}, entities=entities)
    rows = [] if error else spend_rows(query)
    if not error:
        download = list_export(request, name=f"spend-by-{query.by}", columns=SPEND_COLUMNS, rows=lambda: rows)
        if download is not None:
            return download
    lines_url = reverse("analytics:spend-lines")
    page_url = reverse("analytics:spend")
    shown: list[dict[str, Any]] = []
    for row in rows:
        drill = spend_drill(query, row)
        target = (
            page_url + "?" + urlencode(drill) if drill else lines_url + "?" + urlencode(spend_lines_params(query, row))
        )
        shown.append(
            {
                "row": row,
                "url": target,
                "lines_url": lines_url + "?" + urlencode(spend_lines_params(query, row)),
                "requested": _shown(row, "requested"),
                "committed": _shown(row, "committed"),
                "on_contract": _shown(row, "on_contract"),
                "off_contract": _shown(row, "off_contract"),
                "actual": _shown(row, "actual"),
                "savings": _shown(row, "savings"),
            }
        )
    currency = rows[0].currency if rows else (query.legal_entity.currency if query.legal_entity else "")
    charted = [(row, item["url"]) for row, item in zip(rows, shown, strict=True) if row.currency == currency]
    chart: dict[str, Any] = {
        "currency": currency,
        "labels": [row.label for row, _url in charted],
        "urls": [url for _row, url in charted],
        "series": [
            {"label": label, "data": [row.amount(name) for row, _url in charted]}
            for name, label in (
                ("on_contract", _("Committed on contract")),
                ("off_contract", _("Committed off contract")),
                ("actual", _("Actual (invoiced)")),
            )
        ],
        "axis": _("Amount in %(currency)s") % {"currency": currency},
    }
    totals = [
        {
            "row": total,
            **{
                name: _shown(total, name)
                for name in ("requested", "committed", "on_contract", "off_contract", "actual", "savings")
            },
        }
        for total in spend_totals(rows)
    ]
    return render(
        request,
        "analytics/spend.html",
        {
            "query": query,
            "params": params,
            "error": error,
            "rows": shown,
            "totals": totals,
            "chart": chart,
            "entities": entities,
            "dimensions": DIMENSIONS.items(),
            "levels": LEVELS.items(),
            "dimension_label": DIMENSIONS[query.by],
            "breadcrumbs": _breadcrumbs(query) if query.by == "category" else [],
            "refreshed_at": spend_refreshed_at(),
        },
        status=400 if error else 200,
    )


@employee_required
def spend_lines_page(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """The requisition lines and orders behind a figure, 50 a page, with the same filters and downloads."""
    try:
        entities = spend_entities(employee)
    except SpendForbidden as forbidden:
        return _denied(request, forbidden)
    params = _params(request)
    try:
        query = spend_query_read(params, entities=entities)
    except SpendQueryInvalid as invalid:
        return render(request, "404.html", {"message": invalid.message}, status=400)
    lines = spend_lines(query)
    download = list_export(request, name="spend-lines", columns=LINE_COLUMNS, rows=lambda: lines)
    if download is not None:
        return download
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    back = {key: value for key, value in params.items()}
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "analytics/spend_lines.html",
        {
            "page": page,
            "lines": [
                {
                    "line": line,
                    "total": amount_display(from_minor(line.total_minor, line.currency), line.currency),
                    "orders": getattr(line, "order_lines", []),
                }
                for line in page.object_list
            ],
            "query": query,
            "back_url": reverse("analytics:spend") + "?" + urlencode(back),
            "page_query": kept.urlencode() + "&" if kept else "",
        },
    )
