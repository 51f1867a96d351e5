"""REST API of supplier invoices: upload an e-invoice (UBL, CII, Factur-X PDF), type a paper one, list and read
them. Errors are `{"code", "message"}` (a typed invoice adds `errors` by field)."""

import base64
import binascii
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.errors import NotFound
from procurement.models import Employee, LegalEntity
from procurement.money import Money, decimal_text
from procurement.web import current_employee

from .access import intake_check, intake_role_check, invoices_visible
from .error_codes import InvoiceErrorCode
from .errors import InvoiceError
from .formats import MAX_INVOICE_BYTES, InvoiceFormatError, read_invoice_file
from .ingestion import invoice_receive
from .models import Invoice, InvoiceLine
from .typed import TypedInvoiceInvalid, TypedLine, typed_invoice_receive

MoneySchema = inline_serializer(
    "InvoiceMoney", {"amount": serializers.CharField(), "currency": serializers.CharField()}
)
InvoiceSchema = inline_serializer(
    "Invoice",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=Invoice.Kind.values),
        "supplier": serializers.CharField(),
        "legal_entity": serializers.CharField(),
        "status": serializers.ChoiceField(choices=Invoice.Status.values),
        "source": serializers.CharField(),
        "invoice_date": serializers.DateField(),
        "due_date": serializers.DateField(allow_null=True),
        "currency": serializers.CharField(),
        "net": MoneySchema,
        "tax": MoneySchema,
        "total": MoneySchema,
        "purchase_orders": serializers.ListField(child=serializers.CharField()),
        "corrects": serializers.CharField(allow_null=True),
        "possible_duplicate_of": serializers.IntegerField(allow_null=True),
        "reasons": serializers.ListField(child=serializers.CharField()),
        "attachments": serializers.ListField(child=serializers.DictField()),
        "lines": serializers.ListField(child=serializers.DictField()),
    },
)


def invoice_data(invoice: Invoice) -> dict[str, Any]:
    """The API shape of an invoice (the contract's fields and more)."""

    def money(minor: int) -> dict[str, str]:
        return Money.from_minor(minor, invoice.currency).as_api()

    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "supplier": invoice.supplier.code,
        "legal_entity": invoice.legal_entity.code,
        "status": invoice.status,
        "source": invoice.source,
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": None if invoice.due_date is None else invoice.due_date.isoformat(),
        "currency": invoice.currency,
        "net": money(invoice.net_minor),
        "tax": money(invoice.tax_minor),
        "total": money(invoice.total_minor),
        "purchase_orders": [order.number for order in invoice.purchase_orders.all()],
        "corrects": None if invoice.corrects is None else invoice.corrects.number,
        "possible_duplicate_of": invoice.possible_duplicate_of_id,
        "reasons": list(invoice.reasons),
        "attachments": [
            {"id": attachment.pk, "filename": attachment.filename, "size": attachment.size}
            for attachment in invoice.attachments.all()
        ],
        "lines": [_line_data(invoice, line) for line in invoice.lines.all()],
    }


def _line_data(invoice: Invoice, line: InvoiceLine) -> dict[str, Any]:
    return {
        "line_number": line.line_number,
        "po_line": line.po_line_id,
        "order_reference": line.order_reference,
        "order_line_number": line.order_line_number,
        "link": line.link_note,
        "supplier_part_id": line.supplier_part_id,
        "description": line.description,
        "quantity": decimal_text(line.quantity),
        "unit": line.unit,
        "unit_price": Money.from_minor(line.unit_price_minor, invoice.currency).as_api(),
        "price_basis_quantity": decimal_text(line.price_basis_quantity),
        "net": Money.from_minor(line.net_minor, invoice.currency).as_api(),
        "tax_category": line.tax_category,
        "tax_rate": None if line.tax_rate is None else decimal_text(line.tax_rate),
        "tax": Money.from_minor(line.tax_minor, invoice.currency).as_api(),
        "match": line.match or None,
        "reasons": list(line.reasons),
    }


def _acting_entity(employee: Employee, code: str) -> LegalEntity | None:
    code = (code or "").strip()
    if not code:
        return None
    entity = LegalEntity.objects.filter(code__iexact=code).first()
    if entity is None or not (employee.user.is_superuser or employee.legal_entities.filter(pk=entity.pk).exists()):
        raise NotFound(f"No legal entity {code[:20]} of yours.")
    return entity


def _typed_line(item: object) -> TypedLine:
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
        summary="Invoices of your legal entities",
        operation_id="invoices_list",
        parameters=[
            OpenApiParameter("purchase_order", OpenApiTypes.INT, description="only invoices of this order (id)"),
            OpenApiParameter("status", OpenApiTypes.STR),
        ],
        responses={200: inline_serializer("InvoiceList", {"results": serializers.ListField(child=InvoiceSchema)})},
    )
    def get(self, request: Request) -> Response:
        invoices = invoices_visible(employee=current_employee(request))
        order = request.query_params.get("purchase_order", "").strip()
        if order:
            if not order.isdigit():
                raise InvoiceError("purchase_order is an order id.", code=InvoiceErrorCode.INVOICE_INVALID)
            invoices = invoices.filter(purchase_orders=int(order))
        wanted_status = request.query_params.get("status", "").strip()
        if wanted_status:
            invoices = invoices.filter(status=wanted_status)
        return Response({"results": [invoice_data(invoice) for invoice in invoices.distinct()[:500]]})

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
                "legal_entity: name the legal entity the invoice is for.", code=InvoiceErrorCode.INVOICE_INVALID
            )
        intake_check(employee, entity)
        raw_lines = body.get("lines")
        if not isinstance(raw_lines, list):
            raise InvoiceError("lines: a list of lines.", code=InvoiceErrorCode.INVOICE_INVALID)
        lines = [
            TypedLine(
                **{
                    name: str(item.get(name, "") if item.get(name) is not None else "")
                    for name in TypedLine.__dataclass_fields__
                }
            )
            if isinstance(item, dict)
            else TypedLine()
            for item in raw_lines
        ]
        pdf, pdf_name = None, ""
        attachment = body.get("attachment")
        if isinstance(attachment, dict) and attachment.get("content"):
            try:
                pdf = base64.b64decode(str(attachment["content"]), validate=True)
            except (binascii.Error, ValueError):
                raise InvoiceError("attachment.content is not base64.", code=InvoiceErrorCode.INVOICE_INVALID) from None
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
        invoice = invoices_visible(employee=employee).get(pk=received.invoice.pk)
        return Response(invoice_data(invoice), status=status.HTTP_201_CREATED)


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
            raise InvoiceError("Send the invoice as the multipart field 'file'.", code=InvoiceErrorCode.INVOICE_INVALID)
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
        invoice = invoices_visible(employee=employee).get(pk=received.invoice.pk)
        return Response(invoice_data(invoice), status=status.HTTP_201_CREATED)


class InvoiceDetailView(APIView):
    @extend_schema(
        summary="One invoice", operation_id="invoices_retrieve", responses={200: InvoiceSchema, 404: ERROR_SCHEMA}
    )
    def get(self, request: Request, pk: int) -> Response:
        invoice = invoices_visible(employee=current_employee(request)).filter(pk=pk).first()
        if invoice is None:
            raise NotFound("No such invoice.")
        return Response(invoice_data(invoice))
