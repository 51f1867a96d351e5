"""REST API of cycle times and approver turnaround (docs/analytics.md, "Cycle times and approver turnaround")."""

from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA, EXPORT_PARAMETER
from procurement.exports import list_export
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee

from .burndown import budget_burn_down, burn_down_as_of, burn_down_budget
from .cycle import (
    CYCLE_GROUPS,
    STEPS,
    TURNAROUND_GROUPS,
    CycleQuery,
    approver_turnaround,
    cycle_access_check,
    cycle_query,
    cycle_times,
)
from .cycle_exports import CYCLE_COLUMNS, TURNAROUND_COLUMNS

_FIGURE = inline_serializer(
    "CycleFigure",
    {
        "count": serializers.IntegerField(),
        "median_seconds": serializers.IntegerField(allow_null=True),
        "p90_seconds": serializers.IntegerField(allow_null=True),
        "median_hours": serializers.CharField(allow_null=True, help_text="Hours to a tenth, as text: 36.5"),
        "p90_hours": serializers.CharField(allow_null=True),
        "median_days": serializers.CharField(allow_null=True),
        "p90_days": serializers.CharField(allow_null=True),
    },
)

_COMMON = [
    OpenApiParameter("from", OpenApiTypes.STR, description="First month, YYYY-MM (default: 11 months before `to`)."),
    OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM (default: this month); 36 at most."),
    OpenApiParameter("legal_entity", OpenApiTypes.STR, description="Entity code (default: your first)."),
    EXPORT_PARAMETER,
]


def _query(request: Request, groups: tuple[str, ...]) -> CycleQuery:
    employee = current_employee(request)
    cycle_access_check(employee)
    params = request.query_params
    entity = legal_entity_for_user(user=request.user, code=params.get("legal_entity") or None)
    return cycle_query(legal_entity=entity, params={k: params.get(k, "") for k in params}, groups=groups)


def _answer(query: CycleQuery, rows: list[Any]) -> dict[str, Any]:
    return {
        "legal_entity": query.legal_entity.code,
        "from": query.first.isoformat()[:7],
        "to": query.last.isoformat()[:7],
        "group_by": query.group_by,
        "results": [row.as_dict() for row in rows],
    }


class CycleTimesView(APIView):
    @extend_schema(
        parameters=[
            *_COMMON,
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(CYCLE_GROUPS), description="month (default)"),
            OpenApiParameter("supplier", OpenApiTypes.STR, description='A supplier code ("-": no single supplier).'),
        ],
        responses={
            200: inline_serializer(
                "CycleTimes",
                {
                    "legal_entity": serializers.CharField(),
                    "from": serializers.CharField(),
                    "to": serializers.CharField(),
                    "group_by": serializers.CharField(),
                    "results": inline_serializer(
                        "CycleTimesRow",
                        {
                            "key": serializers.CharField(help_text="2026-03, or a supplier code"),
                            "label": serializers.CharField(),
                            "requisitions": serializers.IntegerField(),
                            "steps": inline_serializer("CycleSteps", {key: _FIGURE for key, _label, _column in STEPS}),
                        },
                        many=True,
                    ),
                },
            ),
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
        },
        operation_id="analytics_cycle_times",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Requisitions' cycle times per month of submission or per supplier: for each step (submitted → approved
        → ordered → first and last received → invoiced, and submitted → invoiced) the count, median and 90th
        percentile (nearest rank) in seconds, hours and days."""
        query = _query(request, CYCLE_GROUPS)
        rows = cycle_times(query)
        download = list_export(request._request, name="cycle-times", columns=CYCLE_COLUMNS, rows=lambda: rows)
        if download is not None:
            return download
        return Response(_answer(query, rows))


class ApproverTurnaroundView(APIView):
    @extend_schema(
        parameters=[
            *_COMMON,
            OpenApiParameter(
                "group_by", OpenApiTypes.STR, enum=list(TURNAROUND_GROUPS), description="approver (default)"
            ),
        ],
        responses={
            200: inline_serializer(
                "ApproverTurnaround",
                {
                    "legal_entity": serializers.CharField(),
                    "from": serializers.CharField(),
                    "to": serializers.CharField(),
                    "group_by": serializers.CharField(),
                    "results": inline_serializer(
                        "ApproverTurnaroundRow",
                        {
                            "key": serializers.CharField(help_text="username, stage name or 2026-03"),
                            "label": serializers.CharField(),
                            "decisions": _FIGURE,
                            "open_tasks": serializers.IntegerField(),
                            "open_oldest_seconds": serializers.IntegerField(allow_null=True),
                            "open_oldest_hours": serializers.CharField(allow_null=True),
                            "open_median_seconds": serializers.IntegerField(allow_null=True),
                            "open_median_hours": serializers.CharField(allow_null=True),
                        },
                        many=True,
                    ),
                },
            ),
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
        },
        operation_id="analytics_approver_turnaround",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Approval decisions per approver (who decided), stage or month of decision: count, median and 90th
        percentile from the task's creation to the decision; per approver also the open tasks they hold now."""
        query = _query(request, TURNAROUND_GROUPS)
        rows = approver_turnaround(query)
        download = list_export(
            request._request, name="approver-turnaround", columns=TURNAROUND_COLUMNS, rows=lambda: rows
        )
        if download is not None:
            return download
        return Response(_answer(query, rows))


class BurnDownView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("budget", OpenApiTypes.INT, required=True, description="The budget's id."),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Look from this day (default: today)."),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: ERROR_SCHEMA, 404: ERROR_SCHEMA},
        operation_id="analytics_burn_down",
    )
    def get(self, request: Request) -> Response:
        """A budget's burn-down: per month of its period the cumulative committed, actual, used (committed +
        actual) and pre-committed at the month's end, the ideal straight line, and the projected use at the
        period's end at the run rate so far; amounts in the budget's currency as decimal text."""
        employee = current_employee(request)
        budget = burn_down_budget(employee=employee, budget_id=request.query_params.get("budget"))
        as_of = burn_down_as_of(request.query_params.get("as_of"))
        return Response(budget_burn_down(budget=budget, as_of=as_of).as_dict())
