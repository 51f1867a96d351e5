"""Budget pages: the overview with a picture of each budget's use, one budget's entries, and the plan import."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.exports import DEFAULT_CSV, export_format, list_export
from procurement.models import Employee, Role
from procurement.selectors import legal_entities_for_employee
from procurement.web import acting_legal_entity, employee_has_role, employee_required

from .exports import BUDGET_COLUMNS, entry_columns
from .imports import BudgetImportFormatError, budgets_import
from .journal import JOURNAL_COLUMNS, JOURNAL_KINDS, SAP_COLUMNS, SAP_CSV, journal_entries, journal_request
from .models import Budget, BudgetEntry
from .selectors import budget_holds, budget_overview, budget_use, budgets_listed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def may_plan(employee: Employee) -> bool:
    """Finance and administrators load budget plans."""
    return employee_has_role(employee, Role.FINANCE, Role.ADMIN)


@employee_required
def overview(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    entity = acting_legal_entity(request)
    download = list_export(
        request,
        name="budgets",
        columns=BUDGET_COLUMNS,
        rows=lambda: budgets_listed(legal_entity=entity),
    )
    if download is not None:
        return download
    return render(
        request,
        "budgets/overview.html",
        {"uses": budget_overview(legal_entity=entity), "may_plan": may_plan(employee)},
    )


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponseBase:
    """One budget: its figures, the requisitions that hold part of it, and every ledger entry."""
    entity = acting_legal_entity(request)
    budget = get_object_or_404(Budget.objects.select_related("cost_centre", "legal_entity"), pk=pk, legal_entity=entity)
    entries = (
        BudgetEntry.objects.filter(budget=budget)
        .select_related("requisition", "created_by", "purchase_order", "invoice")
        .order_by("-created_at", "-id")
    )
    download = list_export(
        request, name=f"budget-{budget.pk}-ledger", columns=entry_columns(budget), rows=lambda: entries
    )
    if download is not None:
        return download
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "budgets/detail.html",
        {"budget": budget, "use": budget_use(budget=budget), "holds": budget_holds(budget=budget), "page": page},
    )


@employee_required
def journal(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """Finance downloads the commitments and actuals of a period as a journal (CSV/XLSX) or in SAP's layout."""
    if not may_plan(employee):
        return render(request, "404.html", {"message": _("Only finance exports the accounting journal.")}, status=403)
    entity = acting_legal_entity(request)
    today = timezone.localdate()
    period_text = request.GET.get("period", f"{today.year}-{today.month:02d}")
    layout = request.GET.get("layout", "journal")
    with_precommitments = request.GET.get("precommitments") == "1"
    period, errors = journal_request(legal_entity=entity, period_text=period_text, layout=layout)
    if period is not None and not errors and export_format(request.GET.get("export")):
        kinds = (
            (*JOURNAL_KINDS, BudgetEntry.Kind.PRECOMMITMENT, BudgetEntry.Kind.RELEASE)
            if with_precommitments
            else JOURNAL_KINDS
        )
        download = list_export(
            request,
            name=f"journal-{entity.code}-{period.label}" + ("-sap" if layout == "sap" else ""),
            columns=SAP_COLUMNS if layout == "sap" else JOURNAL_COLUMNS,
            rows=lambda: journal_entries(legal_entity=entity, period=period, kinds=kinds),
            style=SAP_CSV if layout == "sap" else DEFAULT_CSV,
        )
        if download is not None:
            return download
    return render(
        request,
        "budgets/journal.html",
        {
            "period_text": period_text,
            "period": period,
            "layout": layout,
            "with_precommitments": with_precommitments,
            "errors": errors,
        },
        status=400 if errors and "export" in request.GET else 200,
    )


@employee_required
def import_plan(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Upload a CSV or XLSX budget plan; every bad line is listed and nothing is saved until all are good."""
    if not may_plan(employee):
        return render(request, "404.html", {"message": _("Only finance loads budget plans.")}, status=403)
    context: dict[str, object] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a CSV or XLSX file.")
        elif upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            context["error"] = _("The file is larger than 5 MB.")
        else:
            try:
                context["result"] = budgets_import(
                    filename=upload.name or "",
                    data=upload.read(),
                    entities=legal_entities_for_employee(employee=employee),
                    by=employee,
                )
            except BudgetImportFormatError as exc:
                context["error"] = str(exc)
    return render(request, "budgets/import.html", context, status=400 if context.get("error") else 200)
