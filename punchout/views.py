"""Punchout pages: the OCI call-up page of an outbound session, and the ERPs' setup and OCI call-up endpoints.

Starting a session from a cart and taking the shop's cart back are pages of requisitions
(`requisitions/punchout_views.py`), mounted in the same `punchout` URL namespace."""

import contextlib
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from procurement.machine_endpoints import cxml_endpoint, oci_endpoint

from . import cxml, erp_punchin_requests, oci
from .error_codes import PunchoutErrorCode
from .request_bodies import BodyTooLarge, BodyUnreadable, request_body_read, request_form_fields
from .services import PunchoutError, PunchoutReturnRefused, punchout_callup


def url_builders(request: HttpRequest) -> dict[str, Any]:
    return {
        "return_url_for": lambda token: request.build_absolute_uri(reverse("punchout:return", args=[token])),
        "callup_url_for": lambda token: request.build_absolute_uri(reverse("punchout:callup", args=[token])),
    }


class SeeOther(HttpResponseRedirect):
    status_code = 303


def callup(request: HttpRequest, start_token: str) -> HttpResponse:
    """OCI: a one-time page that posts the login and HOOK_URL to the catalog (the token is the credential)."""
    try:
        session, call = punchout_callup(
            start_token=start_token, return_url_for=url_builders(request)["return_url_for"], user=request.user
        )
    except PunchoutReturnRefused as refused:
        return render(request, "punchout/refused.html", {"message": refused.message}, status=refused.status)
    except PunchoutError as misconfigured:
        return render(request, "punchout/refused.html", {"message": misconfigured.message}, status=502)
    if call.method == "GET":
        return SeeOther(call.url)
    response = render(request, "punchout/callup.html", {"call": call, "session": session})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def form_fields(request: HttpRequest, *, max_bytes: int) -> list[tuple[str, str]]:
    """The posted fields, read here rather than by Django so a 5,000-line cart passes its upload limits."""
    try:
        return request_form_fields(request, max_bytes=max_bytes)
    except (BodyTooLarge, BodyUnreadable) as error:
        raise PunchoutReturnRefused(error.message, code=PunchoutErrorCode.TOO_LARGE, status=error.status) from error


# --- inbound: ERPs punch into our catalog -------------------------------------------------------------------

MAX_SETUP_BYTES = 5 * 1024 * 1024


def inbound_urls(request: HttpRequest) -> dict[str, Any]:
    return {"start_url_for": lambda token: request.build_absolute_uri(reverse("punchout:inbound-start", args=[token]))}


@csrf_exempt  # a machine endpoint: the sender is authenticated by its cXML credentials
@require_http_methods(["POST"])
@cxml_endpoint
def cxml_setup(request: HttpRequest) -> HttpResponse:
    """ERPs post PunchOutSetupRequest or ProfileRequest here; the answer is always cXML."""
    try:
        body = request_body_read(request, max_bytes=MAX_SETUP_BYTES)
    except BodyTooLarge as too_large:
        error: cxml.CXMLError = cxml.DocumentTooLarge(too_large.message)
        return HttpResponse(cxml.error_response(error), content_type=CXML_TYPE, status=error.status_code)
    except BodyUnreadable as unreadable:
        error = cxml.CXMLError(400, unreadable.message)
        return HttpResponse(cxml.error_response(error), content_type=CXML_TYPE, status=error.status_code)
    if (request.content_type or "").startswith("application/x-www-form-urlencoded"):
        with contextlib.suppress(cxml.CXMLError):  # some systems post the document as a form field
            body = cxml.extract_cxml_from_form(oci.decode_form_body(body))
    answer = erp_punchin_requests.cxml_request(
        data=body, setup_url=request.build_absolute_uri(reverse("punchout:cxml-setup")), **inbound_urls(request)
    )
    response = HttpResponse(answer.body, content_type=CXML_TYPE, status=answer.status)
    if answer.retry_after:
        response["Retry-After"] = str(answer.retry_after)
    return response


CXML_TYPE = "text/xml; charset=utf-8"


@csrf_exempt  # the SAP system posts the call-up cross-site; USERNAME and PASSWORD authenticate it
@require_http_methods(["GET", "POST"])
@oci_endpoint
def oci_callup(request: HttpRequest) -> HttpResponse:
    """The OCI call-up: log in, then shop (or DETAIL, VALIDATE, BACKGROUND_SEARCH)."""
    try:
        values = dict(form_fields(request, max_bytes=MAX_SETUP_BYTES))
    except PunchoutReturnRefused as refused:
        return _oci_refused(request, refused.message, refused.status)
    try:
        login = erp_punchin_requests.oci_login(params=values, start_url_for=inbound_urls(request)["start_url_for"])
    except erp_punchin_requests.OciLoginRefused as refused:
        response = _oci_refused(request, refused.message, refused.status)
        if refused.retry_after:
            response["Retry-After"] = str(refused.retry_after)
        return response
    hook = login.params["HOOK_URL"]
    target = login.params.get("~TARGET", "_top") or "_top"
    if login.function == "VALIDATE":
        try:
            quantity = oci_quantity(login.params.get("QUANTITY"))
        except ValueError as bad:
            return _oci_refused(request, str(bad), 400)
        items = erp_punchin_requests.oci_items_for(
            client=login.client, product_id=login.params.get("PRODUCTID", ""), quantity=quantity
        )
        fields = oci.build_new_item_fields(items)
        return render(request, "punchout/transfer.html", {"url": hook, "fields": fields, "target": target})
    if login.function == "BACKGROUND_SEARCH":
        items = erp_punchin_requests.oci_items_for(
            client=login.client, search=login.params.get("SEARCHSTRING", "")[:200]
        )
        fields = oci.build_new_item_fields(items)
        return render(request, "punchout/background_search.html", {"url": hook, "fields": fields})
    url = login.start_url
    if login.function == "DETAIL" and login.params.get("PRODUCTID"):
        product_id = login.params["PRODUCTID"][:100]
        sku = erp_punchin_requests.oci_product_sku(client=login.client, product_id=product_id)
        url += "?" + urlencode({"detail": sku or product_id})
    return SeeOther(url)


def _oci_refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "punchout/oci_refused.html", {"message": message}, status=status)


MAX_QUANTITY_CHARACTERS = 15
_OCI_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
MAX_QUANTITY_DECIMALS = 3


def oci_quantity(value: str | None) -> Decimal:
    """VALIDATE's QUANTITY: 1 when absent; otherwise a positive number that a requisition line can hold."""
    text = (value or "").strip().replace(",", ".")
    if not text:
        return Decimal(1)
    if len(text) > MAX_QUANTITY_CHARACTERS:
        raise ValueError(
            _("QUANTITY is longer than %(max_quantity_characters)s characters.")
            % {"max_quantity_characters": MAX_QUANTITY_CHARACTERS}
        )
    if not _OCI_NUMBER.fullmatch(text):  # OCI numbers are digits and a point: no exponent, NaN or Infinity
        raise ValueError(_("QUANTITY %(text)s is not a number.") % {"text": repr(text)})
    try:
        quantity = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("QUANTITY %(text)s is not a number.") % {"text": repr(text)}) from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValueError(_("QUANTITY %(text)s is not a positive number.") % {"text": repr(text)})
    exponent = quantity.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_QUANTITY_DECIMALS:
        raise ValueError(
            _("QUANTITY %(text)s has more than %(max_quantity_decimals)s decimals.")
            % {"text": repr(text), "max_quantity_decimals": MAX_QUANTITY_DECIMALS}
        )
    if quantity >= Decimal(10) ** 10:  # requisition lines hold 13 digits, 3 of them decimals
        raise ValueError(_("QUANTITY %(text)s is larger than a requisition line can hold.") % {"text": repr(text)})
    return quantity
