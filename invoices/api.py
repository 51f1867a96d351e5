"""REST API of supplier invoices: the list (by order, status, supplier), one invoice with its match line by line,
and the payment an ERP reports.

`POST /api/v1/invoices/` takes a typed invoice and `POST /api/v1/invoices/upload/` an e-invoice (UBL, CII,
Factur-X PDF); both go through invoices.ingestion and are matched at once.
"""

import base64
import binascii
from datetime import datetime, time

from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA, EXPORT_PARAMETER
from procurement.errors import NotFound
from procurement.exports import list_export
from procurement.models import Employee, LegalEntity, Role
from procurement.web import current_employee, employee_has_role

from .access import intake_check, intake_role_check
from .error_codes import InvoiceErrorCode
from .errors import InvoiceError, InvoiceNotFound
from .exports import INVOICE_COLUMNS, invoices_filtered, invoices_for_export
from .formats import MAX_INVOICE_BYTES, InvoiceFormatError, read_invoice_file
from .ingestion import invoice_receive
from .models import Invoice
from .selectors import invoices_for_list, invoices_sorted, invoices_visible
from .serializers import InvoiceSchema, invoice_data
from .services import MAX_REFERENCE, invoice_mark_paid
from .typed import TypedInvoiceInvalid, TypedLine, typed_invoice_receive

PAGE_SIZE = 200


def _invoice(employee: Employee, pk: int) -> Invoice:
    invoice = invoices_for_list(invoices=invoices_visible(employee=employee).filter(pk=pk)).first()
    if invoice is None:
        raise InvoiceNotFound(_("There is no invoice %(id)s that you may see.") % {"id": pk})
    return invoice


def _acting_entity(employee: Employee, code: str) -> LegalEntity | None:
    code = (code or "").strip()
    if not code:
        return None
    entity = LegalEntity.objects.filter(code__iexact=code).first()
    if entity is None or not (employee.user.is_superuser or employee.legal_entities.filter(pk=entity.pk).exists()):
        raise NotFound(_("No legal entity %(code)s of yours.") % {"code": code[:20]})
    return entity


def _typed_line(item: object) -> TypedLine:
    """A typed line from the JSON body, every field as text (the typed-invoice check reads and bounds them)."""
    if not isinstance(item, dict):
        return TypedLine()
    fields = {}
    for name in TypedLine.__dataclass_fields__:
        value = item.get(name)
        fields[name] = "" if value is None else str(value)
    return TypedLine(**fields)


def _format_error(error: InvoiceFormatError) -> InvoiceError:
    return InvoiceError(error.message, code=error.code)


class InvoiceListView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("purchase_order", OpenApiTypes.INT, description="Invoices that bill this order."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Invoice.Status.values),
            OpenApiParameter("supplier", OpenApiTypes.STR, description="The supplier's code."),
            OpenApiParameter("due_by", OpenApiTypes.DATE, description="Invoices due on or before this date."),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=["due"], description="due: the soonest due first."),
            EXPORT_PARAMETER,
        ],
        responses={200: inline_serializer("Invoices", {"results": InvoiceSchema})},
        operation_id="invoices_list",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Invoices and credit notes the caller may see, newest first (at most 200), each with its match."""
        employee = current_employee(request)
        invoices, sort = invoices_filtered(employee=employee, params=request.query_params)
        download = list_export(
            request,
            name="invoices",
            columns=INVOICE_COLUMNS,
            rows=lambda: invoices_sorted(invoices=invoices_for_export(invoices), sort=sort),
        )
        if download is not None:
            return download
        page = invoices_sorted(invoices=invoices_for_list(invoices=invoices), sort=sort)[:PAGE_SIZE]
        return Response({"results": [invoice_data(invoice) for invoice in page]})

    @extend_schema(
        summary="Type a paper invoice",
        operation_id="invoices_create",
        description=(
            "`{legal_entity, supplier, number, invoice_date, currency, kind?, due_date?, purchase_order?, corrects?, "
            "lines: [{description, quantity, unit_price, unit?, tax_rate?, supplier_part_id?, po_line?}], "
            "attachment?: {filename, content (base64 PDF)}}`. A bad field answers 400 with `errors` by field."
        ),
        request=OpenApiTypes.OBJECT,
        responses={201: InvoiceSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 409: ERROR_SCHEMA},
    )
    def post(self, request: Request) -> Response:
        employee = current_employee(request)
        body = request.data if isinstance(request.data, dict) else {}
        entity = _acting_entity(employee, str(body.get("legal_entity", "")))
        if entity is None:
            raise InvoiceError(
                _("legal_entity: name the legal entity the invoice is for."), code=InvoiceErrorCode.INVOICE_INVALID
            )
        intake_check(employee, entity)
        raw_lines = body.get("lines")
        if not isinstance(raw_lines, list):
            raise InvoiceError(_("lines: a list of lines."), code=InvoiceErrorCode.INVOICE_INVALID)
        lines = [_typed_line(item) for item in raw_lines]
        pdf, pdf_name = None, ""
        attachment = body.get("attachment")
        if isinstance(attachment, dict) and attachment.get("content"):
            try:
                pdf = base64.b64decode(str(attachment["content"]), validate=True)
            except (binascii.Error, ValueError):
                raise InvoiceError(
                    _("attachment.content is not base64."), code=InvoiceErrorCode.INVOICE_INVALID
                ) from None
            pdf_name = str(attachment.get("filename", ""))[:200]
        try:
            received = typed_invoice_receive(
                legal_entity=entity,
                supplier_code=str(body.get("supplier", "")),
                number=str(body.get("number", "")),
                invoice_date=str(body.get("invoice_date", "")),
                due_date=str(body.get("due_date", "") or ""),
                currency=str(body.get("currency", "")),
                kind=str(body.get("kind", "invoice") or "invoice"),
                purchase_order=str(body.get("purchase_order", "") or ""),
                corrects=str(body.get("corrects", "") or ""),
                lines=lines,
                pdf=pdf,
                pdf_name=pdf_name,
                by=request.user,
            )
        except TypedInvoiceInvalid as invalid:
            return Response(
                {"code": invalid.code, "message": invalid.message, "errors": invalid.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(invoice_data(_invoice(employee, received.invoice.pk)), status=status.HTTP_201_CREATED)


class InvoiceUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a supplier's e-invoice",
        operation_id="invoices_upload",
        description=(
            "Multipart field `file`: a UBL 2.1 Invoice or CreditNote (Peppol BIS 3.0), a CII XML (Factur-X / "
            "ZUGFeRD 2) or a Factur-X PDF. Optional `legal_entity` (code): the entity you take it in for."
        ),
        request={
            "multipart/form-data": inline_serializer(
                "InvoiceUpload",
                {"file": serializers.FileField(), "legal_entity": serializers.CharField(required=False)},
            )
        },
        responses={201: InvoiceSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 409: ERROR_SCHEMA},
    )
    def post(self, request: Request) -> Response:
        employee = current_employee(request)
        intake_role_check(employee)
        upload = request.FILES.get("file")
        if upload is None:
            raise InvoiceError(
                _("Send the invoice as the multipart field 'file'."), code=InvoiceErrorCode.INVOICE_INVALID
            )
        data = upload.read(MAX_INVOICE_BYTES + 1)  # one byte more than allowed: read_invoice_file says it is too large
        form = request.data if isinstance(request.data, dict) else {}
        entity = _acting_entity(employee, str(form.get("legal_entity", "")))
        try:
            read = read_invoice_file(data)
        except InvoiceFormatError as error:
            raise _format_error(error) from None
        received = invoice_receive(
            document=read.document,
            legal_entity=entity,
            source_xml=read.xml,
            pdf=read.pdf,
            pdf_name=(upload.name or "")[:200],
            by=request.user,
            check_entity=lambda found: intake_check(employee, found),
        )
        return Response(invoice_data(_invoice(employee, received.invoice.pk)), status=status.HTTP_201_CREATED)


class InvoiceDetailView(APIView):
    @extend_schema(responses={200: InvoiceSchema, 404: ERROR_SCHEMA}, operation_id="invoice_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        return Response(invoice_data(_invoice(current_employee(request), pk)))


def _paid_at(value: object) -> datetime:
    """An ISO date-time (or a date, read as midnight in the server's zone); naive times in the server's zone."""
    if not isinstance(value, str) or not value.strip():
        raise InvoiceError(
            _("paid_at is required: when the ERP paid, e.g. 2026-12-01T09:30:00Z."), code=InvoiceErrorCode.INVALID
        )
    text = value.strip()[:40]
    moment = None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.combine(day, time()) if day is not None else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvoiceError(
            _("paid_at %(text)s is not a date-time (2026-12-01T09:30:00Z) or a date (2026-12-01).")
            % {"text": repr(text)},
            code=InvoiceErrorCode.INVALID,
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class InvoicePaidView(APIView):
    @extend_schema(
        request=inline_serializer(
            "InvoicePaid",
            {"paid_at": serializers.DateTimeField(), "reference": serializers.CharField(required=False)},
        ),
        responses={200: InvoiceSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="invoice_paid",
    )
    def post(self, request: Request, pk: int) -> Response:
        """The ERP reports that it paid an invoice that is ready to pay (finance or an administrator's account):
        it becomes paid. Reported again with the same reference, nothing changes."""
        employee = current_employee(request)
        if not employee_has_role(employee, Role.FINANCE, Role.ADMIN):
            raise PermissionDenied(_("Only finance (or the ERP's account) reports payments."))
        invoice = _invoice(employee, pk)
        data = request.data if hasattr(request.data, "get") else {}
        reference = data.get("reference", "")
        if not isinstance(reference, str) or len(reference) > MAX_REFERENCE:
            raise InvoiceError(
                _("reference is a text of at most %(max_reference)s characters.") % {"max_reference": MAX_REFERENCE},
                code=InvoiceErrorCode.INVALID,
            )
        invoice_mark_paid(invoice=invoice, paid_at=_paid_at(data.get("paid_at")), reference=reference, by=employee)
        return Response(invoice_data(_invoice(employee, pk)))
