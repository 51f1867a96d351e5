"""Pages of cycle times, approver turnaround and a budget's burn-down: a Chart.js chart (its data in a JSON script
element, drawn by static/js/analytics-cycle.js: no inline script), the same figures as a table, filters in the URL,
a drill-down from a bar to the requisitions (or decisions) behind it, and CSV/XLSX downloads with the filters."""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from procurement.exports import Column, list_export
from procurement.models import Employee
from procurement.money import currency_digits
from procurement.web import acting_legal_entity, employee_required

from .burndown import (
    BudgetNotFound,
    BurnDown,
    BurnDownInvalid,
    BurnPoint,
    budget_burn_down,
    burn_down_as_of,
    burn_down_budget,
)
from .cycle import (
    CYCLE_GROUPS,
    STEPS,
    TURNAROUND_GROUPS,
    CycleRequestInvalid,
    approval_decisions,
    approver_turnaround,
    cycle_query,
    cycle_requisitions,
    cycle_times,
    hours_text,
    may_see_cycle_times,
)
from .cycle_exports import CYCLE_COLUMNS, TURNAROUND_COLUMNS

FILTERS = ("from", "to", "group_by", "supplier")


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "404.html", {"message": _("Cycle times are for finance, buyers and approvers.")}, status=403)


def _typed(request: HttpRequest, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.GET.get(name, "")[:40] for name in names}


def _hours_number(seconds: int | None) -> str | None:
    return hours_text(seconds)


@employee_required
def cycle_times_page(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """Requisitions' cycle times per month or supplier; a bar opens the requisitions behind it."""
    if not may_see_cycle_times(employee):
        return _forbidden(request)
    entity = acting_legal_entity(request)
    typed = _typed(request, (*FILTERS, "month"))
    try:
        query = cycle_query(legal_entity=entity, params=typed, groups=CYCLE_GROUPS)
    except CycleRequestInvalid as error:
        return render(
            request,
            "analytics/cycle_times.html",
            {"typed": typed, "error": error.message, "groups": CYCLE_GROUPS},
            status=400,
        )
    rows = cycle_times(query)
    download = list_export(request, name="cycle-times", columns=CYCLE_COLUMNS, rows=lambda: rows)
    if download is not None:
        return download
    base = {name: typed[name] for name in FILTERS if typed[name]}
    base.setdefault("from", query.first.isoformat()[:7])
    base.setdefault("to", query.last.isoformat()[:7])

    def drill(row_key: str) -> str:
        params = dict(base)
        if query.group_by == "month":
            params["month"] = row_key
        else:
            params["supplier"] = row_key
        return "?" + urlencode(params) + "#drill-down"

    chart = {
        "kind": "bar",
        "labels": [row.label for row in rows],
        "drill": [drill(row.key) for row in rows],
        "unit": _("hours"),
        "datasets": [
            {"label": str(label), "data": [_hours_number(row.steps[key].median) for row in rows]}
            for key, label, _column in STEPS
            if key != "total"
        ],
    }
    drilled: list[Any] = []
    drilled_count = 0
    if query.month is not None or query.supplier is not None or query.none_supplier:
        drilled, drilled_count = cycle_requisitions(query)
    return render(
        request,
        "analytics/cycle_times.html",
        {
            "typed": typed,
            "query": query,
            "groups": CYCLE_GROUPS,
            "rows": [(row, [(key, label, row.steps[key]) for key, label, _c in STEPS], drill(row.key)) for row in rows],
            "steps": STEPS,
            "chart": chart,
            "drilled": drilled,
            "drilled_count": drilled_count,
            "drilled_more": drilled_count - len(drilled),
        },
    )


@employee_required
def approvers_page(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """Approver turnaround per approver, stage or month; an approver's bar opens their decisions."""
    if not may_see_cycle_times(employee):
        return _forbidden(request)
    entity = acting_legal_entity(request)
    typed = _typed(request, ("from", "to", "group_by", "approver", "month"))
    try:
        query = cycle_query(
            legal_entity=entity, params={k: v for k, v in typed.items() if k != "approver"}, groups=TURNAROUND_GROUPS
        )
    except CycleRequestInvalid as error:
        return render(
            request,
            "analytics/cycle_approvers.html",
            {"typed": typed, "error": error.message, "groups": TURNAROUND_GROUPS},
            status=400,
        )
    rows = approver_turnaround(query)
    download = list_export(request, name="approver-turnaround", columns=TURNAROUND_COLUMNS, rows=lambda: rows)
    if download is not None:
        return download
    base = {"from": query.first.isoformat()[:7], "to": query.last.isoformat()[:7], "group_by": query.group_by}

    def drill(row_key: str) -> str:
        params = dict(base)
        params["approver" if query.group_by == "approver" else "month" if query.group_by == "month" else ""] = row_key
        params.pop("", None)
        return "?" + urlencode(params) + "#drill-down"

    chart = {
        "kind": "bar",
        "labels": [row.label for row in rows],
        "drill": [drill(row.key) if query.group_by != "stage" else "" for row in rows],
        "unit": _("hours"),
        "datasets": [
            {"label": _("Median"), "data": [_hours_number(row.decisions.median) for row in rows]},
            {"label": _("90th percentile"), "data": [_hours_number(row.decisions.p90) for row in rows]},
        ],
    }
    approver = None
    decisions: list[Any] = []
    decisions_count = 0
    if typed["approver"] or query.month is not None:
        approver = Employee.objects.filter(user__username=typed["approver"]).first() if typed["approver"] else None
        if approver is not None or query.month is not None:
            decisions, decisions_count = approval_decisions(query, approver=approver)
    return render(
        request,
        "analytics/cycle_approvers.html",
        {
            "typed": typed,
            "query": query,
            "groups": TURNAROUND_GROUPS,
            "rows": [(row, drill(row.key)) for row in rows],
            "chart": chart,
            "approver": approver,
            "decisions": decisions,
            "decisions_count": decisions_count,
        },
    )


def _burn_columns(burn: BurnDown) -> list[Column[BurnPoint]]:
    def money(minor: int | None) -> Any:
        money_value = burn.money(minor)
        return None if money_value is None else money_value.amount

    places = currency_digits(burn.budget.currency)
    return [
        Column("month", _("Month"), lambda p: p.month.isoformat()[:7]),
        Column("currency", _("Currency"), lambda p: burn.budget.currency),
        Column("ideal", _("Ideal"), lambda p: money(p.ideal_minor), money=True, digits=lambda p: places),
        Column("committed", _("Committed"), lambda p: money(p.committed_minor), money=True, digits=lambda p: places),
        Column("actual", _("Actual"), lambda p: money(p.actual_minor), money=True, digits=lambda p: places),
        Column("used", _("Used"), lambda p: money(p.used_minor), money=True, digits=lambda p: places),
        Column(
            "precommitted",
            _("Pre-committed"),
            lambda p: money(p.precommitted_minor),
            money=True,
            digits=lambda p: places,
        ),
    ]


@employee_required
def burn_down_page(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """A budget's burn-down chart: used (committed + actual) and actual per month against the ideal line, and the
    projected end at the run rate."""
    entity = acting_legal_entity(request)
    try:
        budget = burn_down_budget(employee=employee, budget_id=request.GET.get("budget"))
        if budget.legal_entity_id != entity.pk:  # the page shows the acting entity's budgets only
            raise BudgetNotFound(_("You have no budget %(id)s.") % {"id": budget.pk})
        burn = budget_burn_down(budget=budget, as_of=burn_down_as_of(request.GET.get("as_of")))
    except BurnDownInvalid as error:
        return render(request, "analytics/burndown.html", {"error": error.message}, status=400)
    download = list_export(
        request, name=f"budget-{budget.pk}-burn-down", columns=_burn_columns(burn), rows=lambda: burn.points
    )
    if download is not None:
        return download
    data = burn.as_dict()
    chart = {
        "kind": "line",
        "labels": [m["month"] for m in data["months"]],
        "drill": [],
        "unit": budget.currency,
        "datasets": [
            {"label": _("Ideal"), "data": [m["ideal"] for m in data["months"]], "dashed": True},
            {"label": _("Used (committed + actual)"), "data": [m["used"] for m in data["months"]]},
            {"label": _("Actual"), "data": [m["actual"] for m in data["months"]]},
            {
                "label": _("Projected"),
                "data": [None] * (len(data["months"]) - 1) + [data["projected_end"]],
                "point": True,
            },
        ],
    }
    return render(
        request,
        "analytics/burndown.html",
        {
            "burn": burn,
            "data": data,
            "chart": chart,
            "budget": budget,
            "months": zip(burn.points, data["months"], strict=True),
        },
    )
