"""Pages that put a supplier's punchout cart into a requisition: start shopping from the cart, and the return
of the shop's cart. Mounted in the `punchout` URL namespace (`requisitions/punchout_urls.py`)."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from procurement.models import Employee
from procurement.web import employee_required
from punchout.selectors import punchout_connections_switched_on
from punchout.services import MAX_RETURN_BYTES, PunchoutReturnRefused
from punchout.views import SeeOther, form_fields, url_builders

from .punchout_carts import requisition_punchout_return, requisition_punchout_start
from .selectors import requisitions_visible

logger = logging.getLogger(__name__)


@require_POST
@employee_required
def start(request: HttpRequest, employee: Employee) -> HttpResponse:
    """From the cart: open a session and send the browser to the shop."""
    requisition_id, connection_id = request.POST.get("requisition", ""), request.POST.get("connection", "")
    if not (requisition_id.isdigit() and connection_id.isdigit()):
        return render(request, "404.html", {"message": _("Choose a cart and a shop.")}, status=400)
    requisition = get_object_or_404(requisitions_visible(employee=employee), pk=int(requisition_id))
    connection = get_object_or_404(punchout_connections_switched_on(), pk=int(connection_id))
    started = requisition_punchout_start(
        requisition=requisition,
        by=employee,
        connection=connection,
        operation=request.POST.get("operation", "create"),
        **url_builders(request),
    )
    return SeeOther(started.start_url)


@csrf_exempt  # the shop posts cross-site; the single-use token in the URL authenticates the return
@require_http_methods(["GET", "POST"])
def return_cart(request: HttpRequest, token: str) -> HttpResponse:
    """The shop's cart comes back: cXML (base64 or urlencoded) or OCI NEW_ITEM-* fields."""
    try:
        fields = form_fields(request, max_bytes=MAX_RETURN_BYTES)
        outcome = requisition_punchout_return(token=token, fields=fields, user=request.user)
    except PunchoutReturnRefused as refused:
        logger.info("punchout return refused: %s", refused.code)
        return render(request, "punchout/refused.html", {"message": refused.message}, status=refused.status)
    url = reverse("requisitions:detail", args=[outcome.session.requisition_id])
    return SeeOther(f"{url}?punchout={outcome.session.pk}")
