"""A pretend supplier for the demo (DEBUG only): takes cXML OrderRequests for LABSOURCE at /cxml/demo-supplier/
and answers like a real supplier system, so `make run` shows an order going out over cXML."""

import secrets

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from procurement.models import Supplier
from punchout import cxml

CXML_TYPE = "text/xml; charset=utf-8"


@csrf_exempt
@require_POST
def demo_supplier_orders(request: HttpRequest) -> HttpResponse:
    try:
        order = cxml.parse_order_request(request.body)
        supplier = Supplier.objects.filter(code="LABSOURCE").first()
        secret = order.header.sender.shared_secret or ""
        expected = supplier.order_shared_secret if supplier is not None else ""
        if not expected or not secrets.compare_digest(secret.encode(), expected.encode()):
            raise cxml.AuthenticationFailed("Unknown buyer or wrong shared secret.")
    except cxml.CXMLError as error:
        return HttpResponse(cxml.error_response(error), content_type=CXML_TYPE, status=error.status_code)
    status = cxml.Status(code=200, text="OK", message=f"Order {order.order_id} ({order.order_type}) received")
    return HttpResponse(cxml.build_response(status), content_type=CXML_TYPE)
