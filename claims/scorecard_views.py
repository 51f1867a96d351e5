"""The supplier's page: its scorecard over a period in the acting entity, and its claims there."""

from datetime import date, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Employee, Supplier
from procurement.web import acting_legal_entity, employee_required

from .claim_input import date_read
from .errors import ClaimInvalid
from .scorecard import supplier_scorecard
from .selectors import claims_of

DEFAULT_DAYS = 365
PERIOD_DAYS_MAX = 3660


def scorecard_period(params: dict[str, str], *, today: date | None = None) -> tuple[date, date]:
    """The period asked for (`from`, `to`: ISO days, inclusive), the last 365 days by default; `ClaimInvalid` for
    a day that is not one, an end before the start or more than ten years."""
    today = today or timezone.localdate()
    end = date_read(params.get("to", ""), field="to", what=_("The end of the period")) or today
    start = date_read(params.get("from", ""), field="from", what=_("The start of the period")) or (
        end - timedelta(days=DEFAULT_DAYS - 1)
    )
    if end < start:
        raise ClaimInvalid(_("The period ends before it starts."), field="to")
    if (end - start).days >= PERIOD_DAYS_MAX:
        raise ClaimInvalid(_("A period is at most ten years."), field="from")
    return start, end


@employee_required
def supplier_page(request: HttpRequest, employee: Employee, code: str) -> HttpResponse:
    entity = acting_legal_entity(request)
    supplier = Supplier.objects.filter(code__iexact=code[:40]).first()
    if supplier is None:
        raise Http404(_("There is no such supplier."))
    params = {"from": request.GET.get("from", "")[:20], "to": request.GET.get("to", "")[:20]}
    error, status = "", 200
    try:
        start, end = scorecard_period(params)
    except ClaimInvalid as refused:
        error, status = refused.message, 400
        start, end = scorecard_period({})
    card = supplier_scorecard(supplier=supplier, legal_entity=entity, start=start, end=end)
    claims = claims_of(employee=employee, supplier_id=supplier.pk).filter(legal_entity=entity)[:50]
    return render(
        request,
        "claims/supplier.html",
        {
            "supplier": supplier,
            "card": card,
            "claims": claims,
            "params": params,
            "error": error,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        status=status,
    )
