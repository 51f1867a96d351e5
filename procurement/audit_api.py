"""GET /api/v1/audit/events/ (and .csv): the audit log for programs, with the page's filters (docs/api.md).

A token needs `read` (as every GET) and the `admin` scope, except the token of an auditor (the role that only reads
the log), for whom `read` is enough; sessions need what the page needs (procurement.audit_log: admin, auditor
or finance role)."""

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import ERROR_SCHEMA
from .api_tokens import InsufficientScope
from .audit_log import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    AuditReader,
    audit_events_page,
    audit_filters_parse,
    audit_reader_for,
)
from .audit_texts import audit_actor_name, audit_event_ip, audit_event_summary
from .audit_views import audit_export
from .models import ApiToken, AuditEvent, Role, TokenScope
from .selectors import employee_for_user, legal_entities_for_employee


def _reader(request: Request) -> AuditReader:
    employee = employee_for_user(user=request.user)
    entities = list(legal_entities_for_employee(employee=employee))
    reader = audit_reader_for(user=request.user, employee=employee, entities=entities)
    token = request.auth
    if isinstance(token, ApiToken) and TokenScope.ADMIN.value not in token.scopes:
        auditor = employee is not None and employee.roles.filter(code=Role.AUDITOR).exists()
        if not auditor:
            raise InsufficientScope(
                gettext("The audit log needs a token with the “admin” scope, or a token of an auditor.")
            )
    return reader


def audit_event_data(event: AuditEvent) -> dict[str, Any]:
    actor = event.actor
    return {
        "id": event.pk,
        "created_at": event.created_at.isoformat(),
        "event_type": event.event_type,
        "summary": audit_event_summary(event),
        "actor": {"id": actor.pk, "username": actor.get_username(), "name": audit_actor_name(event)}
        if actor is not None
        else None,
        "legal_entity": event.legal_entity.code if event.legal_entity is not None else None,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": audit_event_ip(event),
        "data": event.data,
    }


FILTER_PARAMETERS = [
    OpenApiParameter(
        "type",
        OpenApiTypes.STR,
        description="An event type (`identity.sign_in`) or a group "
        "(`sign_ins`, `people`, `security`, `identity_providers`, `rules`, `budgets`, `suppliers`, "
        "`organisation`, `documents`).",
    ),
    OpenApiParameter("actor", OpenApiTypes.STR, description="Part of who did it: user name, e-mail or name."),
    OpenApiParameter("entity", OpenApiTypes.STR, description="Legal entity code, or `none` for group-wide events."),
    OpenApiParameter("object_type", OpenApiTypes.STR, description="Model label, e.g. `procurement.Supplier`."),
    OpenApiParameter("object_id", OpenApiTypes.STR, description="The object's id (with `object_type`)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD, the site's time zone)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included."),
    OpenApiParameter("ip", OpenApiTypes.STR, description="The address a sign-in came from (exact)."),
]
PAGE_PARAMETERS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The `next_cursor` of the previous page."),
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description=f"Events per page, 1-{MAX_PAGE_SIZE} (default {PAGE_SIZE})."
    ),
]

EVENT_FIELDS: dict[str, Any] = {
    "id": serializers.IntegerField(),
    "created_at": serializers.DateTimeField(),
    "event_type": serializers.CharField(),
    "summary": serializers.CharField(),
    "actor": inline_serializer(
        "AuditActor",
        {"id": serializers.IntegerField(), "username": serializers.CharField(), "name": serializers.CharField()},
        allow_null=True,
    ),
    "legal_entity": serializers.CharField(allow_null=True),
    "object_type": serializers.CharField(),
    "object_id": serializers.CharField(),
    "ip": serializers.CharField(),
    "data": serializers.JSONField(),
}


class AuditEventListView(APIView):
    """The audit log, newest first: who changed what, who signed in and from where (docs/identity.md)."""

    @extend_schema(
        parameters=FILTER_PARAMETERS + PAGE_PARAMETERS,
        responses={
            200: inline_serializer(
                "AuditEventPage",
                {
                    "results": inline_serializer("AuditEvent", EVENT_FIELDS, many=True),
                    "next_cursor": serializers.CharField(allow_null=True),
                    "next": serializers.CharField(allow_null=True),
                },
            ),
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
        },
    )
    def get(self, request: Request) -> Response:
        reader = _reader(request)
        filters = audit_filters_parse(request.query_params)
        page = audit_events_page(reader=reader, filters=filters)
        next_url = None
        if page.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {
                "results": [audit_event_data(event) for event in page.events],
                "next_cursor": page.next_cursor,
                "next": next_url,
            }
        )


class AuditEventExportView(APIView):
    """Every event the filters select as CSV (streamed; the page's columns, API keys as headings)."""

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.STR, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA},
    )
    def get(self, request: Request) -> Any:
        reader = _reader(request)
        filters = audit_filters_parse(request.query_params)
        return audit_export(request=request._request, fmt="csv", reader=reader, filters=filters)
