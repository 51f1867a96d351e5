"""REST API of contracts: list and record them, read and change one with its prices and tiers."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http_status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.models import Contract, Employee, LegalEntity, Supplier
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee

from .errors import ContractInvalid
from .selectors import contract_of, contracts_visible
from .serializers import ContractWriteSerializer, contract_data, price_specs
from .services import ContractSpec, contract_save

LIST_LIMIT = 500


def _supplier(code: str) -> Supplier:
    supplier = Supplier.objects.filter(code__iexact=code.strip()).first()
    if supplier is None:
        raise ContractInvalid({"supplier": [_("There is no supplier %(code)s.") % {"code": code[:30]}]})
    return supplier


def _spec(request: Request, data: dict[str, Any], contract: Contract | None) -> ContractSpec:
    """The header: what the body gives, the rest as the contract has it."""

    def given(name: str, default: Any) -> Any:
        return data.get(name, default)

    entity: LegalEntity = (
        legal_entity_for_user(user=request.user, code=data["legal_entity"])
        if "legal_entity" in data
        else contract.legal_entity  # type: ignore[union-attr]
    )
    terms = data.get("payment_terms", {})
    currency = given("currency", contract.currency if contract else "")
    for name in ("cap", "minimum_order"):
        amount = data.get(name)
        if amount and amount["currency"] != currency:
            message = _("Give it in the contract's currency %(currency)s.") % {"currency": currency}
            raise ContractInvalid({name: [message]})
    cap_default = contract.cap.amount if contract and contract.cap else None
    cap = data["cap"]["amount"] if data.get("cap") else (None if "cap" in data else cap_default)
    return ContractSpec(
        number=given("number", contract.number if contract else ""),
        title=given("title", contract.title if contract else ""),
        kind=given("kind", contract.kind if contract else Contract.Kind.CONTRACT),
        status=given("status", contract.status if contract else Contract.Status.DRAFT),
        supplier=_supplier(data["supplier"]) if "supplier" in data else contract.supplier,  # type: ignore[union-attr]
        legal_entity=entity,
        valid_from=given("valid_from", contract.valid_from if contract else None),
        valid_to=given("valid_to", contract.valid_to if contract else None),
        currency=currency,
        cap=cap,
        minimum_order=data["minimum_order"]["amount"]
        if "minimum_order" in data
        else (contract.minimum_order.amount if contract else Decimal(0)),
        payment_net_days=terms.get("net_days", contract.payment_net_days if contract else 30),
        early_discount_percent=terms.get(
            "discount_percent", contract.early_discount_percent if contract else Decimal(0)
        ),
        early_discount_days=terms.get("discount_days", contract.early_discount_days if contract else 0),
        notes=given("notes", contract.notes if contract else ""),
    )


def _invalid(error: ContractInvalid) -> Response:
    return Response(
        {"code": error.code, "message": error.message, "errors": error.errors}, status=http_status.HTTP_400_BAD_REQUEST
    )


class ContractListView(APIView):
    """Contracts of the caller's legal entities; buyers record new ones."""

    @extend_schema(
        operation_id="contracts_list",
        parameters=[
            OpenApiParameter("supplier", OpenApiTypes.STR, description="Supplier code."),
            OpenApiParameter("status", OpenApiTypes.STR, description="draft, active or ended."),
            OpenApiParameter("legal_entity", OpenApiTypes.STR, description="Legal entity code."),
        ],
        responses={200: OpenApiTypes.OBJECT, 403: ERROR_SCHEMA},
    )
    def get(self, request: Request) -> Response:
        employee: Employee = current_employee(request)
        contracts = contracts_visible(employee=employee).order_by("valid_to", "number")
        supplier = str(request.query_params.get("supplier", "")).strip()[:30]
        status = str(request.query_params.get("status", "")).strip()[:10]
        entity = str(request.query_params.get("legal_entity", "")).strip()[:30]
        if supplier:
            contracts = contracts.filter(supplier__code__iexact=supplier)
        if status:
            contracts = contracts.filter(status=status)
        if entity:
            contracts = contracts.filter(legal_entity=legal_entity_for_user(user=request.user, code=entity))
        return Response({"results": [contract_data(contract) for contract in contracts[:LIST_LIMIT]]})

    @extend_schema(
        request=ContractWriteSerializer, responses={201: OpenApiTypes.OBJECT, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA}
    )
    def post(self, request: Request) -> Response:
        employee = current_employee(request)
        incoming = ContractWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        try:
            contract = contract_save(
                by=employee,
                spec=_spec(request, data, None),
                prices=price_specs(data["prices"]) if "prices" in data else None,
            )
        except ContractInvalid as error:
            return _invalid(error)
        contract = contract_of(employee=employee, pk=contract.pk)
        return Response(contract_data(contract, with_prices=True), status=http_status.HTTP_201_CREATED)


class ContractDetailView(APIView):
    """One contract with its burn-down, prices and tiers; buyers change it with PATCH."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: ERROR_SCHEMA})
    def get(self, request: Request, pk: int) -> Response:
        contract = contract_of(employee=current_employee(request), pk=pk)
        return Response(contract_data(contract, with_prices=True))

    @extend_schema(
        request=ContractWriteSerializer, responses={200: OpenApiTypes.OBJECT, 400: ERROR_SCHEMA, 404: ERROR_SCHEMA}
    )
    def patch(self, request: Request, pk: int) -> Response:
        employee = current_employee(request)
        contract = contract_of(employee=employee, pk=pk)
        incoming = ContractWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        try:
            contract_save(
                by=employee,
                spec=_spec(request, data, contract),
                contract=contract,
                prices=price_specs(data["prices"]) if "prices" in data else None,
            )
        except ContractInvalid as error:
            return _invalid(error)
        return Response(contract_data(contract_of(employee=employee, pk=pk), with_prices=True))
