"""REST API of saved requisition lists: list, create, read, change, delete, and start a cart from one."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.models import CostCentre, Employee
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee

from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError, RequisitionNotFound
from ..models import RequisitionList
from ..selectors import requisition_get, requisition_lists_visible
from ..serializers import (
    RequisitionListCreateSerializer,
    RequisitionListSerializer,
    RequisitionListUpdateSerializer,
    RequisitionSerializer,
)
from ..services import (
    ListItemSpec,
    requisition_create_from_list,
    requisition_list_create,
    requisition_list_create_from_items,
    requisition_list_delete,
    requisition_list_update,
)
from .carts import catalog_item_by_sku, requisition_response


def list_response(employee: Employee, list_id: int, *, status_code: int = 200) -> Response:
    saved = requisition_lists_visible(employee=employee).prefetch_related(*LIST_PREFETCH).get(pk=list_id)
    return Response(RequisitionListSerializer(saved).data, status=status_code)


LIST_PREFETCH = ("items__supplier", "items__cost_centre", "items__catalog_item")


class RequisitionListsView(APIView):
    @extend_schema(responses={200: RequisitionListSerializer(many=True)})
    def get(self, request: Request) -> Response:
        lists = requisition_lists_visible(employee=current_employee(request)).prefetch_related(*LIST_PREFETCH)
        return Response(RequisitionListSerializer(lists, many=True).data)

    @extend_schema(
        request=RequisitionListCreateSerializer,
        responses={201: RequisitionListSerializer, 400: ERROR_SCHEMA},
        examples=[
            OpenApiExample(
                "Save a cart as a list",
                request_only=True,
                value={"name": "Monthly office supplies", "requisition": 12, "shared_with_org_unit": True},
            ),
            OpenApiExample(
                "A list of catalog items",
                request_only=True,
                value={
                    "name": "Lab gloves",
                    "legal_entity": "ACME-FR",
                    "items": [{"sku": "LS-GLV-NIT-M", "quantity": "4"}, {"sku": "BT-PEN-BLA-10", "quantity": "2"}],
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        """Save a requisition's lines, or catalog items, as a reusable list."""
        employee = current_employee(request)
        incoming = RequisitionListCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if "requisition" in data:
            requisition = requisition_get(employee=employee, pk=data["requisition"])
            saved = requisition_list_create(
                requisition=requisition,
                by=employee,
                name=data["name"],
                shared_with_org_unit=data["shared_with_org_unit"],
            )
        else:
            entity = legal_entity_for_user(user=request.user, code=data["legal_entity"] or None)
            specs = []
            for entry in data["items"]:
                item = catalog_item_by_sku(entry["sku"], entry["supplier"])
                centre = None
                if entry["cost_centre"]:
                    centre = CostCentre.objects.filter(legal_entity=entity, code__iexact=entry["cost_centre"]).first()
                    if centre is None:
                        raise RequisitionError(
                            _("There is no cost centre %(entry)s in %(code)s.")
                            % {"entry": entry["cost_centre"], "code": entity.code},
                            code=RequisitionErrorCode.INVALID_COST_CENTRE,
                        )
                specs.append(ListItemSpec(item=item, quantity=entry["quantity"], cost_centre=centre))
            saved = requisition_list_create_from_items(
                by=employee,
                legal_entity=entity,
                name=data["name"],
                items=specs,
                shared_with_org_unit=data["shared_with_org_unit"],
            )
        return list_response(employee, saved.pk, status_code=status.HTTP_201_CREATED)


def visible_list(employee: Employee, list_id: int) -> RequisitionList:
    found = requisition_lists_visible(employee=employee).filter(pk=list_id).first()
    if found is None:
        raise RequisitionNotFound(
            _("There is no requisition list %(list_id)s that you may see.") % {"list_id": list_id}
        )
    return found


class RequisitionListDetailView(APIView):
    @extend_schema(responses={200: RequisitionListSerializer, 404: ERROR_SCHEMA})
    def get(self, request: Request, list_id: int) -> Response:
        employee = current_employee(request)
        return list_response(employee, visible_list(employee, list_id).pk)

    @extend_schema(
        request=RequisitionListUpdateSerializer,
        responses={200: RequisitionListSerializer, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA},
        examples=[
            OpenApiExample(
                "Rename, change a quantity, remove an item",
                request_only=True,
                value={"name": "Lab gloves (monthly)", "items": [{"id": 31, "quantity": "6"}], "remove": [32]},
            )
        ],
    )
    def patch(self, request: Request, list_id: int) -> Response:
        """Rename the list, change its items' quantities, remove items (the owner only)."""
        employee = current_employee(request)
        saved = visible_list(employee, list_id)
        incoming = RequisitionListUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        requisition_list_update(
            requisition_list=saved,
            by=employee,
            name=data.get("name"),
            quantities={entry["id"]: entry["quantity"] for entry in data.get("items", [])},
            remove=data.get("remove", []),
        )
        return list_response(employee, saved.pk)

    @extend_schema(responses={204: None, 403: ERROR_SCHEMA})
    def delete(self, request: Request, list_id: int) -> Response:
        employee = current_employee(request)
        requisition_list_delete(requisition_list=visible_list(employee, list_id), by=employee)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RequisitionListCartView(APIView):
    @extend_schema(request=None, responses={201: RequisitionSerializer})
    def post(self, request: Request, list_id: int) -> Response:
        """A new cart from the list, at today's prices."""
        employee = current_employee(request)
        cart, _skipped = requisition_create_from_list(requisition_list=visible_list(employee, list_id), by=employee)
        return requisition_response(cart, status_code=status.HTTP_201_CREATED)
