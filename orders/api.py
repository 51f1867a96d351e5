"""REST API of purchase orders: what was ordered, from whom, and how its sending went."""

from datetime import date
from typing import Any

from django.db.models import Prefetch
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2p.close_out import purchase_order_buyer_close
from procurement.api import ERROR_SCHEMA, EXPORT_PARAMETER
from procurement.errors import NotFound
from procurement.exports import list_export
from procurement.models import TaxCategory
from procurement.money import Money, decimal_text
from procurement.web import current_employee

from .error_codes import OrderErrorCode
from .errors import OrderError
from .exports import ORDER_COLUMNS, purchase_orders_filtered, purchase_orders_for_export
from .models import PurchaseOrder, PurchaseOrderRevision
from .selectors import order_tax_breakdown, purchase_orders_visible
from .transmission import transmission_mark_sent


class PurchaseOrderMoney(serializers.Serializer[Any]):  # an amount in the API's shape, one class for every use
    amount = serializers.CharField()
    currency = serializers.CharField()


OrderSchema = inline_serializer(
    "PurchaseOrder",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "supplier": serializers.CharField(),
        "status": serializers.ChoiceField(choices=PurchaseOrder.Status.values),
        "revision": serializers.IntegerField(),
        "requisition": serializers.IntegerField(),
        "legal_entity": serializers.CharField(),
        "method": serializers.CharField(),
        "supplier_note": serializers.CharField(),
        "total": PurchaseOrderMoney(),
        "tax": PurchaseOrderMoney(),
        "taxes": serializers.ListField(child=serializers.DictField()),
        "reverse_charge": serializers.BooleanField(),
        "lines": serializers.ListField(child=serializers.DictField()),
        "transmissions": serializers.ListField(child=serializers.DictField()),
        "shipments": serializers.ListField(child=serializers.DictField()),
        "confirmed_short": serializers.BooleanField(),
        "over_confirmed": serializers.BooleanField(),
        "backordered": serializers.BooleanField(),
        "status_text": serializers.CharField(),
    },
)


def _day(value: date | None) -> str | None:
    """A date-only meaning (a delivery day) as YYYY-MM-DD, never a date-time a client would shift."""
    return None if value is None else value.isoformat()


def order_data(order: PurchaseOrder) -> dict[str, Any]:
    def money(minor: int | None) -> dict[str, str] | None:
        return None if minor is None else Money.from_minor(minor, order.currency).as_api()

    lines = list(order.lines.all())

    return {
        "id": order.pk,
        "number": order.number,
        "supplier": order.supplier.code,
        "status": order.status,
        "revision": order.revision,
        "requisition": order.requisition_id,
        "legal_entity": order.legal_entity.code,
        "method": order.method,
        "supplier_note": order.supplier_note,
        "total": money(order.total_minor),  # net: tax not included
        "tax": money(order.tax_minor),
        "taxes": [
            {
                "category": row.category,
                "tax_rate": None if row.rate is None else decimal_text(row.rate),
                "taxable": money(row.taxable_minor),
                "tax": money(row.tax_minor),
                "label": row.label,
            }
            for row in order_tax_breakdown(lines)
        ],
        "reverse_charge": any(line.tax_category == TaxCategory.REVERSE_CHARGE for line in lines),
        "lines": [
            {
                "id": line.pk,
                "line_number": line.line_number,
                "requisition_line": line.requisition_line_id,
                "sku": line.supplier_part_id,
                "description": line.description,
                "supplier_note": line.supplier_note,
                "quantity": decimal_text(line.quantity),
                "received_quantity": decimal_text(line.received_quantity),
                "rejected_quantity": decimal_text(line.rejected_quantity),
                "invoiced_quantity": decimal_text(line.invoiced_quantity),
                "outstanding_quantity": decimal_text(line.outstanding_quantity),
                "receipt_by_amount": line.receipt_by_amount,
                "received_amount": money(line.received_amount_minor),
                "invoiced_amount": money(line.invoiced_amount_minor),
                "unit": line.unit,
                "unit_price": money(line.unit_price_minor),
                "total": money(line.total_minor),
                "tax": money(line.tax_minor),
                "tax_rate": None if line.tax_rate is None else decimal_text(line.tax_rate),
                "tax_category": line.tax_category,
                "tax_code": line.tax_code,
                "status": line.status,
                "confirmed_quantity": None
                if line.confirmed_quantity is None
                else decimal_text(line.confirmed_quantity),
                "backordered_quantity": None
                if line.backordered_quantity is None
                else decimal_text(line.backordered_quantity),
                "confirmed_unit_price": money(line.confirmed_unit_price_minor),
                "shipped_quantity": decimal_text(line.shipped_quantity),
                "confirmed_delivery_date": _day(line.confirmed_delivery_date),
                "shortfall_quantity": decimal_text(line.shortfall_quantity),
                "over_confirmed_quantity": decimal_text(line.over_confirmed_quantity),
                "status_text": line.status_text,
                "supplier_says": line.supplier_says,
            }
            for line in lines
        ],
        "confirmed_short": any(line.shortfall_quantity for line in lines),
        "over_confirmed": any(line.over_confirmed_quantity for line in lines),
        "backordered": any(line.backordered_quantity for line in lines if line.answered),
        "status_text": order.get_status_display(),
        "shipments": [
            {
                "shipment_id": shipment.shipment_id,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "shipped_date": _day(shipment.shipped_date),
                "delivery_date": _day(shipment.delivery_date),
            }
            for shipment in order.shipments.all()
        ],
        "transmissions": [
            {
                "revision": revision.revision,
                "kind": revision.kind,
                "payload_id": revision.payload_id,
                "method": revision.transmission.method,
                "status": revision.transmission.status,
                "attempts": revision.transmission.attempts,
                "sent_at": revision.transmission.sent_at.isoformat() if revision.transmission.sent_at else None,
                "last_error": revision.transmission.last_error,
                "sent_by": revision.transmission.sent_by.display_name if revision.transmission.sent_by else None,
                "sent_note": revision.transmission.sent_note,
            }
            for revision in order.revisions.all()
            if hasattr(revision, "transmission")
        ],
    }


class PurchaseOrderListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("requisition", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("supplier", OpenApiTypes.STR),
            EXPORT_PARAMETER,
        ],
        responses={200: inline_serializer("PurchaseOrders", {"results": OrderSchema})},
        operation_id="purchase_orders_list",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Purchase orders the caller may see (buyers and finance: all of their entities'), newest first."""
        employee = current_employee(request)
        orders = purchase_orders_filtered(employee=employee, params=request.query_params)
        download = list_export(
            request, name="purchase-orders", columns=ORDER_COLUMNS, rows=lambda: purchase_orders_for_export(orders)
        )
        if download is not None:
            return download
        orders = (
            orders.select_related("supplier", "legal_entity")
            .prefetch_related(
                "lines",
                "shipments",
                Prefetch(
                    "revisions",
                    PurchaseOrderRevision.objects.select_related("transmission__sent_by").order_by("revision"),
                ),
            )
            .order_by("-created_at", "-id")[:200]
        )
        return Response({"results": [order_data(order) for order in orders]})


class PurchaseOrderDetailView(APIView):
    @extend_schema(responses={200: OrderSchema, 404: ERROR_SCHEMA}, operation_id="purchase_order_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        employee = current_employee(request)
        order = (
            purchase_orders_visible(employee=employee).select_related("supplier", "legal_entity").filter(pk=pk).first()
        )
        if order is None:
            raise OrderNotFound(_("There is no purchase order %(id)s that you may see.") % {"id": pk})
        return Response(order_data(order))


class PurchaseOrderMarkSentView(APIView):
    @extend_schema(
        request=inline_serializer("PurchaseOrderMarkSent", {"note": serializers.CharField(required=False)}),
        responses={200: OrderSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
        operation_id="purchase_order_mark_sent",
    )
    def post(self, request: Request, pk: int) -> Response:
        """A buyer sent the latest revision of an order by hand (order method "none"): who and when are recorded,
        and the order becomes sent."""
        employee = current_employee(request)
        order = purchase_orders_visible(employee=employee).filter(pk=pk).first()
        if order is None:
            raise OrderNotFound(_("There is no purchase order %(id)s that you may see.") % {"id": pk})
        note = request.data.get("note", "") if hasattr(request.data, "get") else ""
        if not isinstance(note, str):
            raise OrderError(_("note must be a text."), code=OrderErrorCode.INVALID)
        transmission_mark_sent(order=order, by=employee, note=note)
        order = purchase_orders_visible(employee=employee).select_related("supplier", "legal_entity").get(pk=pk)
        return Response(order_data(order))


class PurchaseOrderCloseView(APIView):
    @extend_schema(
        request=inline_serializer("PurchaseOrderClose", {"comment": serializers.CharField()}),
        responses={200: OrderSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
        operation_id="purchase_order_close",
    )
    def post(self, request: Request, pk: int) -> Response:
        """A buyer closes an open order with a reason: nothing more is received or invoiced on it, and what it
        still holds on budgets is released."""
        employee = current_employee(request)
        order = purchase_orders_visible(employee=employee).filter(pk=pk).first()
        if order is None:
            raise OrderNotFound(_("There is no purchase order %(id)s that you may see.") % {"id": pk})
        comment = request.data.get("comment", "") if hasattr(request.data, "get") else ""
        if not isinstance(comment, str) or len(comment) > 500:
            raise OrderError(_("comment must be a text of at most 500 characters."), code=OrderErrorCode.INVALID)
        purchase_order_buyer_close(order=order, by=employee, comment=comment)
        order = purchase_orders_visible(employee=employee).select_related("supplier", "legal_entity").get(pk=pk)
        return Response(order_data(order))


class OrderNotFound(NotFound):
    code = OrderErrorCode.NOT_FOUND
    status = 404
