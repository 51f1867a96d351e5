"""The organisation import pages: /organisation/import/ (upload, template, past runs) and
/organisation/import/<id>/ (the errors or the diff, and "Apply"). Administrators of the acting legal entity only."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from p2p.org_import_apply import OrgImportChanged, OrgImportFailed, OrgImportRefused, org_import_apply
from procurement.models import Employee, LegalEntity
from procurement.web import acting_legal_entity, employee_required

from .models import OrgImportRun
from .org_import.columns import COLUMNS, MAX_FILE_BYTES, MAX_ROWS
from .org_import.plan import MODE_FULL, MODE_PARTIAL
from .org_import.runs import may_import_org, org_import_run_create, org_import_runs_of
from .org_import.template import template_csv, template_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "404.html",
        {"message": _("Only administrators of this legal entity import the organisation.")},
        status=403,
    )


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    entity = acting_legal_entity(request)
    if not may_import_org(employee=employee, legal_entity=entity):
        return _forbidden(request)
    error = ""
    mode = request.POST.get("mode", MODE_PARTIAL)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a CSV or XLSX file.")
        elif upload.size is not None and upload.size > MAX_FILE_BYTES:
            error = _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        else:
            run = org_import_run_create(
                legal_entity=entity,
                file_name=upload.name or "upload",
                data=upload.read(MAX_FILE_BYTES + 1),
                mode=MODE_FULL if mode == MODE_FULL else MODE_PARTIAL,
                by=request.user,
            )
            return redirect("org-import:detail", pk=run.pk)
    return render(
        request,
        "identity/org_import/index.html",
        {
            "entity": entity,
            "runs": org_import_runs_of(legal_entity=entity)[:50],
            "columns": list(COLUMNS),
            "max_rows": MAX_ROWS,
            "max_mb": MAX_FILE_BYTES // (1024 * 1024),
            "error": error,
            "mode": mode,
        },
        status=400 if error else 200,
    )


@employee_required
def template(request: HttpRequest, employee: Employee, file_format: str) -> HttpResponseBase:
    entity = acting_legal_entity(request)
    if not may_import_org(employee=employee, legal_entity=entity):
        return _forbidden(request)
    if file_format == "xlsx":
        response = HttpResponse(template_xlsx(entity), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(template_csv(entity), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="organisation-{entity.code}.{file_format}"'
    return response


def _run_of(entity: LegalEntity, pk: int) -> OrgImportRun | None:
    return OrgImportRun.objects.select_related("created_by", "applied_by").filter(pk=pk, legal_entity=entity).first()


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponseBase:
    entity = acting_legal_entity(request)
    if not may_import_org(employee=employee, legal_entity=entity):
        return _forbidden(request)
    run = _run_of(entity, pk)
    if run is None:
        return render(request, "404.html", {"message": _("There is no such import.")}, status=404)
    diff = run.diff or {}
    return render(
        request,
        "identity/org_import/detail.html",
        {
            "run": run,
            "diff": diff,
            "counts": diff.get("counts", {}),
            "full_leavers": [person for person in diff.get("employees", []) if person["line"] == 0],
            "may_apply": run.status != OrgImportRun.Status.APPLIED and not run.errors,
        },
    )


@require_POST
@employee_required
def apply(request: HttpRequest, employee: Employee, pk: int) -> HttpResponseBase:
    entity = acting_legal_entity(request)
    if not may_import_org(employee=employee, legal_entity=entity):
        return _forbidden(request)
    if _run_of(entity, pk) is None:
        return render(request, "404.html", {"message": _("There is no such import.")}, status=404)
    try:
        applied = org_import_apply(
            run_id=pk, legal_entity=entity, by=request.user, confirm_leavers=request.POST.get("confirm_leavers") == "on"
        )
    except (OrgImportRefused, OrgImportChanged, OrgImportFailed) as problem:
        messages.error(request, problem.message)
    else:
        result = applied.result
        messages.success(
            request,
            _(
                "Applied: %(created)d people created, %(updated)d changed, %(leavers)d leavers; %(rerouted)d "
                "approval tasks re-routed, %(reassigned)d reassigned."
            )
            % {
                "created": result.get("created", 0),
                "updated": result.get("updated", 0),
                "leavers": result.get("leavers", 0),
                "rerouted": result.get("rerouted_tasks", 0),
                "reassigned": result.get("reassigned_tasks", 0),
            },
        )
    return redirect("org-import:detail", pk=pk)
