"""REST API of the core app: tokens, the user's legal entities, the catalog."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .api_tokens import TokenScopePermission, password_token_issue
from .models import CatalogItem, CatalogItemAttribute, LegalEntity, Role, Supplier
from .selectors import (
    catalog_item_quote,
    catalog_item_search,
    catalog_pricing_applicable,
    employee_for_user,
    legal_entities_for_employee,
    legal_entity_for_user,
)
from .serializers import CatalogItemCreateSerializer, CatalogItemSerializer, LegalEntitySerializer, SupplierSerializer
from .services import catalog_item_create, supplier_create, supplier_update
from .two_factor import password_exchange_check
from .views import catalog_filters_from_query
from .web import employee_has_role

ERROR_SCHEMA = inline_serializer("Error", {"code": serializers.CharField(), "message": serializers.CharField()})

# `?export=csv|xlsx` on a list: every row the other filters select (no page limit), as a download
# (procurement/exports.py, docs/analytics.md "Exports").
EXPORT_PARAMETER = OpenApiParameter(
    "export",
    OpenApiTypes.STR,
    enum=["csv", "xlsx"],
    description="Download every row the filters select as CSV (API keys as headings) or XLSX.",
)


class IsCatalogAdmin(permissions.BasePermission):
    """Superusers and employees with the admin role manage configuration."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user.is_superuser:
            return True
        employee = employee_for_user(user=user)
        return employee is not None and employee_has_role(employee, Role.ADMIN)


class TokenView(APIView):
    """Exchange a username and password for an API token.

    Each call issues a new token with every scope the user's roles allow, valid for 30 days
    (procurement.api_tokens.password_token_issue); named, narrower tokens are made at /profile/tokens/ or with
    POST /api/v1/tokens/.
    """

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "otp": serializers.CharField(
                    required=False, help_text="The authenticator's code, for accounts with two-factor authentication."
                ),
            },
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()}), 400: ERROR_SCHEMA},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = AuthTokenSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        user = incoming.validated_data["user"]
        password_exchange_check(user, request.data.get("otp") if hasattr(request.data, "get") else None)
        response = Response({"token": password_token_issue(user=user)})
        response["Cache-Control"] = "no-store"
        return response


class LegalEntityListView(generics.ListAPIView[LegalEntity]):
    """The legal entities the caller may act for."""

    serializer_class = LegalEntitySerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[LegalEntity]:
        return legal_entities_for_employee(employee=employee_for_user(user=self.request.user))


CATALOG_PARAMETERS = [
    OpenApiParameter(
        "legal_entity",
        OpenApiTypes.STR,
        description="Entity code whose prices to show; default: the caller's default entity.",
    ),
    OpenApiParameter(
        "search",
        OpenApiTypes.STR,
        description="Words found in the SKU, name or manufacturer part id; when nothing matches them exactly, "
        "words alike (typos: `balpoint` finds ballpoint pens).",
    ),
    OpenApiParameter("exact", OpenApiTypes.STR, description="`1`: only exact matches of the search, no typo forgiven."),
    OpenApiParameter("supplier", OpenApiTypes.STR, description="Supplier code."),
    OpenApiParameter("category", OpenApiTypes.STR, description="UNSPSC code or prefix."),
    OpenApiParameter("attr", OpenApiTypes.STR, many=True, description="Attribute filter as name:value."),
]


class CatalogItemListView(generics.ListCreateAPIView[CatalogItem]):
    """Catalog items visible to the caller, priced with the legal entity's contracts in force and price lists."""

    serializer_class = CatalogItemSerializer
    filter_backends: list[Any] = []

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "POST":
            return [permissions.IsAuthenticated(), TokenScopePermission(), IsCatalogAdmin()]
        return [permissions.IsAuthenticated(), TokenScopePermission()]

    def get_queryset(self) -> QuerySet[CatalogItem]:
        params = self.request.query_params.copy()
        if "search" in params:
            params["q"] = params.get("search", "")
        self.legal_entity = legal_entity_for_user(user=self.request.user, code=params.get("legal_entity"))
        items = catalog_item_search(
            legal_entity=self.legal_entity, user=self.request.user, filters=catalog_filters_from_query(params)
        )
        return items.prefetch_related(Prefetch("attributes", CatalogItemAttribute.objects.order_by("name")))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "quotes": getattr(self, "quotes", {})}

    @extend_schema(
        parameters=CATALOG_PARAMETERS,
        responses={200: CatalogItemSerializer(many=True), 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset) or []
        pricing = catalog_pricing_applicable(
            legal_entity=self.legal_entity, user=request.user, item_ids=[item.pk for item in page]
        )
        self.quotes = {item.pk: catalog_item_quote(item=item, pricing=pricing) for item in page}
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["legal_entity"] = self.legal_entity.code
        return response

    @extend_schema(request=CatalogItemCreateSerializer, responses={201: CatalogItemSerializer, 400: ERROR_SCHEMA})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add an item to a supplier's catalog (administrators only)."""
        incoming = CatalogItemCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        price = data.pop("price")
        item = catalog_item_create(by=request.user, price=price["amount"], currency=price["currency"], **data)
        return Response(CatalogItemSerializer(item).data, status=status.HTTP_201_CREATED)


class SupplierListView(generics.ListCreateAPIView[Supplier]):
    """Suppliers: everyone may list them; administrators register them (configuration as code)."""

    serializer_class = SupplierSerializer
    filter_backends: list[Any] = []
    queryset = Supplier.objects.order_by("code")

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "POST":
            return [permissions.IsAuthenticated(), TokenScopePermission(), IsCatalogAdmin()]
        return [permissions.IsAuthenticated(), TokenScopePermission()]

    @extend_schema(responses={201: SupplierSerializer, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = SupplierSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        supplier = supplier_create(by=request.user, fields=incoming.model_fields())
        return Response(SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)


class SupplierDetailView(generics.RetrieveAPIView[Supplier]):
    """One supplier by code; administrators change it with PATCH."""

    serializer_class = SupplierSerializer
    queryset = Supplier.objects.all()
    lookup_field = "code"

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "PATCH":
            return [permissions.IsAuthenticated(), TokenScopePermission(), IsCatalogAdmin()]
        return [permissions.IsAuthenticated(), TokenScopePermission()]

    @extend_schema(request=SupplierSerializer, responses={200: SupplierSerializer, 400: ERROR_SCHEMA})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        supplier = self.get_object()
        incoming = SupplierSerializer(supplier, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        supplier = supplier_update(by=request.user, supplier=supplier, fields=incoming.model_fields())
        return Response(SupplierSerializer(supplier).data)
