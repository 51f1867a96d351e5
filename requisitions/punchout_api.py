"""REST API: open a punchout session for a requisition (→ the URL to send the browser to)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.web import current_employee
from punchout.models import PunchoutSession
from punchout.selectors import punchout_connections_switched_on
from punchout.services import PunchoutError
from punchout.views import url_builders

from .error_codes import RequisitionErrorCode
from .punchout_carts import requisition_punchout_start
from .selectors import requisitions_visible


class SessionCreateSerializer(serializers.Serializer[Any]):
    requisition = serializers.IntegerField()
    supplier = serializers.CharField(help_text="Supplier code.")
    operation = serializers.ChoiceField(choices=PunchoutSession.Operation.values, default="create")


class SessionListView(APIView):
    @extend_schema(
        request=SessionCreateSerializer,
        responses={
            201: inline_serializer(
                "PunchoutSessionStarted",
                {
                    "id": serializers.IntegerField(),
                    "start_url": serializers.URLField(),
                    "protocol": serializers.CharField(),
                },
            ),
            400: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
        },
    )
    def post(self, request: Request) -> Response:
        """Open a punchout session. cXML: the setup request is sent and `start_url` is the shop's StartPage.
        OCI: `start_url` is a one-time page on this server that posts the call-up to the catalog."""
        employee = current_employee(request)
        incoming = SessionCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        requisition = requisitions_visible(employee=employee).filter(pk=data["requisition"]).first()
        if requisition is None:
            raise PunchoutError(
                _("There is no requisition %(data)s that you may see.") % {"data": data["requisition"]},
                code=RequisitionErrorCode.NOT_FOUND,
            )
        connection = (
            punchout_connections_switched_on()
            .filter(supplier__code__iexact=data["supplier"])
            .select_related("supplier")
            .first()
        )
        if connection is None:
            raise PunchoutError(
                _("Supplier %(data)s has no punchout connection.") % {"data": data["supplier"]},
                code=RequisitionErrorCode.NO_CONNECTION,
            )
        started = requisition_punchout_start(
            requisition=requisition,
            by=employee,
            connection=connection,
            operation=data["operation"],
            **url_builders(request._request),
        )
        return Response(
            {"id": started.session.pk, "start_url": started.start_url, "protocol": connection.protocol},
            status=status.HTTP_201_CREATED,
        )
