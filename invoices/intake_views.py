"""How invoices come in on the web: /cxml/inbound/ (every supplier document; invoices here, the rest to orders),
the upload page and the typed-invoice page. The lists and one invoice's page are in invoices.views."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from orders.supplier_answers import supplier_document_receive
from procurement.machine_endpoints import cxml_endpoint
from procurement.models import Employee, Supplier
from procurement.web import acting_legal_entity, employee_required
from punchout import cxml
from punchout.request_bodies import BodyTooLarge, BodyUnreadable, request_body_read

from .access import intake_check, may_take_in
from .cxml_inbound import invoice_cxml_receive
from .errors import InvoiceError
from .formats import MAX_INVOICE_BYTES, InvoiceFormatError, read_invoice_file
from .ingestion import invoice_receive
from .models import InvoiceAttachment
from .typed import MAX_TYPED_LINES, TypedInvoiceInvalid, TypedLine, typed_invoice_receive

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


# ------------------------------------------------------------------------------------------------ pages

_LINE_FIELDS = ("description", "supplier_part_id", "quantity", "unit", "unit_price", "tax_rate", "po_line")
_BLANK_LINES = 5


def _typed_lines(data: QueryDict) -> list[TypedLine]:
    """The typed lines of the form: line-1-quantity, line-1-unit_price … as many as were posted."""
    count = min(int(data.get("line_count", _BLANK_LINES) or _BLANK_LINES), MAX_TYPED_LINES)
    return [
        TypedLine(**{name: data.get(f"line-{position}-{name}", "")[:500] for name in _LINE_FIELDS})
        for position in range(1, count + 1)
    ]


@employee_required
def invoice_upload(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Upload a supplier's e-invoice (UBL, CII, Factur-X PDF) for the acting legal entity."""
    entity = acting_legal_entity(request)
    context: dict[str, object] = {"entity": entity, "allowed": may_take_in(employee, entity), "max_mb": 10}
    if request.method != "POST":
        return render(request, "invoices/upload.html", context)
    upload = request.FILES.get("file")
    if upload is None:
        context["error"] = _("Choose the invoice file to upload.")
        return render(request, "invoices/upload.html", context, status=400)
    try:
        intake_check(employee, entity)
        read = read_invoice_file(upload.read(MAX_INVOICE_BYTES + 1))
        received = invoice_receive(
            document=read.document,
            legal_entity=entity,
            source_xml=read.xml,
            pdf=read.pdf,
            pdf_name=(upload.name or "")[:200],
            by=request.user,
        )
    except InvoiceFormatError as error:
        context["error"] = error.message
        return render(request, "invoices/upload.html", context, status=400)
    except InvoiceError as error:
        context["error"] = error.message
        return render(request, "invoices/upload.html", context, status=error.status)
    messages.success(request, _("Invoice %(number)s taken in.") % {"number": received.invoice.number})
    return redirect("invoices:detail", received.invoice.pk)


@employee_required
def invoice_type(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Type a paper invoice (with its PDF) for the acting legal entity; the form keeps what was typed."""
    entity = acting_legal_entity(request)
    values: dict[str, str] = {"currency": entity.currency, "kind": "invoice"}
    lines = [TypedLine(unit="EA") for _ in range(_BLANK_LINES)]
    context: dict[str, object] = {
        "entity": entity,
        "allowed": may_take_in(employee, entity),
        "suppliers": Supplier.objects.filter(is_active=True).order_by("name").only("code", "name"),
        "errors": {},
    }
    if request.method == "POST":
        values = {name: request.POST.get(name, "")[:200] for name in _HEADER_FIELDS}
        lines = _typed_lines(request.POST)
        scan = request.FILES.get("file")
        try:
            intake_check(employee, entity)
            received = typed_invoice_receive(
                legal_entity=entity,
                supplier_code=values["supplier"],
                number=values["number"],
                invoice_date=values["invoice_date"],
                due_date=values["due_date"],
                currency=values["currency"],
                kind=values["kind"] or "invoice",
                purchase_order=values["purchase_order"],
                corrects=values["corrects"],
                lines=lines,
                pdf=None if scan is None else scan.read(InvoiceAttachment.MAX_BYTES + 1),
                pdf_name="" if scan is None else (scan.name or "")[:200],
                by=request.user,
            )
        except TypedInvoiceInvalid as invalid:
            context["errors"] = invalid.errors
            context["error"] = _("Please correct the fields marked below.")
            status = 400
        except InvoiceError as error:
            context["error"] = error.message
            status = error.status
        else:
            messages.success(request, _("Invoice %(number)s taken in.") % {"number": received.invoice.number})
            return redirect("invoices:detail", received.invoice.pk)
    else:
        status = 200
    errors = context["errors"]
    assert isinstance(errors, dict)
    context["values"] = values
    context["field_errors"] = {name: errors.get(name, "") for name in _HEADER_FIELDS}
    context["lines"] = [
        {
            "position": position,
            "values": line,
            "errors": {name: errors.get(f"lines.{position}.{name}", "") for name in _LINE_FIELDS},
        }
        for position, line in enumerate(lines, 1)
    ]
    context["line_count"] = len(lines)
    context["lines_error"] = errors.get("lines", "")
    context["file_error"] = errors.get("file", "")
    return render(request, "invoices/typed.html", context, status=status)


_HEADER_FIELDS = ("supplier", "number", "invoice_date", "due_date", "currency", "kind", "purchase_order", "corrects")
