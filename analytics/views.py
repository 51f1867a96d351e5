"""Pages of analytics: the weekly reports a person has set up."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procurement.models import Employee
from procurement.web import acting_legal_entity, employee_required

from .models import ScheduledReport
from .services import ReportInput, ReportInvalid, scheduled_report_create


def _form_input(request: HttpRequest) -> ReportInput:
    return ReportInput(
        name=request.POST.get("name", "")[:300],
        report=request.POST.get("report", ""),
        query=request.POST.get("query", "")[:600],
        file_format=request.POST.get("file_format", "xlsx"),
        recipients=request.POST.get("recipients", "")[:5000],
        weekday=request.POST.get("weekday", "0"),
    )


@employee_required
def reports(request: HttpRequest, employee: Employee) -> HttpResponse:
    """My weekly reports, and a form for a new one (filled from a list's "mail weekly" link)."""
    typed = ReportInput(
        report=request.GET.get("report", ""), query=request.GET.get("query", "")[:600], recipients=employee.user.email
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        typed = _form_input(request)
        try:
            report = scheduled_report_create(owner=employee, legal_entity=acting_legal_entity(request), data=typed)
        except ReportInvalid as error:
            errors = error.errors
        else:
            messages.success(
                request,
                _("%(name)s will be mailed every %(day)s.")
                % {"name": report.name, "day": report.get_weekday_display()},
            )
            return redirect("analytics:reports")
    return render(
        request,
        "analytics/reports.html",
        {
            "reports": ScheduledReport.objects.filter(owner=employee).order_by("name", "id"),
            "typed": typed,
            "errors": errors,
            "lists": ScheduledReport.Report.choices,
            "weekdays": ScheduledReport.Weekday.choices,
        },
        status=400 if errors else 200,
    )


@require_POST
@employee_required
def report_delete(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    report = get_object_or_404(ScheduledReport, pk=pk, owner=employee)
    report.delete()
    messages.success(request, _("%(name)s will no longer be mailed.") % {"name": report.name})
    return redirect("analytics:reports")
