"""The web edges of supplier invoices: /cxml/inbound/ (every supplier document; invoices here, the rest to
orders), the upload page and the typed-invoice page."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from orders.supplier_answers import supplier_document_receive
from procurement.machine_endpoints import cxml_endpoint
from punchout import cxml
from punchout.request_bodies import BodyTooLarge, BodyUnreadable, request_body_read

from .cxml_inbound import invoice_cxml_receive

MAX_INBOUND_BYTES = 10 * 1024 * 1024  # as orders' confirmations and ship notices
CXML_TYPE = "text/xml; charset=utf-8"


@csrf_exempt  # a machine endpoint: the supplier is authenticated by its cXML credentials
@cxml_endpoint  # an unexpected error is answered as a cXML Status 500, never an HTML page
def cxml_inbound(request: HttpRequest) -> HttpResponse:
    """Suppliers post InvoiceDetailRequest, ConfirmationRequest and ShipNoticeRequest; the answer is always a
    cXML Response. Invoices are taken here; confirmations and ship notices go to orders."""
    if request.method != "POST":
        wrong = cxml.InvalidDocument("Post a cXML InvoiceDetailRequest, ConfirmationRequest or ShipNoticeRequest.")
        return HttpResponse(cxml.error_response(wrong), content_type=CXML_TYPE, status=405)
    try:
        body = request_body_read(request, max_bytes=MAX_INBOUND_BYTES)
    except BodyTooLarge as too_large:
        error: cxml.CXMLError = cxml.DocumentTooLarge(too_large.message)
        return HttpResponse(cxml.error_response(error), content_type=CXML_TYPE, status=error.status_code)
    except BodyUnreadable as unreadable:
        error = cxml.CXMLError(400, unreadable.message)
        return HttpResponse(cxml.error_response(error), content_type=CXML_TYPE, status=error.status_code)
    try:
        kind = cxml.document_type(body)
    except cxml.CXMLError:
        kind = ""  # orders answers the unreadable document as it always has
    answer = invoice_cxml_receive(data=body) if kind == "InvoiceDetailRequest" else supplier_document_receive(data=body)
    response = HttpResponse(answer.body, content_type=CXML_TYPE, status=answer.status)
    if answer.retry_after:
        response["Retry-After"] = str(answer.retry_after)
    return response
