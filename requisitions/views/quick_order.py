"""Quick order pages: paste `sku,qty` lines or upload CSV/XLSX, and the progress of long imports."""

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from procurement.models import Employee
from procurement.web import employee_required

from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError, RequisitionNotFound
from ..models import ImportJob
from ..quick_order import QuickOrderFormatError, parse_text, text_lines
from ..selectors import requisition_get, requisitions_visible
from ..services import NOTHING_TO_READ, import_job_create, import_job_errors_grouped, requisition_quick_add

SYNC_PASTE_LINES = 1000


QUICK_ORDER_TOKENS_KEY = "quick-order:submitted"
QUICK_ORDER_TOKENS_KEPT = 50


def _submission_seen(request: HttpRequest, token: str) -> bool:
    """Whether this quick-order form was sent before (a resubmission); remembers it if not."""
    if not token:
        return False
    seen: list[str] = request.session.get(QUICK_ORDER_TOKENS_KEY, [])
    if token in seen:
        return True
    request.session[QUICK_ORDER_TOKENS_KEY] = [*seen, token[:64]][-QUICK_ORDER_TOKENS_KEPT:]
    return False


@employee_required
def import_page(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """Paste `sku,qty` lines or upload CSV/XLSX; long work shows a progress bar.

    Each form carries a one-time submission token: sending it again (back button, reload, double click) adds
    nothing twice. After a partial success the box keeps only the lines that were not added.
    """
    requisition = requisition_get(employee=employee, pk=pk)
    context: dict[str, Any] = {"requisition": requisition, "jobs": requisition.import_jobs.all()[:5]}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        text = request.POST.get("text", "")
        context["text"] = text
        if _submission_seen(request, request.POST.get("submission", "")):
            context["text"] = ""
            context["resubmitted"] = True
        elif upload is not None:
            content = upload.read()
            if not content.strip():
                context["file_error"] = NOTHING_TO_READ
                status = 400
            else:
                job = import_job_create(
                    requisition=requisition, by=employee, filename=upload.name or "upload", content=content
                )
                return redirect("requisitions:import-job", job_id=job.pk)
        elif not text.strip():
            context["text_error"] = NOTHING_TO_READ
            status = 400
        elif text.count("\n") >= SYNC_PASTE_LINES:
            job = import_job_create(
                requisition=requisition, by=employee, filename="pasted.txt", content=text.encode("utf-8")
            )
            return redirect("requisitions:import-job", job_id=job.pk)
        else:
            try:
                result = requisition_quick_add(requisition=requisition, by=employee, parsed=parse_text(text))
            except QuickOrderFormatError as error:
                context["text_error"] = str(error)
                status = 400
            except RequisitionError as error:
                if error.code != RequisitionErrorCode.NOTHING_TO_READ:
                    raise
                context["text_error"] = error.message
                status = 400
            else:
                # Only the lines not added stay in the box: fixing and sending them again adds nothing twice.
                context |= {"result": result, "text": text_lines(text, [e.line for e in result.errors])}
    context["submission"] = uuid.uuid4().hex
    return render(request, "requisitions/import.html", context, status=status)


@employee_required
def import_job(request: HttpRequest, employee: Employee, job_id: int) -> HttpResponse:
    job = (
        ImportJob.objects.filter(pk=job_id, requisition__in=requisitions_visible(employee=employee))
        .select_related("requisition")
        .first()
    )
    if job is None:
        raise RequisitionNotFound(_("There is no import %(job_id)s that you may see.") % {"job_id": job_id})
    template = "requisitions/_import_progress.html" if request.htmx else "requisitions/import_job.html"  # type: ignore[attr-defined]
    groups = import_job_errors_grouped(job=job) if job.status == ImportJob.Status.DONE else []
    return render(request, template, {"job": job, "requisition": job.requisition, "error_groups": groups})
