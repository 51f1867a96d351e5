"""REST API of scheduled reports: a list mailed every week, as its owner would download it."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.errors import NotFound
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee

from .error_codes import AnalyticsErrorCode
from .models import ScheduledReport
from .services import ReportInput, scheduled_report_create

ReportSchema = inline_serializer(
    "ScheduledReport",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "report": serializers.ChoiceField(choices=ScheduledReport.Report.values),
        "query": serializers.CharField(),
        "file_format": serializers.ChoiceField(choices=["csv", "xlsx"]),
        "recipients": serializers.ListField(child=serializers.EmailField()),
        "weekday": serializers.IntegerField(help_text="0 Monday … 6 Sunday"),
        "legal_entity": serializers.CharField(),
        "last_sent_on": serializers.DateField(allow_null=True),
    },
)


def report_data(report: ScheduledReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "name": report.name,
        "report": report.report,
        "query": report.query,
        "file_format": report.file_format,
        "recipients": list(report.recipients),
        "weekday": report.weekday,
        "legal_entity": report.legal_entity.code,
        "last_sent_on": report.last_sent_on.isoformat() if report.last_sent_on else None,
    }


class ReportNotFound(NotFound):
    code = AnalyticsErrorCode.NOT_FOUND


class ScheduledReportListView(APIView):
    @extend_schema(responses={200: inline_serializer("ScheduledReports", {"results": ReportSchema})})
    def get(self, request: Request) -> Response:
        """My weekly reports."""
        employee = current_employee(request)
        found = ScheduledReport.objects.filter(owner=employee).select_related("legal_entity").order_by("name", "id")
        return Response({"results": [report_data(report) for report in found]})

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        description=(
            '`{"name", "report": "requisitions"|"purchase_orders"|"receipts"|"invoices"|"budgets", "query": the '
            'list\'s API filters ("status=sent"), "file_format": "csv"|"xlsx", "recipients": ["a@b.example"], '
            '"weekday": 0–6 (Monday 0), "legal_entity"?}`. A bad field answers 400 `invalid_report` naming it.'
        ),
        responses={201: ReportSchema, 400: ERROR_SCHEMA},
    )
    def post(self, request: Request) -> Response:
        employee = current_employee(request)
        body = request.data if isinstance(request.data, dict) else {}
        recipients = body.get("recipients", [])
        entity = legal_entity_for_user(user=request.user, code=str(body.get("legal_entity") or "") or None)
        report = scheduled_report_create(
            owner=employee,
            legal_entity=entity,
            data=ReportInput(
                name=str(body.get("name", ""))[:300],
                report=str(body.get("report", "")),
                query=str(body.get("query", ""))[:600],
                file_format=str(body.get("file_format", "xlsx")),
                recipients=",".join(str(r) for r in recipients)[:5000] if isinstance(recipients, list) else "",
                weekday=str(body.get("weekday", "0")),
            ),
        )
        return Response(report_data(report), status=201)


class ScheduledReportDetailView(APIView):
    @extend_schema(responses={204: None, 404: ERROR_SCHEMA})
    def delete(self, request: Request, pk: int) -> Response:
        """Stop mailing one of my reports."""
        employee = current_employee(request)
        deleted, _kinds = ScheduledReport.objects.filter(pk=pk, owner=employee).delete()
        if not deleted:
            raise ReportNotFound(_("You have no scheduled report %(id)s.") % {"id": pk})
        return Response(status=204)
