"""Budget pages: the overview per cost centre with a picture of how each budget is used."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from procurement.models import Employee
from requisitions.views import employee_required

from .selectors import budget_overview


@employee_required
def overview(request: HttpRequest, employee: Employee) -> HttpResponse:
    entity = request.org.legal_entity  # type: ignore[attr-defined]
    return render(request, "budgets/overview.html", {"uses": budget_overview(legal_entity=entity)})
