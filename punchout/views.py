"""Punchout pages: start a session from the cart, the OCI call-up page, and the return of the shop's cart."""

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from procurement.models import Employee
from requisitions.selectors import requisitions_visible
from requisitions.views import employee_required

from . import oci
from .models import PunchoutConnection
from .services import (
    MAX_RETURN_BYTES,
    PunchoutReturnRefused,
    punchout_callup,
    punchout_return,
    punchout_session_start,
)

logger = logging.getLogger(__name__)


def url_builders(request: HttpRequest) -> dict[str, Any]:
    return {
        "return_url_for": lambda token: request.build_absolute_uri(reverse("punchout:return", args=[token])),
        "callup_url_for": lambda token: request.build_absolute_uri(reverse("punchout:callup", args=[token])),
    }


class SeeOther(HttpResponseRedirect):
    status_code = 303


@require_POST
@employee_required
def start(request: HttpRequest, employee: Employee) -> HttpResponse:
    """From the cart: open a session and send the browser to the shop."""
    requisition = get_object_or_404(requisitions_visible(employee=employee), pk=request.POST.get("requisition"))
    connection = get_object_or_404(PunchoutConnection, pk=request.POST.get("connection"), is_active=True)
    started = punchout_session_start(
        requisition=requisition,
        by=employee,
        connection=connection,
        operation=request.POST.get("operation", "create"),
        **url_builders(request),
    )
    return SeeOther(started.start_url)


def callup(request: HttpRequest, start_token: str) -> HttpResponse:
    """OCI: a one-time page that posts the login and HOOK_URL to the catalog (the token is the credential)."""
    try:
        session, call = punchout_callup(start_token=start_token, return_url_for=url_builders(request)["return_url_for"])
    except PunchoutReturnRefused as refused:
        return render(request, "punchout/refused.html", {"message": refused.message}, status=refused.status)
    if call.method == "GET":
        return SeeOther(call.url)
    response = render(request, "punchout/callup.html", {"call": call, "session": session})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # the shop posts cross-site; the single-use token in the URL authenticates the return
@require_http_methods(["GET", "POST"])
def return_cart(request: HttpRequest, token: str) -> HttpResponse:
    """The shop's cart comes back: cXML (base64 or urlencoded) or OCI NEW_ITEM-* fields."""
    try:
        fields = _form_fields(request)
        outcome = punchout_return(token=token, fields=fields, user=request.user)
    except PunchoutReturnRefused as refused:
        logger.info("punchout return refused: %s", refused.code)
        return render(request, "punchout/refused.html", {"message": refused.message}, status=refused.status)
    url = reverse("requisitions:detail", args=[outcome.session.requisition_id])
    return SeeOther(f"{url}?punchout={outcome.session.pk}")


def _form_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The posted fields, read here rather than by Django so a 5,000-line cart passes its upload limits."""
    if request.method == "GET":
        return oci.decode_form_body(request.META.get("QUERY_STRING", "").encode("latin-1"))
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        return [(name, value) for name, values in request.POST.lists() for value in values]
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_RETURN_BYTES:
        raise PunchoutReturnRefused(
            f"The cart is larger than {MAX_RETURN_BYTES // (1024 * 1024)} MB.", code="too_large", status=413
        )
    body = request.read(MAX_RETURN_BYTES + 1)
    if len(body) > MAX_RETURN_BYTES:
        raise PunchoutReturnRefused(
            f"The cart is larger than {MAX_RETURN_BYTES // (1024 * 1024)} MB.", code="too_large", status=413
        )
    return oci.decode_form_body(body, (request.content_params or {}).get("charset"))
