"""REST API of budgets: what is left, per entity, cost centre and period."""

from typing import Any

from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA, EXPORT_PARAMETER
from procurement.errors import NotFound, ProcurementError
from procurement.exports import DEFAULT_CSV, csv_text, list_export
from procurement.money import Money, decimal_text
from procurement.selectors import legal_entities_for_employee, legal_entity_for_user
from procurement.web import current_employee

from .error_codes import BudgetErrorCode
from .exports import BUDGET_COLUMNS, budgets_filtered, entry_columns
from .imports import BudgetImportFormatError, budgets_import
from .journal import JOURNAL_COLUMNS, JOURNAL_KINDS, LAYOUTS, SAP_COLUMNS, SAP_CSV, journal_entries, journal_request
from .models import Budget, BudgetEntry
from .selectors import budget_use_of
from .views import MAX_UPLOAD_BYTES, may_plan

BudgetSchema = inline_serializer(
    "Budget",
    {
        "id": serializers.IntegerField(),
        "legal_entity": serializers.CharField(),
        "cost_centre": serializers.CharField(),
        "period": serializers.CharField(),
        "amount": serializers.CharField(),
        "available": serializers.CharField(),
        "currency": serializers.CharField(),
        "control": serializers.ChoiceField(choices=["hard", "warn", "none"]),
        "gl_account": serializers.CharField(),
        "unspsc_prefix": serializers.CharField(),
        "period_kind": serializers.ChoiceField(choices=["year", "quarter", "month"]),
        "period_start": serializers.DateField(),
        "period_end": serializers.DateField(),
        "tolerance_percent": serializers.CharField(),
        "tolerance_amount": serializers.CharField(),
        "precommitted": serializers.CharField(),
        "committed": serializers.CharField(),
        "actual": serializers.CharField(),
    },
)


def budget_row(budget: Any) -> dict[str, Any]:
    use = budget_use_of(budget)

    def money(minor: int | None) -> str:
        return str(Money.from_minor(minor or 0, budget.currency).amount)

    return {
        "id": budget.pk,
        "legal_entity": budget.legal_entity.code,
        "cost_centre": budget.cost_centre.code,
        "period": budget.period_label,
        "amount": money(budget.amount_minor),
        "available": money(use.available),
        "currency": budget.currency,
        "control": budget.control,
        "gl_account": budget.gl_account,
        "unspsc_prefix": budget.unspsc_prefix,
        "period_kind": budget.period_kind,
        "period_start": budget.period_start.isoformat(),
        "period_end": budget.period_end.isoformat(),
        "tolerance_percent": str(budget.tolerance_percent),
        "tolerance_amount": money(budget.tolerance_minor),
        "precommitted": money(use.precommitted),
        "committed": money(use.committed),
        "actual": money(use.actual),
    }


class BudgetListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("legal_entity", OpenApiTypes.STR),
            OpenApiParameter("cost_centre", OpenApiTypes.STR),
            EXPORT_PARAMETER,
        ],
        responses={200: inline_serializer("Budgets", {"results": BudgetSchema})},
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Budgets of the caller's legal entities with what is left: amount − every ledger entry."""
        employee = current_employee(request)
        budgets = budgets_filtered(employee=employee, params=request.query_params)
        download = list_export(request, name="budgets", columns=BUDGET_COLUMNS, rows=lambda: budgets)
        if download is not None:
            return download
        return Response({"results": [budget_row(budget) for budget in budgets]})


EntrySchema = inline_serializer(
    "BudgetEntry",
    {
        "id": serializers.IntegerField(),
        "created_at": serializers.DateTimeField(),
        "kind": serializers.ChoiceField(choices=BudgetEntry.Kind.values),
        "amount": serializers.CharField(),
        "currency": serializers.CharField(),
        "source_amount": serializers.CharField(),
        "source_currency": serializers.CharField(),
        "rate": serializers.CharField(),
        "requisition": serializers.IntegerField(allow_null=True),
        "requisition_number": serializers.CharField(allow_null=True),
        "over_limit": serializers.BooleanField(),
        "note": serializers.CharField(),
        "purchase_order": serializers.IntegerField(allow_null=True),
        "purchase_order_number": serializers.CharField(allow_null=True),
        "invoice": serializers.IntegerField(allow_null=True),
        "invoice_number": serializers.CharField(allow_null=True),
        "variance": serializers.CharField(),
    },
)
PAGE_SIZE = 200


class BudgetEntriesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=BudgetEntry.Kind.values),
            OpenApiParameter("requisition", OpenApiTypes.INT),
            OpenApiParameter("purchase_order", OpenApiTypes.INT),
            OpenApiParameter("before", OpenApiTypes.INT, description="Entries with an id below this (next page)."),
            EXPORT_PARAMETER,
        ],
        responses={
            200: inline_serializer(
                "BudgetEntries",
                {"results": EntrySchema, "next_before": serializers.IntegerField(allow_null=True)},
            ),
            404: ERROR_SCHEMA,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        """The ledger of one budget, newest first, in pages of 200 (pass `before` = `next_before`)."""
        employee = current_employee(request)
        budget = Budget.objects.filter(pk=pk, legal_entity__in=legal_entities_for_employee(employee=employee)).first()
        if budget is None:
            raise BudgetNotFound(_("There is no budget %(id)s that you may see.") % {"id": pk})
        entries = (
            BudgetEntry.objects.filter(budget=budget)
            .select_related("requisition", "purchase_order", "invoice")
            .order_by("-id")
        )
        params = request.query_params
        if params.get("kind"):
            entries = entries.filter(kind=params["kind"])
        if params.get("requisition", "").isdigit():
            entries = entries.filter(requisition_id=int(params["requisition"]))
        if params.get("purchase_order", "").isdigit():
            entries = entries.filter(purchase_order_id=int(params["purchase_order"]))
        if params.get("before", "").isdigit():
            entries = entries.filter(pk__lt=int(params["before"]))
        download = list_export(
            request, name=f"budget-{budget.pk}-ledger", columns=entry_columns(budget), rows=lambda: entries
        )
        if download is not None:
            return download
        page = list(entries[: PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        return Response(
            {
                "results": [
                    {
                        "id": entry.pk,
                        "created_at": entry.created_at.isoformat(),
                        "kind": entry.kind,
                        "amount": str(Money.from_minor(entry.amount_minor, budget.currency).amount),
                        "currency": budget.currency,
                        "source_amount": str(entry.source_amount.amount),
                        "source_currency": entry.source_currency,
                        "rate": decimal_text(entry.rate),
                        "requisition": entry.requisition_id,
                        "requisition_number": entry.requisition.number if entry.requisition else None,
                        "over_limit": entry.over_limit,
                        "note": entry.note,
                        "purchase_order": entry.purchase_order_id,
                        "purchase_order_number": entry.purchase_order.number if entry.purchase_order else None,
                        "invoice": entry.invoice_id,
                        "invoice_number": entry.invoice.number if entry.invoice else None,
                        "variance": str(Money.from_minor(entry.variance_minor, budget.currency).amount),
                    }
                    for entry in page
                ],
                "next_before": page[-1].pk if more else None,
            }
        )


class BudgetJournalView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("legal_entity", OpenApiTypes.STR, description="Entity code (default: your first)."),
            OpenApiParameter(
                "period", OpenApiTypes.STR, required=True, description="2026-11, 2026-Q4, 2026, FY2027-P01"
            ),
            OpenApiParameter("layout", OpenApiTypes.STR, enum=list(LAYOUTS), description="journal (default) or sap."),
            OpenApiParameter("precommitments", OpenApiTypes.BOOL, description="Include requisitions' pre-commitments."),
            EXPORT_PARAMETER,
        ],
        responses={
            200: inline_serializer(
                "BudgetJournal",
                {
                    "legal_entity": serializers.CharField(),
                    "period": serializers.CharField(),
                    "layout": serializers.CharField(),
                    "count": serializers.IntegerField(),
                    "results": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
        },
        operation_id="budgets_journal",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """The accounting export (finance): commitments and actuals of a period, one line per ledger entry, as the
        download gives them (`export=csv|xlsx`) or as JSON (the first 200 lines, every value as its CSV text)."""
        employee = current_employee(request)
        if not may_plan(employee):
            raise PermissionDenied(_("Only finance exports the accounting journal."))
        params = request.query_params
        entity = legal_entity_for_user(user=request.user, code=params.get("legal_entity") or None)
        layout = params.get("layout", "journal")
        period, errors = journal_request(legal_entity=entity, period_text=params.get("period", ""), layout=layout)
        if period is None or errors:
            raise BudgetJournalInvalid("; ".join(f"{field}: {message}" for field, message in errors.items()))
        kinds: tuple[str, ...] = JOURNAL_KINDS
        if params.get("precommitments") in {"1", "true", "yes"}:
            kinds = (*JOURNAL_KINDS, BudgetEntry.Kind.PRECOMMITMENT, BudgetEntry.Kind.RELEASE)
        columns = SAP_COLUMNS if layout == "sap" else JOURNAL_COLUMNS
        style = SAP_CSV if layout == "sap" else DEFAULT_CSV
        entries = journal_entries(legal_entity=entity, period=period, kinds=kinds)
        download = list_export(
            request,
            name=f"journal-{entity.code}-{period.label}" + ("-sap" if layout == "sap" else ""),
            columns=columns,
            rows=lambda: entries,
            style=style,
        )
        if download is not None:
            return download
        return Response(
            {
                "legal_entity": entity.code,
                "period": period.label,
                "layout": layout,
                "count": entries.count(),
                "results": [
                    {column.key: csv_text(column.value(entry), style) for column in columns} for entry in entries[:200]
                ],
            }
        )


class BudgetImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("BudgetPlanUpload", {"file": serializers.FileField()})},
        responses={
            200: inline_serializer(
                "BudgetImportResult",
                {"created": serializers.IntegerField(), "changed": serializers.IntegerField()},
            ),
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
        },
    )
    def post(self, request: Request) -> Response:
        """Load a CSV or XLSX budget plan (finance). With any bad line nothing is saved and each is listed."""
        employee = current_employee(request)
        if not may_plan(employee):
            raise PermissionDenied(_("Only finance loads budget plans."))
        upload = request.FILES.get("file")
        if upload is None:
            raise BudgetImportRefused(_("Send the plan as the multipart field `file`."))
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise BudgetImportRefused(_("The file is larger than 5 MB."), code=BudgetErrorCode.FILE_TOO_LARGE)
        try:
            result = budgets_import(
                filename=upload.name or "",
                data=upload.read(),
                entities=legal_entities_for_employee(employee=employee),
                by=employee,
            )
        except BudgetImportFormatError as exc:
            raise BudgetImportRefused(str(exc)) from exc
        if result.errors:
            return Response(
                {
                    "code": "invalid_lines",
                    "message": _("Nothing was saved: %(errors)s of %(rows)s lines have problems.")
                    % {"errors": len(result.errors), "rows": result.rows},
                    "errors": [{"line": error.line, "message": error.message} for error in result.errors],
                },
                status=400,
            )
        return Response({"created": result.created, "changed": result.changed})


class BudgetNotFound(NotFound):
    code = BudgetErrorCode.NOT_FOUND
    status = 404


class BudgetImportRefused(ProcurementError):
    code = BudgetErrorCode.INVALID_FILE


class BudgetJournalInvalid(ProcurementError):
    code = BudgetErrorCode.INVALID_JOURNAL_REQUEST
