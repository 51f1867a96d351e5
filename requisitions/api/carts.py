"""REST API of carts and their lines: list, create, read, change, lines, splits, moves.

Thin: read the request, call a service, answer the requisition.
"""

from decimal import Decimal
from typing import Any

from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA, EXPORT_PARAMETER
from procurement.exports import list_export
from procurement.models import Address, CatalogItem, CostCentre, Employee, Supplier
from procurement.money import Money
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee

from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError, RequisitionNotFound
from ..exports import REQUISITION_COLUMNS, requisitions_filtered, requisitions_for_export
from ..models import Requisition, RequisitionLine
from ..selectors import (
    requisition_get,
    requisition_lines,
    requisition_totals_by_currency,
)
from ..serializers import (
    LineCreateSerializer,
    LineUpdateSerializer,
    MoveLinesSerializer,
    RequisitionCreateSerializer,
    RequisitionLineSerializer,
    RequisitionSerializer,
    RequisitionUpdateSerializer,
)
from ..services import (
    CatalogPick,
    SplitSpec,
    requisition_create,
    requisition_line_add_free_text,
    requisition_line_splits_set,
    requisition_line_update,
    requisition_lines_add_from_catalog,
    requisition_lines_move,
    requisition_lines_remove,
    requisition_update,
)


def requisition_response(requisition: Requisition, *, status_code: int = 200, with_lines: bool = True) -> Response:
    context: dict[str, Any] = {
        "totals_by_currency": {requisition.pk: requisition_totals_by_currency(requisition=requisition)},
    }
    if with_lines:
        context["lines"] = {requisition.pk: list(requisition_lines(requisition=requisition))}
    return Response(RequisitionSerializer(requisition, context=context).data, status=status_code)


def cost_centre_by_code(requisition: Requisition, code: str) -> CostCentre | None:
    if not code:
        return None
    centre = CostCentre.objects.filter(legal_entity=requisition.legal_entity, code__iexact=code).first()
    if centre is None:
        raise RequisitionError(
            _("There is no cost centre %(code)s in %(code2)s.")
            % {"code": code, "code2": requisition.legal_entity.code},
            code=RequisitionErrorCode.INVALID_COST_CENTRE,
        )
    return centre


def employee_by_username(username: str | None) -> Employee | None:
    """The employee named in `on_behalf_of`; the service decides whether one may request for them."""
    if not username:
        return None
    person = Employee.objects.select_related("user").filter(user__username=username).first()
    if person is None:
        raise RequisitionError(
            _("There is no colleague with the username %(username)s.") % {"username": username},
            code=RequisitionErrorCode.INVALID_ON_BEHALF_OF,
        )
    return person


def catalog_item_by_sku(sku: str, supplier_code: str = "") -> CatalogItem:
    items = CatalogItem.objects.filter(sku__iexact=sku, is_active=True)
    if supplier_code:
        supplier = Supplier.objects.filter(code__iexact=supplier_code).first()
        if supplier is None:
            raise RequisitionError(
                _("There is no supplier %(supplier_code)s.") % {"supplier_code": supplier_code},
                code=RequisitionErrorCode.UNKNOWN_SUPPLIER,
            )
        items = items.filter(supplier=supplier)
    found = list(items.select_related("supplier")[:2])
    if not found:
        raise RequisitionError(
            _("There is no catalog item %(sku)s.") % {"sku": sku}, code=RequisitionErrorCode.UNKNOWN_SKU
        )
    if len(found) > 1:
        raise RequisitionError(
            _("%(sku)s is sold by several suppliers: name the supplier.") % {"sku": sku},
            code=RequisitionErrorCode.AMBIGUOUS_SKU,
        )
    return found[0]


class RequisitionListView(generics.GenericAPIView[Requisition]):
    """The caller's requisitions (carts included); create a new cart."""

    serializer_class = RequisitionSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, description="draft, submitted, in_approval, …"),
            OpenApiParameter("legal_entity", OpenApiTypes.STR, description="Entity code."),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description="Only those I requested (buyers see all)."),
            EXPORT_PARAMETER,
        ],
        responses={200: RequisitionSerializer(many=True)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        employee = current_employee(request)
        requisitions = requisitions_filtered(employee=employee, params=request.query_params).select_related(
            "legal_entity", "requester__user", "on_behalf_of__user"
        )
        download = list_export(
            request,
            name="requisitions",
            columns=REQUISITION_COLUMNS,
            rows=lambda: requisitions_for_export(requisitions).order_by("-created_at", "-id"),
        )
        if download is not None:
            return download
        page = self.paginate_queryset(requisitions.order_by("-created_at", "-id")) or []
        return self.get_paginated_response(RequisitionSerializer(page, many=True).data)

    @extend_schema(
        request=RequisitionCreateSerializer,
        responses={201: RequisitionSerializer, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA},
        examples=[
            OpenApiExample("New cart", value={"title": "Lab consumables", "legal_entity": "ACME-FR"}, request_only=True)
        ],
    )
    def post(self, request: Request) -> Response:
        employee = current_employee(request)
        incoming = RequisitionCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        entity = legal_entity_for_user(user=request.user, code=data["legal_entity"] or None)
        requisition = requisition_create(
            by=employee,
            legal_entity=entity,
            title=data["title"],
            justification=data["justification"],
            needed_by=data["needed_by"],
            supplier_note=data["supplier_note"],
            on_behalf_of=employee_by_username(data["on_behalf_of"]),
        )
        return requisition_response(requisition, status_code=status.HTTP_201_CREATED)


class RequisitionDetailView(APIView):
    @extend_schema(responses={200: RequisitionSerializer, 404: ERROR_SCHEMA})
    def get(self, request: Request, pk: int) -> Response:
        return requisition_response(requisition_get(employee=current_employee(request), pk=pk))

    @extend_schema(
        request=RequisitionUpdateSerializer,
        responses={200: RequisitionSerializer, 400: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        examples=[
            OpenApiExample(
                "Header",
                request_only=True,
                value={"title": "Lab consumables Q1", "justification": "New assay", "needed_by": "2026-12-15"},
            )
        ],
    )
    def patch(self, request: Request, pk: int) -> Response:
        employee = current_employee(request)
        requisition = requisition_get(employee=employee, pk=pk)
        incoming = RequisitionUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        if "ship_to" in fields and fields["ship_to"] is not None:
            address = Address.objects.filter(pk=fields["ship_to"], legal_entity=requisition.legal_entity).first()
            if address is None:
                raise RequisitionError(
                    _("That address is not one of the entity's."), code=RequisitionErrorCode.INVALID_SHIP_TO
                )
            fields["ship_to"] = address
        if "on_behalf_of" in fields:
            fields["on_behalf_of"] = employee_by_username(fields["on_behalf_of"])
        return requisition_response(requisition_update(requisition=requisition, by=employee, fields=fields))


class RequisitionLinesView(APIView):
    @extend_schema(responses={200: RequisitionLineSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        requisition = requisition_get(employee=current_employee(request), pk=pk)
        return Response(RequisitionLineSerializer(requisition_lines(requisition=requisition), many=True).data)

    @extend_schema(
        request=LineCreateSerializer,
        responses={201: RequisitionSerializer, 400: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        examples=[
            OpenApiExample("Catalog line", value={"sku": "BT-PEN-BLA-10", "quantity": "5"}, request_only=True),
            OpenApiExample(
                "Free-text line",
                value={
                    "description": "Calibration of balance XS205",
                    "quantity": "1",
                    "unit": "EA",
                    "unit_price": {"amount": "250.00", "currency": "EUR"},
                    "supplier": "LABSOURCE",
                    "cost_centre": "FR-LAB",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        employee = current_employee(request)
        requisition = requisition_get(employee=employee, pk=pk)
        incoming = LineCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        centre = cost_centre_by_code(requisition, data["cost_centre"])
        supplier = None
        if data["supplier"]:
            supplier = Supplier.objects.filter(code__iexact=data["supplier"]).first()
            if supplier is None:
                raise RequisitionError(
                    _("There is no supplier %(data)s.") % {"data": data["supplier"]},
                    code=RequisitionErrorCode.UNKNOWN_SUPPLIER,
                )
        if data.get("sku"):
            item = catalog_item_by_sku(data["sku"], data["supplier"])
            added = requisition_lines_add_from_catalog(
                requisition=requisition,
                by=employee,
                picks=[CatalogPick(item=item, quantity=data["quantity"], cost_centre=centre)],
            )
            if data["supplier_note"] and added:
                requisition_line_update(line=added[0], by=employee, fields={"supplier_note": data["supplier_note"]})
        else:
            price = data["unit_price"]
            requisition_line_add_free_text(
                requisition=requisition,
                by=employee,
                description=data["description"],
                quantity=data["quantity"],
                unit=data["unit"],
                unit_price=Money(Decimal(price["amount"]), price["currency"]),
                supplier=supplier,
                cost_centre=centre,
                gl_account=data["gl_account"],
                project=data["project"],
                unspsc=data["unspsc"],
                supplier_note=data["supplier_note"],
            )
        requisition.refresh_from_db()
        return requisition_response(requisition, status_code=status.HTTP_201_CREATED)


class RequisitionLineDetailView(APIView):
    def line(self, request: Request, pk: int, line_id: int) -> tuple[Employee, Requisition, RequisitionLine]:
        employee = current_employee(request)
        requisition = requisition_get(employee=employee, pk=pk)
        line = requisition.lines.filter(pk=line_id).first()
        if line is None:
            raise RequisitionNotFound(
                _("%(number)s has no line %(line_id)s.") % {"number": requisition.number, "line_id": line_id}
            )
        return employee, requisition, line

    @extend_schema(
        request=LineUpdateSerializer,
        responses={200: RequisitionSerializer, 400: ERROR_SCHEMA},
        examples=[
            OpenApiExample(
                "Split across cost centres",
                request_only=True,
                value={
                    "splits": [{"cost_centre": "FR-ENG", "percent": "60"}, {"cost_centre": "FR-LAB", "percent": "40"}]
                },
            )
        ],
    )
    def patch(self, request: Request, pk: int, line_id: int) -> Response:
        employee, requisition, line = self.line(request, pk, line_id)
        incoming = LineUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        splits = fields.pop("splits", None)
        if "cost_centre" in fields:
            fields["cost_centre"] = cost_centre_by_code(requisition, fields["cost_centre"])
        if "unit_price" in fields:
            fields["unit_price"] = Money(Decimal(fields["unit_price"]["amount"]), fields["unit_price"]["currency"])
        if fields:
            requisition_line_update(line=line, by=employee, fields=fields)
        if splits is not None:
            specs = [
                SplitSpec(
                    cost_centre=cost_centre_by_code(requisition, split["cost_centre"]),  # type: ignore[arg-type]
                    percent=split["percent"],
                    gl_account=split["gl_account"],
                    project=split["project"],
                )
                for split in splits
            ]
            requisition_line_splits_set(line=line, by=employee, splits=specs)
        requisition.refresh_from_db()
        return requisition_response(requisition)

    @extend_schema(responses={200: RequisitionSerializer, 409: ERROR_SCHEMA})
    def delete(self, request: Request, pk: int, line_id: int) -> Response:
        employee, requisition, line = self.line(request, pk, line_id)
        requisition_lines_remove(requisition=requisition, by=employee, line_ids=[line.pk])
        requisition.refresh_from_db()
        return requisition_response(requisition)


class MoveLinesView(APIView):
    @extend_schema(
        request=MoveLinesSerializer,
        responses={200: RequisitionSerializer, 400: ERROR_SCHEMA},
        examples=[OpenApiExample("Move two lines", request_only=True, value={"lines": [101, 102], "to": 15})],
    )
    def post(self, request: Request, pk: int) -> Response:
        """Move lines of this cart to another of the same legal entity; answers the source cart."""
        employee = current_employee(request)
        source = requisition_get(employee=employee, pk=pk)
        incoming = MoveLinesSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        target = requisition_get(employee=employee, pk=incoming.validated_data["to"])
        requisition_lines_move(source=source, target=target, by=employee, line_ids=incoming.validated_data["lines"])
        source.refresh_from_db()
        return requisition_response(source)
