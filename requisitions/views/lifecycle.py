"""A requisition's actions from its page: withdraw, cancel, copy, merge, save as list."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from p2p.submit_to_order import requisition_cancel, requisition_withdraw
from procurement.models import Employee
from procurement.web import employee_required

from ..current_cart import choose_cart
from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError
from ..selectors import requisition_get
from ..services import requisition_copy, requisition_list_create, requisition_merge


@require_POST
@employee_required
def action(request: HttpRequest, employee: Employee, pk: int, name: str) -> HttpResponse:
    """Withdraw, cancel, copy, merge, save as list."""
    requisition = requisition_get(employee=employee, pk=pk)
    comment = request.POST.get("comment", "")[:2000]
    if name == "withdraw":
        requisition_withdraw(requisition=requisition, by=employee, comment=comment)
        messages.success(request, _("%(number)s is withdrawn.") % {"number": requisition.number})
    elif name == "cancel":
        requisition_cancel(requisition=requisition, by=employee, comment=comment)
        messages.success(request, _("%(number)s is cancelled.") % {"number": requisition.number})
        return redirect("requisitions:index")
    elif name == "copy":
        copy = requisition_copy(requisition=requisition, by=employee)
        choose_cart(request, copy)
        messages.success(request, _("Copied into the new cart %(number)s.") % {"number": copy.number})
        return redirect("requisitions:detail", pk=copy.pk)
    elif name == "merge":
        sources = [
            requisition_get(employee=employee, pk=value) for value in request.POST.getlist("carts") if value.isdigit()
        ]
        if not sources:
            raise RequisitionError(
                _("Tick the carts to merge into this one."), code=RequisitionErrorCode.NOTHING_TO_MERGE
            )
        requisition_merge(target=requisition, sources=sources, by=employee)
        messages.success(
            request,
            _("Merged %(sources)s into %(number)s.")
            % {"sources": ", ".join(s.number for s in sources), "number": requisition.number},
        )
    elif name == "save-list":
        saved = requisition_list_create(
            requisition=requisition,
            by=employee,
            name=request.POST.get("name", ""),
            shared_with_org_unit=request.POST.get("shared") == "on",
        )
        messages.success(request, _("Saved as list “%(name)s”.") % {"name": saved.name})
    return redirect("requisitions:detail", pk=requisition.pk)
