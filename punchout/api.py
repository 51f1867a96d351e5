"""REST API of punchout: connections as configuration. Opening a session for a requisition is requisitions'
(`requisitions/punchout_api.py`), at /api/v1/punchout/sessions/."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA, IsCatalogAdmin
from procurement.api_tokens import TokenScopePermission
from procurement.events import audit_event_record
from procurement.idempotency import IdempotencyKeyPermission
from procurement.models import Supplier
from procurement.serializers import CredentialSerializer

from .models import PunchoutConnection
from .web_addresses import WebAddressRefused, web_address_parse


class ConnectionSerializer(serializers.Serializer[Any]):
    supplier = serializers.CharField()
    protocol = serializers.ChoiceField(choices=PunchoutConnection.Protocol.values)
    url = serializers.URLField(max_length=500)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    from_ = CredentialSerializer(required=False)
    to = CredentialSerializer(required=False)
    sender = CredentialSerializer(required=False)
    shared_secret = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=200)
    deployment_mode = serializers.ChoiceField(choices=["production", "test"], default="production")
    extrinsics = serializers.ListField(child=serializers.CharField(), required=False)
    supports_edit = serializers.BooleanField(default=True)
    supports_inspect = serializers.BooleanField(default=True)
    method = serializers.ChoiceField(choices=["GET", "POST"], default="POST")
    oci_fields = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    unit_map = serializers.DictField(child=serializers.CharField(), required=False)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # "from" is a keyword in Python
        return fields

    def validate_supplier(self, value: str) -> Supplier:
        supplier = Supplier.objects.filter(code__iexact=value).first()
        if supplier is None:
            raise serializers.ValidationError(_("There is no supplier %(value)s.") % {"value": value})
        return supplier

    def validate_url(self, value: str) -> str:
        try:
            return web_address_parse(value.strip()).href
        except WebAddressRefused as refused:
            raise serializers.ValidationError(refused.message) from None

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["protocol"] == "cxml" and not all((data.get(role) or {}).get("identity") for role in ("from", "to")):
            raise serializers.ValidationError({"to": _("A cXML connection needs the from and to credentials.")})
        return data


def connection_data(connection: PunchoutConnection) -> dict[str, Any]:
    """A connection as the API shows it: secrets and OCI passwords are never shown back."""
    return {
        "id": connection.pk,
        "supplier": connection.supplier.code,
        "protocol": connection.protocol,
        "url": connection.url,
        "name": connection.display_name,
        "from": {"domain": connection.from_domain, "identity": connection.from_identity},
        "to": {"domain": connection.to_domain, "identity": connection.to_identity},
        "sender": {"domain": connection.sender_domain, "identity": connection.sender_identity},
        "has_shared_secret": bool(connection.shared_secret),
        "deployment_mode": connection.deployment_mode,
        "extrinsics": connection.extrinsics,
        "supports_edit": connection.supports_edit,
        "supports_inspect": connection.supports_inspect,
        "method": connection.method,
        "oci_fields": {k: ("***" if "PASSWORD" in k.upper() else v) for k, v in (connection.oci_fields or {}).items()},
        "unit_map": connection.unit_map,
    }


class ConnectionListView(APIView):
    permission_classes = [permissions.IsAuthenticated, TokenScopePermission, IsCatalogAdmin, IdempotencyKeyPermission]

    @extend_schema(responses={200: inline_serializer("PunchoutConnections", {"results": serializers.ListField()})})
    def get(self, request: Request) -> Response:
        """Punchout connections (administrators)."""
        connections = PunchoutConnection.objects.select_related("supplier").order_by("supplier__code", "pk")
        return Response({"results": [connection_data(c) for c in connections]})

    @extend_schema(request=ConnectionSerializer, responses={201: ConnectionSerializer, 400: ERROR_SCHEMA})
    @transaction.atomic
    def post(self, request: Request) -> Response:
        """Register a punchout connection for a supplier (configuration as code)."""
        incoming = ConnectionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        connection = PunchoutConnection(
            supplier=data["supplier"],
            protocol=data["protocol"],
            url=data["url"],
            name=data.get("name", ""),
            shared_secret=data.get("shared_secret", ""),
            deployment_mode=data["deployment_mode"],
            extrinsics=data.get("extrinsics", []),
            supports_edit=data["supports_edit"],
            supports_inspect=data["supports_inspect"],
            method=data["method"],
            oci_fields=data.get("oci_fields", {}),
            unit_map={k.upper(): v.upper() for k, v in data.get("unit_map", {}).items()},
        )
        for role in ("from", "to", "sender"):
            credential = data.get(role) or (data.get("from") if role == "sender" else None)
            if credential:
                setattr(connection, f"{role}_domain", credential["domain"])
                setattr(connection, f"{role}_identity", credential["identity"])
        connection.save()
        audit_event_record(
            event_type="punchout.connection_created",
            actor=request.user,
            obj=connection,
            data={"supplier": connection.supplier.code, "protocol": connection.protocol, "url": connection.url},
        )
        return Response(connection_data(connection), status=status.HTTP_201_CREATED)
