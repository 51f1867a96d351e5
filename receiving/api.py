"""REST API of goods receipts: post one against an order, list an order's, read one, reverse one.

Posting and reversing go through `p2p.receipts`, which also re-matches the order's invoices."""

from typing import Any

from django.db.models import Q
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.models import PurchaseOrder, Shipment
from orders.selectors import purchase_orders_visible
from p2p.receipts import goods_receipt_post, goods_receipt_reverse_post
from procurement.api import ERROR_SCHEMA, EXPORT_PARAMETER
from procurement.exports import list_export
from procurement.money import Money, decimal_text
from procurement.web import current_employee

from .errors import ReceiptInvalid, ReceiptNotFound
from .exports import RECEIPT_LINE_COLUMNS, receipt_lines_for_export, receipts_filtered
from .models import GoodsReceipt
from .receipt_input import api_lines_read
from .selectors import (
    purchase_order_for_receiving,
    purchase_orders_receivable,
    receipt_get,
    receipt_lines_prefetch,
    receipts_of_order,
)

MoneySchema = inline_serializer(
    "GoodsReceiptMoney", {"amount": serializers.CharField(), "currency": serializers.CharField()}
)
ReceiptLineSchema = inline_serializer(
    "GoodsReceiptLine",
    {
        "id": serializers.IntegerField(),
        "line": serializers.IntegerField(help_text="The purchase-order line's id."),
        "line_number": serializers.IntegerField(),
        "description": serializers.CharField(),
        "quantity": serializers.CharField(help_text="Accepted."),
        "rejected": serializers.CharField(),
        "reason": serializers.CharField(help_text="damaged, wrong_item, quality, excess, other, or empty."),
        "reason_text": serializers.CharField(),
        "amount": MoneySchema,
    },
)
ReceiptSchema = inline_serializer(
    "GoodsReceipt",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "status": serializers.ChoiceField(choices=GoodsReceipt.Status.values),
        "purchase_order": serializers.IntegerField(),
        "purchase_order_number": serializers.CharField(),
        "purchase_order_status": serializers.CharField(),
        "legal_entity": serializers.CharField(),
        "received_at": serializers.DateTimeField(),
        "received_by": serializers.CharField(),
        "note": serializers.CharField(),
        "shipment": serializers.DictField(allow_null=True),
        "reversed_at": serializers.DateTimeField(allow_null=True),
        "reversed_by": serializers.CharField(allow_null=True),
        "reversal_reason": serializers.CharField(),
        "lines": ReceiptLineSchema,
    },
)
ReceiptRequestSchema = inline_serializer(
    "GoodsReceiptRequest",
    {
        "lines": inline_serializer(
            "GoodsReceiptRequestLine",
            {
                "line": serializers.IntegerField(help_text="The purchase-order line's id."),
                "quantity": serializers.CharField(required=False, help_text='Accepted, a decimal: "3".'),
                "rejected": serializers.CharField(required=False),
                "reason": serializers.CharField(
                    required=False,
                    help_text="Why rejected: damaged, wrong_item, quality, excess, other; other words are an "
                    '"other" reason.',
                ),
                "reason_text": serializers.CharField(required=False),
                "amount": serializers.CharField(
                    required=False, help_text="A line received by amount (a service), in the order's currency."
                ),
            },
            many=True,
        ),
        "note": serializers.CharField(required=False),
        "shipment": serializers.IntegerField(required=False, help_text="The ship notice (shipment id) it follows."),
    },
)


def receipt_data(receipt: GoodsReceipt) -> dict[str, Any]:
    order = receipt.purchase_order
    return {
        "id": receipt.pk,
        "number": receipt.number,
        "status": receipt.status,
        "purchase_order": order.pk,
        "purchase_order_number": order.number,
        "purchase_order_status": order.status,
        "legal_entity": receipt.legal_entity.code,
        "received_at": receipt.received_at.isoformat(),
        "received_by": receipt.received_by.display_name if receipt.received_by else None,
        "note": receipt.note,
        "shipment": None
        if receipt.shipment is None
        else {
            "id": receipt.shipment.pk,
            "shipment_id": receipt.shipment.shipment_id,
            "carrier": receipt.shipment.carrier,
            "tracking_number": receipt.shipment.tracking_number,
        },
        "reversed_at": receipt.reversed_at.isoformat() if receipt.reversed_at else None,
        "reversed_by": receipt.reversed_by.display_name if receipt.reversed_by else None,
        "reversal_reason": receipt.reversal_reason,
        "lines": [
            {
                "id": line.pk,
                "line": line.po_line_id,
                "line_number": line.po_line.line_number,
                "description": line.po_line.description,
                "quantity": decimal_text(line.quantity),
                "rejected": decimal_text(line.rejected_quantity),
                "reason": line.rejection_reason,
                "reason_text": line.rejection_note,
                "amount": Money.from_minor(line.amount_minor, order.currency).as_api()
                if line.po_line.receipt_by_amount
                else None,
            }
            for line in receipt.lines.all()
        ],
    }


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ReceiptInvalid(_("Send a JSON object."))
    return request.data


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReceiptInvalid(_("%(name)s must be a text.") % {"name": name}, field=name)
    if len(value) > limit:
        raise ReceiptInvalid(
            _("%(name)s is longer than %(limit)s characters.") % {"name": name, "limit": limit}, field=name
        )
    return value


class ReceiptListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("purchase_order", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR, enum=GoodsReceipt.Status.values),
            OpenApiParameter("supplier", OpenApiTypes.STR, description="The supplier's code."),
            OpenApiParameter("legal_entity", OpenApiTypes.STR, description="Entity code."),
            EXPORT_PARAMETER,
        ],
        responses={200: inline_serializer("GoodsReceiptList", {"results": ReceiptSchema})},
        operation_id="receipts_list",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Goods receipts of orders the caller may see or receive, newest first (at most 200). The download
        (`export`) has one row per receipt line, every receipt the filters select."""
        employee = current_employee(request)
        receipts = receipts_filtered(employee=employee, params=request.query_params)
        download = list_export(
            request, name="receipts", columns=RECEIPT_LINE_COLUMNS, rows=lambda: receipt_lines_for_export(receipts)
        )
        if download is not None:
            return download
        page = (
            receipts.select_related(
                "purchase_order", "legal_entity", "received_by__user", "reversed_by__user", "shipment"
            )
            .prefetch_related(receipt_lines_prefetch())
            .order_by("-received_at", "-id")[:200]
        )
        return Response({"results": [receipt_data(receipt) for receipt in page]})


class OrderReceiptsView(APIView):
    @extend_schema(
        responses={200: inline_serializer("GoodsReceipts", {"results": ReceiptSchema}), 404: ERROR_SCHEMA},
        operation_id="purchase_order_receipts_list",
    )
    def get(self, request: Request, pk: int) -> Response:
        """The order's receipts, oldest first, reversed ones included."""
        employee = current_employee(request)
        visible = purchase_orders_visible(employee=employee).values("pk")
        receivable = purchase_orders_receivable(employee=employee).values("pk")
        order = PurchaseOrder.objects.filter(Q(pk__in=visible) | Q(pk__in=receivable)).filter(pk=pk).first()
        if order is None:
            raise ReceiptNotFound(_("There is no purchase order %(id)s that you may see.") % {"id": pk})
        return Response({"results": [receipt_data(receipt) for receipt in receipts_of_order(order=order)]})

    @extend_schema(
        request=ReceiptRequestSchema,
        responses={201: ReceiptSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="purchase_order_receipt_create",
    )
    def post(self, request: Request, pk: int) -> Response:
        """Post a goods receipt: per order line, the quantity accepted, the quantity rejected and why (or the
        amount of a service). More than is outstanding beyond the entity's tolerance is refused (400
        `over_receipt`); the requester, the requisition's named receiver and the entity's warehouse may receive."""
        employee = current_employee(request)
        order = purchase_order_for_receiving(employee=employee, pk=pk)
        data = _body(request)
        lines = api_lines_read(data.get("lines"))
        note = _text(data, "note", 1000)
        shipment = None
        if data.get("shipment") not in (None, ""):
            raw = data["shipment"]
            if isinstance(raw, bool) or not str(raw).isdigit() or len(str(raw)) > 18:
                raise ReceiptInvalid(_("shipment must be the id of one of the order's shipments."), field="shipment")
            shipment = Shipment.objects.filter(purchase_order=order, pk=int(str(raw))).first()
            if shipment is None:
                raise ReceiptInvalid(
                    _("%(number)s has no shipment %(raw)s.") % {"number": order.number, "raw": raw}, field="shipment"
                )
        receipt = goods_receipt_post(order=order, lines=lines, note=note, by=employee, shipment=shipment)
        return Response(receipt_data(receipt_get(employee=employee, pk=receipt.pk)), status=201)


class ReceiptDetailView(APIView):
    @extend_schema(responses={200: ReceiptSchema, 404: ERROR_SCHEMA}, operation_id="receipt_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        employee = current_employee(request)
        return Response(receipt_data(receipt_get(employee=employee, pk=pk)))


class ReceiptReverseView(APIView):
    @extend_schema(
        request=inline_serializer("GoodsReceiptReverse", {"reason": serializers.CharField()}),
        responses={200: ReceiptSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="receipt_reverse",
    )
    def post(self, request: Request, pk: int) -> Response:
        """Reverse a receipt (the reason is required): its counts come off the order, whose status moves back."""
        employee = current_employee(request)
        receipt = receipt_get(employee=employee, pk=pk)
        reason = _text(_body(request), "reason", 500)
        goods_receipt_reverse_post(receipt=receipt, reason=reason, by=employee)
        return Response(receipt_data(receipt_get(employee=employee, pk=pk)))
