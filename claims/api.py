"""REST API of claims: raise one on a receipt line, list them (with downloads), read one, close one, and a
supplier's scorecard."""

from typing import Any

from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA, EXPORT_PARAMETER
from procurement.exports import list_export
from procurement.models import Supplier
from procurement.money import Money, decimal_text
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee
from receiving.models import GoodsReceiptLine
from receiving.selectors import receipts_visible

from .claim_input import decimal_read
from .errors import ClaimInvalid, ClaimNotFound
from .exports import CLAIM_COLUMNS, claims_filtered
from .models import Claim
from .scorecard import Scorecard, supplier_scorecard
from .scorecard_views import scorecard_period
from .selectors import claim_get, claim_history
from .services import claim_close, claim_raise

MoneySchema = inline_serializer("ClaimMoney", {"amount": serializers.CharField(), "currency": serializers.CharField()})
ClaimSchema = inline_serializer(
    "Claim",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "status": serializers.ChoiceField(choices=Claim.Status.values),
        "kind": serializers.ChoiceField(choices=Claim.Kind.values),
        "legal_entity": serializers.CharField(),
        "supplier": serializers.CharField(),
        "purchase_order": serializers.IntegerField(),
        "purchase_order_number": serializers.CharField(),
        "receipt": serializers.IntegerField(),
        "receipt_number": serializers.CharField(),
        "receipt_line": serializers.IntegerField(),
        "line_number": serializers.IntegerField(),
        "description": serializers.CharField(),
        "quantity": serializers.CharField(),
        "value": MoneySchema,
        "comment": serializers.CharField(),
        "raised_at": serializers.DateTimeField(),
        "raised_by": serializers.CharField(allow_null=True),
        "answer": serializers.CharField(),
        "answered_at": serializers.DateTimeField(allow_null=True),
        "replacement_date": serializers.DateField(allow_null=True),
        "credit": MoneySchema,
        "credit_note": serializers.IntegerField(allow_null=True),
        "credit_note_number": serializers.CharField(allow_null=True),
        "rejection_reason": serializers.CharField(),
        "supplier_note": serializers.CharField(),
        "closed_at": serializers.DateTimeField(allow_null=True),
        "photos": serializers.IntegerField(help_text="How many photos the claim has (shown on its page)."),
        "history": inline_serializer(
            "ClaimHistory",
            {"at": serializers.DateTimeField(), "event": serializers.CharField(), "data": serializers.DictField()},
            many=True,
        ),
    },
)


def claim_data(claim: Claim, *, history: bool = False) -> dict[str, Any]:
    po_line = claim.receipt_line.po_line
    data = {
        "id": claim.pk,
        "number": claim.number,
        "status": claim.status,
        "kind": claim.kind,
        "legal_entity": claim.legal_entity.code,
        "supplier": claim.supplier.code,
        "purchase_order": claim.purchase_order_id,
        "purchase_order_number": claim.purchase_order.number,
        "receipt": claim.receipt_id,
        "receipt_number": claim.receipt.number,
        "receipt_line": claim.receipt_line_id,
        "line_number": po_line.line_number,
        "description": po_line.description,
        "quantity": decimal_text(claim.quantity),
        "value": claim.value.as_api(),
        "comment": claim.comment,
        "raised_at": claim.raised_at.isoformat(),
        "raised_by": claim.raised_by.display_name if claim.raised_by else None,
        "answer": claim.answer,
        "answered_at": claim.answered_at.isoformat() if claim.answered_at else None,
        "replacement_date": claim.replacement_date.isoformat() if claim.replacement_date else None,
        "credit": claim.credit.as_api() if claim.credit is not None else None,
        "credit_note": claim.credit_note_id,
        "credit_note_number": claim.credit_note.number if claim.credit_note else None,
        "rejection_reason": claim.rejection_reason,
        "supplier_note": claim.supplier_note,
        "closed_at": claim.closed_at.isoformat() if claim.closed_at else None,
        "photos": len(claim.photos.all()),
    }
    if history:
        data["history"] = [
            {"at": event.created_at.isoformat(), "event": event.event_type, "data": event.data}
            for event in claim_history(claim=claim)
        ]
    return data


def _text(data: Any, name: str, limit: int) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ClaimInvalid(_("%(name)s must be a text.") % {"name": name}, field=name)
    if len(value) > limit:
        raise ClaimInvalid(
            _("%(name)s is longer than %(limit)s characters.") % {"name": name, "limit": limit}, field=name
        )
    return value


class ClaimListView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Claim.Status.values),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=Claim.Kind.values),
            OpenApiParameter("supplier", OpenApiTypes.STR, description="The supplier's code."),
            OpenApiParameter("purchase_order", OpenApiTypes.INT),
            OpenApiParameter("legal_entity", OpenApiTypes.STR, description="Entity code."),
            OpenApiParameter("raised_from", OpenApiTypes.DATE),
            OpenApiParameter("raised_to", OpenApiTypes.DATE),
            EXPORT_PARAMETER,
        ],
        responses={200: inline_serializer("ClaimList", {"results": ClaimSchema})},
        operation_id="claims_list",
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Claims on receipts the caller may see, newest first (at most 200); the download has every one."""
        employee = current_employee(request)
        claims = claims_filtered(employee=employee, params=request.query_params)
        download = list_export(request, name="claims", columns=CLAIM_COLUMNS, rows=lambda: claims)
        if download is not None:
            return download
        return Response({"results": [claim_data(claim) for claim in claims.prefetch_related("photos")[:200]]})

    @extend_schema(
        request={
            "application/json": inline_serializer(
                "ClaimRequest",
                {
                    "receipt_line": serializers.IntegerField(help_text="The goods receipt line's id."),
                    "kind": serializers.ChoiceField(choices=Claim.Kind.values),
                    "quantity": serializers.CharField(help_text='A decimal: "2".'),
                    "comment": serializers.CharField(required=False),
                },
            ),
            "multipart/form-data": inline_serializer(
                "ClaimUpload",
                {
                    "receipt_line": serializers.IntegerField(),
                    "kind": serializers.ChoiceField(choices=Claim.Kind.values),
                    "quantity": serializers.CharField(),
                    "comment": serializers.CharField(required=False),
                    "photos": serializers.ListField(child=serializers.ImageField(), required=False),
                },
            ),
        },
        responses={201: ClaimSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
        operation_id="claim_create",
    )
    def post(self, request: Request) -> Response:
        """Raise a claim on a goods receipt line (the receivers of its order and the entity's buyers may): kind,
        quantity (more than 0, at most what was received less what is claimed already; for `short` what is still
        missing), a comment and up to 5 photos (JPEG, PNG or WebP, 5 MB each, as multipart). The supplier is
        e-mailed a link to answer it."""
        employee = current_employee(request)
        data = request.data
        if not hasattr(data, "get"):
            raise ClaimInvalid(_("Send a JSON object."))
        raw = data.get("receipt_line")
        if isinstance(raw, bool) or raw in (None, "") or not str(raw).isdigit() or len(str(raw)) > 18:
            raise ClaimInvalid(_("receipt_line must be the id of a goods receipt line."), field="receipt_line")
        line = (
            GoodsReceiptLine.objects.filter(
                pk=int(str(raw)), receipt__in=receipts_visible(employee=employee).values("pk")
            )
            .select_related("receipt", "po_line")
            .first()
        )
        if line is None:
            raise ClaimNotFound(_("There is no goods receipt line %(id)s that you may see.") % {"id": raw})
        quantity = decimal_read(data.get("quantity"), field="quantity", what="quantity")
        if quantity is None:
            raise ClaimInvalid(_("Give the quantity claimed."), field="quantity")
        files = request.FILES.getlist("photos") if hasattr(request.FILES, "getlist") else []
        claim = claim_raise(
            receipt_line=line,
            kind=_text(data, "kind", 20),
            quantity=quantity,
            comment=_text(data, "comment", 2000),
            photos=files,
            by=employee,
        )
        return Response(claim_data(claim_get(employee=employee, pk=claim.pk), history=True), status=201)


class ClaimDetailView(APIView):
    @extend_schema(responses={200: ClaimSchema, 404: ERROR_SCHEMA}, operation_id="claim_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        """A claim with its history (raised, each status move)."""
        return Response(claim_data(claim_get(employee=current_employee(request), pk=pk), history=True))


class ClaimCloseView(APIView):
    @extend_schema(
        request=inline_serializer("ClaimClose", {"comment": serializers.CharField(required=False)}),
        responses={200: ClaimSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        operation_id="claim_close",
    )
    def post(self, request: Request, pk: int) -> Response:
        """A buyer of the entity closes a resolved or rejected claim (409 otherwise)."""
        employee = current_employee(request)
        claim = claim_get(employee=employee, pk=pk)
        data = request.data if isinstance(request.data, dict) else {}
        claim_close(claim=claim, by=employee, comment=_text(data, "comment", 500))
        return Response(claim_data(claim_get(employee=employee, pk=pk), history=True))


def percent_text(value: Any) -> str | None:
    """A rate as the API gives it: one decimal ("60.0"), never in exponent notation."""
    return None if value is None else format(value, "f")


def scorecard_data(card: Scorecard) -> dict[str, Any]:
    return {
        "supplier": card.supplier.code,
        "legal_entity": card.legal_entity.code,
        "from": card.start.isoformat(),
        "to": card.end.isoformat(),
        "received_lines": card.received_lines,
        "claimed_lines": card.claimed_lines,
        "claims": card.claims,
        "claim_rate": percent_text(card.claim_rate),
        "lines_with_due_day": card.lines_with_due_day,
        "on_time_lines": card.on_time_lines,
        "on_time_rate": percent_text(card.on_time_rate),
        "orders_issued": card.orders_issued,
        "orders_confirmed": card.orders_confirmed,
        "confirmation_rate": percent_text(card.confirmation_rate),
        "price_variance": [
            {
                "currency": item.currency,
                "ordered": Money.from_minor(item.ordered_minor, item.currency).as_api(),
                "invoiced": Money.from_minor(item.invoiced_minor, item.currency).as_api(),
                "variance": Money.from_minor(item.variance_minor, item.currency).as_api(),
                "percent": percent_text(item.percent),
            }
            for item in card.price_variances
        ],
    }


class SupplierScorecardView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: 364 days before `to`)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default: today)."),
            OpenApiParameter("legal_entity", OpenApiTypes.STR, description="Entity code (default: yours)."),
        ],
        responses={
            200: inline_serializer(
                "SupplierScorecard",
                {
                    "supplier": serializers.CharField(),
                    "legal_entity": serializers.CharField(),
                    "from": serializers.DateField(),
                    "to": serializers.DateField(),
                    "received_lines": serializers.IntegerField(),
                    "claimed_lines": serializers.IntegerField(),
                    "claims": serializers.IntegerField(),
                    "claim_rate": serializers.CharField(allow_null=True, help_text="Percent, one decimal."),
                    "lines_with_due_day": serializers.IntegerField(),
                    "on_time_lines": serializers.IntegerField(),
                    "on_time_rate": serializers.CharField(allow_null=True),
                    "orders_issued": serializers.IntegerField(),
                    "orders_confirmed": serializers.IntegerField(),
                    "confirmation_rate": serializers.CharField(allow_null=True),
                    "price_variance": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
        },
        operation_id="supplier_scorecard",
    )
    def get(self, request: Request, code: str) -> Response:
        """A supplier's scorecard in one of the caller's entities over a period (docs/analytics.md, "Supplier
        scorecard"): claims and claim rate, on-time delivery, order confirmation rate, price variance."""
        entity = legal_entity_for_user(user=request.user, code=request.query_params.get("legal_entity") or None)
        supplier = Supplier.objects.filter(code__iexact=code[:40]).first()
        if supplier is None:
            raise ClaimNotFound(_("There is no supplier %(code)s.") % {"code": code[:40]})
        start, end = scorecard_period(
            {"from": request.query_params.get("from", ""), "to": request.query_params.get("to", "")}
        )
        return Response(
            scorecard_data(supplier_scorecard(supplier=supplier, legal_entity=entity, start=start, end=end))
        )
