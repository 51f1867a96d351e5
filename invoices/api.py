"""REST API of supplier invoices: the list (by order, status, supplier), one invoice with its match line by line,
and the payment an ERP reports.

`POST /api/v1/invoices/` (a typed invoice) and `/upload/` are the intake's (invoices.ingestion): the list view
is a class so that the URL configuration can give the same path both methods.
"""

from datetime import datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.models import Employee, Role
from procurement.web import current_employee, employee_has_role

from .error_codes import InvoiceErrorCode
from .errors import InvoiceError, InvoiceNotFound
from .models import Invoice
from .selectors import invoices_for_list, invoices_of_order, invoices_visible
from .serializers import InvoiceSchema, invoice_data
from .services import MAX_REFERENCE, invoice_mark_paid

PAGE_SIZE = 200


def _invoice(employee: Employee, pk: int) -> Invoice:
    invoice = invoices_for_list(invoices=invoices_visible(employee=employee).filter(pk=pk)).first()
    if invoice is None:
        raise InvoiceNotFound(f"There is no invoice {pk} that you may see.")
    return invoice


class InvoiceListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("purchase_order", OpenApiTypes.INT, description="Invoices that bill this order."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Invoice.Status.values),
            OpenApiParameter("supplier", OpenApiTypes.STR, description="The supplier's code."),
        ],
        responses={200: inline_serializer("Invoices", {"results": InvoiceSchema})},
        operation_id="invoices_list",
    )
    def get(self, request: Request) -> Response:
        """Invoices and credit notes the caller may see, newest first (at most 200), each with its match."""
        employee = current_employee(request)
        invoices = invoices_visible(employee=employee)
        params = request.query_params
        if "purchase_order" in params:
            if not params["purchase_order"].isdigit():
                raise InvoiceError("purchase_order is an order's id.", code=InvoiceErrorCode.INVALID)
            order_id = int(params["purchase_order"])
            invoices = invoices.filter(pk__in=invoices_of_order(order_id=order_id))
        if params.get("status"):
            invoices = invoices.filter(status=params["status"])
        if params.get("supplier"):
            invoices = invoices.filter(supplier__code__iexact=params["supplier"])
        page = invoices_for_list(invoices=invoices.distinct()).order_by("-received_at", "-id")[:PAGE_SIZE]
        return Response({"results": [invoice_data(invoice) for invoice in page]})


class InvoiceDetailView(APIView):
    @extend_schema(responses={200: InvoiceSchema, 404: ERROR_SCHEMA}, operation_id="invoice_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        return Response(invoice_data(_invoice(current_employee(request), pk)))


def _paid_at(value: object) -> datetime:
    """An ISO date-time (or a date, read as midnight in the server's zone); naive times in the server's zone."""
    if not isinstance(value, str) or not value.strip():
        raise InvoiceError(
            "paid_at is required: when the ERP paid, e.g. 2026-12-01T09:30:00Z.", code=InvoiceErrorCode.INVALID
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
            f"paid_at {text!r} is not a date-time (2026-12-01T09:30:00Z) or a date (2026-12-01).",
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
            raise PermissionDenied("Only finance (or the ERP's account) reports payments.")
        invoice = _invoice(employee, pk)
        data = request.data if hasattr(request.data, "get") else {}
        reference = data.get("reference", "")
        if not isinstance(reference, str) or len(reference) > MAX_REFERENCE:
            raise InvoiceError(
                f"reference is a text of at most {MAX_REFERENCE} characters.", code=InvoiceErrorCode.INVALID
            )
        invoice_mark_paid(invoice=invoice, paid_at=_paid_at(data.get("paid_at")), reference=reference, by=employee)
        return Response(invoice_data(_invoice(employee, pk)))
