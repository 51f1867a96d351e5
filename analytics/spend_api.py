"""REST API of spend analytics: the figures grouped by one dimension, and the requisition lines behind a figure."""

from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA, EXPORT_PARAMETER
from procurement.exports import list_export
from procurement.web import current_employee

from .spend import spend_refreshed_at
from .spend_exports import LINE_COLUMNS, SPEND_COLUMNS, spend_line_data, spend_row_data
from .spend_queries import (
    DIMENSIONS,
    LEVELS,
    SpendQueryInvalid,
    spend_entities,
    spend_lines,
    spend_query_read,
    spend_rows,
    spend_totals,
)

FILTERS = [
    OpenApiParameter(
        "from", OpenApiTypes.STR, description="First month, YYYY-MM (the month a requisition was submitted)."
    ),
    OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM."),
    OpenApiParameter("legal_entity", OpenApiTypes.STR, description="An entity's code (default: every entity you see)."),
    OpenApiParameter("supplier", OpenApiTypes.STR, description="A supplier's code, or `none`."),
    OpenApiParameter(
        "category", OpenApiTypes.STR, description="A UNSPSC segment, family or class (2, 4, 6 digits), or `none`."
    ),
    OpenApiParameter("cost_centre", OpenApiTypes.STR, description="A cost centre's code, or `none`."),
    OpenApiParameter(
        "requester", OpenApiTypes.INT, description="An employee's id (the person the requisition is for)."
    ),
    OpenApiParameter("contract", OpenApiTypes.STR, enum=["on", "off"], description="Only lines on (or off) contract."),
    EXPORT_PARAMETER,
]
_AMOUNT = serializers.CharField(help_text="In `currency`, with its decimals.")
RowSchema = inline_serializer(
    "SpendRow",
    {
        "key": serializers.CharField(help_text="The value to filter on to drill into the row."),
        "label": serializers.CharField(),
        "currency": serializers.CharField(help_text="The legal entity's currency."),
        "requested": _AMOUNT,
        "committed": _AMOUNT,
        "on_contract": _AMOUNT,
        "off_contract": _AMOUNT,
        "actual": _AMOUNT,
        "savings": _AMOUNT,
        "lines": serializers.IntegerField(),
    },
)


class SpendView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(DIMENSIONS), description="Group by (default category)."),
            OpenApiParameter(
                "level", OpenApiTypes.STR, enum=list(LEVELS), description="UNSPSC level when by=category."
            ),
            OpenApiParameter("parent", OpenApiTypes.STR, description="Same as `category`."),
            *FILTERS,
        ],
        responses={
            200: inline_serializer(
                "Spend",
                {
                    "by": serializers.CharField(),
                    "level": serializers.CharField(),
                    "refreshed_at": serializers.DateTimeField(allow_null=True),
                    "results": RowSchema,
                    "totals": RowSchema,
                },
            ),
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
        },
        operation_id="analytics_spend",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Spend (finance, buyers, administrators) grouped by supplier, category, cost centre, legal entity, requester
        or month, in each entity's currency; figures from the pre-aggregated table (docs/analytics.md, "Spend")."""
        entities = spend_entities(current_employee(request))
        query = spend_query_read(request.query_params, entities=entities)
        rows = spend_rows(query)
        download = list_export(request, name=f"spend-by-{query.by}", columns=SPEND_COLUMNS, rows=lambda: rows)
        if download is not None:
            return download
        refreshed = spend_refreshed_at()
        return Response(
            {
                "by": query.by,
                "level": query.level if query.by == "category" else "",
                "refreshed_at": refreshed.isoformat() if refreshed else None,
                "results": [spend_row_data(row) for row in rows],
                "totals": [spend_row_data(row) for row in spend_totals(rows)],
            }
        )


MAX_LIMIT = 500


class SpendLinesView(APIView):
    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter("limit", OpenApiTypes.INT, description="1–500, default 100."),
            OpenApiParameter("offset", OpenApiTypes.INT),
        ],
        responses={
            200: inline_serializer(
                "SpendLines",
                {
                    "count": serializers.IntegerField(),
                    "results": inline_serializer(
                        "SpendLine",
                        {
                            "requisition": serializers.CharField(),
                            "requisition_id": serializers.IntegerField(),
                            "line_number": serializers.IntegerField(),
                            "status": serializers.CharField(),
                            "submitted_at": serializers.DateTimeField(),
                            "legal_entity": serializers.CharField(),
                            "requester": serializers.CharField(),
                            "supplier": serializers.CharField(allow_null=True),
                            "supplier_name": serializers.CharField(allow_null=True),
                            "description": serializers.CharField(),
                            "unspsc": serializers.CharField(),
                            "cost_centre": serializers.CharField(allow_null=True),
                            "on_contract": serializers.BooleanField(),
                            "currency": serializers.CharField(),
                            "total": serializers.CharField(),
                            "purchase_orders": serializers.CharField(help_text="Space-separated order numbers."),
                        },
                    ),
                },
            ),
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
        },
        operation_id="analytics_spend_lines",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """The requisition lines (with their orders) behind a spend figure: the same filters as the figures."""
        entities = spend_entities(current_employee(request))
        query = spend_query_read(request.query_params, entities=entities)
        lines = spend_lines(query)
        download = list_export(request, name="spend-lines", columns=LINE_COLUMNS, rows=lambda: lines)
        if download is not None:
            return download
        limit, offset = _bounded(request, "limit", 100, 1, MAX_LIMIT), _bounded(request, "offset", 0, 0, 10**9)
        return Response(
            {
                "count": lines.count(),
                "results": [spend_line_data(line) for line in lines[offset : offset + limit]],
            }
        )


def _bounded(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = str(request.query_params.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not (low <= int(text) <= high):
        raise SpendQueryInvalid(
            _("%(name)s: a whole number from %(low)s to %(high)s, not %(value)s.")
            % {"name": name, "low": low, "high": high, "value": text[:20]}
        )
    return int(text)
