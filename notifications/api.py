"""REST API of notifications: my notifications (list, mark read), and the webhooks of a legal entity (its
administrators only; the secret is answered once, when the webhook is made)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from procurement.api import ERROR_SCHEMA
from procurement.idempotency import IdempotencyKeyPermission
from procurement.models import LegalEntity, Role
from procurement.selectors import legal_entity_for_user
from procurement.web import current_employee, employee_has_role

from .errors import NotAnAdmin, NotificationNotFound, WebhookInvalid, WebhookUrlRefused
from .models import Kind, Notification, Webhook, WebhookDelivery
from .selectors import deliveries_of, notifications_of, unread_count, webhook_get, webhooks_of
from .services import notification_mark_read, notifications_mark_all_read
from .webhooks import WebhookTargetRefused, webhook_create, webhook_test_send, webhook_update

NotificationSchema = inline_serializer(
    "Notification",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=Kind.choices),
        "legal_entity": serializers.CharField(allow_null=True),
        "title": serializers.CharField(),
        "body": serializers.CharField(),
        "link": serializers.CharField(help_text="A path inside the site: the page of what it is about."),
        "object": serializers.DictField(allow_null=True, help_text='{"type": "app_label.model", "id": "12"}'),
        "created": serializers.DateTimeField(),
        "read_at": serializers.DateTimeField(allow_null=True),
    },
)
NotificationPageSchema = inline_serializer(
    "NotificationPage",
    {
        "count": serializers.IntegerField(),
        "unread": serializers.IntegerField(),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "results": NotificationSchema,
    },
)
WebhookSchema = inline_serializer(
    "Webhook",
    {
        "id": serializers.IntegerField(),
        "legal_entity": serializers.CharField(),
        "name": serializers.CharField(),
        "url": serializers.CharField(),
        "events": serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices)),
        "active": serializers.BooleanField(),
        "created": serializers.DateTimeField(),
    },
)
WebhookCreatedSchema = inline_serializer(
    "WebhookCreated",
    {
        "id": serializers.IntegerField(),
        "legal_entity": serializers.CharField(),
        "name": serializers.CharField(),
        "url": serializers.CharField(),
        "events": serializers.ListField(child=serializers.CharField()),
        "active": serializers.BooleanField(),
        "created": serializers.DateTimeField(),
        "secret": serializers.CharField(help_text="Shown this once: keep it to verify signatures."),
    },
)
WebhookRequestSchema = inline_serializer(
    "WebhookRequest",
    {
        "name": serializers.CharField(),
        "url": serializers.CharField(help_text="https (in production); no user name or password; no private host."),
        "events": serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices)),
        "active": serializers.BooleanField(required=False),
    },
)
DeliverySchema = inline_serializer(
    "WebhookDelivery",
    {
        "id": serializers.CharField(help_text="The event's id (X-Procurement-Delivery)."),
        "event": serializers.CharField(),
        "state": serializers.ChoiceField(choices=WebhookDelivery.State.values),
        "attempts": serializers.IntegerField(),
        "next_attempt_at": serializers.DateTimeField(allow_null=True),
        "last_status_code": serializers.IntegerField(allow_null=True),
        "last_error": serializers.CharField(),
        "delivered_at": serializers.DateTimeField(allow_null=True),
        "created": serializers.DateTimeField(),
        "payload": serializers.DictField(),
        "attempt_log": inline_serializer(
            "WebhookAttempt",
            {
                "number": serializers.IntegerField(),
                "started_at": serializers.DateTimeField(),
                "duration_ms": serializers.IntegerField(),
                "status_code": serializers.IntegerField(allow_null=True),
                "error": serializers.CharField(),
            },
            many=True,
        ),
    },
)
ENTITY_PARAMETER = OpenApiParameter(
    "legal_entity", str, description="The legal entity's code; your default one when left out."
)
NAME_MAX = 100


def notification_data(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "legal_entity": notification.legal_entity.code if notification.legal_entity else None,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "object": {"type": notification.object_type, "id": notification.object_id}
        if notification.object_type
        else None,
        "created": notification.created.isoformat(),
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


def webhook_data(hook: Webhook) -> dict[str, Any]:
    """A webhook as the API shows it: never its secret."""
    return {
        "id": hook.pk,
        "legal_entity": hook.legal_entity.code,
        "name": hook.name,
        "url": hook.url,
        "events": list(hook.events),
        "active": hook.active,
        "created": hook.created.isoformat(),
    }


def delivery_data(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(delivery.uuid),
        "event": delivery.event,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
        "created": delivery.created.isoformat(),
        "payload": delivery.payload,
        "attempt_log": [
            {
                "number": attempt.number,
                "started_at": attempt.started_at.isoformat(),
                "duration_ms": attempt.duration_ms,
                "status_code": attempt.status_code,
                "error": attempt.error,
            }
            for attempt in delivery.attempt_log.all()
        ],
    }


class NotificationPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NotificationListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="Only the unread ones."),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="1 to 200; 50 when left out."),
        ],
        responses={200: NotificationPageSchema},
        operation_id="notifications_list",
    )
    def get(self, request: Request) -> Response:
        """My notifications, newest first, with how many are unread."""
        found = notifications_of(user=request.user).select_related("legal_entity")
        if request.query_params.get("unread") in ("1", "true", "yes"):
            found = found.filter(read_at=None)
        paginator = NotificationPagination()
        page = paginator.paginate_queryset(found, request, view=self) or []
        response = paginator.get_paginated_response([notification_data(n) for n in page])
        response.data["unread"] = unread_count(user=request.user)
        return response


class NotificationReadView(APIView):
    @extend_schema(
        request=None, responses={200: NotificationSchema, 404: ERROR_SCHEMA}, operation_id="notification_read"
    )
    def post(self, request: Request, pk: int) -> Response:
        """Mark one of my notifications read (again is fine)."""
        if not notification_mark_read(user=request.user, notification_id=pk):
            raise NotificationNotFound(_("There is no notification %(id)s of yours.") % {"id": pk})
        return Response(
            notification_data(notifications_of(user=request.user).select_related("legal_entity").get(pk=pk))
        )


class NotificationReadAllView(APIView):
    @extend_schema(
        request=None,
        responses={200: inline_serializer("NotificationsRead", {"marked": serializers.IntegerField()})},
        operation_id="notifications_read_all",
    )
    def post(self, request: Request) -> Response:
        """Mark every notification of mine read; how many were unread."""
        return Response({"marked": notifications_mark_all_read(user=request.user)})


def _admin_entity(request: Request) -> LegalEntity:
    """The legal entity named by ?legal_entity= (or the caller's default) that the caller administers."""
    employee = current_employee(request)
    entity = legal_entity_for_user(user=request.user, code=request.query_params.get("legal_entity"))
    if not employee_has_role(employee, Role.ADMIN):
        raise NotAnAdmin(_("Only an administrator of the legal entity manages its webhooks."))
    return entity


def _webhook(request: Request, pk: int) -> Webhook:
    hook = webhook_get(legal_entity=_admin_entity(request), pk=pk)
    if hook is None:
        raise NotificationNotFound(_("There is no webhook %(id)s in this legal entity.") % {"id": pk})
    return hook


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise WebhookInvalid(_("Send a JSON object."))
    return request.data


def _fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """name, url, events and active from a request body, each checked; missing ones left out when partial."""
    fields: dict[str, Any] = {}
    if "name" in data or not partial:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
            raise WebhookInvalid(_("name must be a text of 1 to %(n)s characters.") % {"n": NAME_MAX})
        fields["name"] = name
    if "url" in data or not partial:
        url = data.get("url")
        if not isinstance(url, str) or not url.strip():
            raise WebhookUrlRefused(_("url must be the address to post the events to."))
        fields["url"] = url
    if "events" in data or not partial:
        events = data.get("events")
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise WebhookInvalid(_("events must be a list of event names."))
        unknown = sorted({e for e in events if e not in Kind.values})
        if unknown:
            raise WebhookInvalid(_("Unknown events: %(events)s.") % {"events": ", ".join(e[:40] for e in unknown[:5])})
        fields["events"] = events
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise WebhookInvalid(_("active must be true or false."))
        fields["active"] = data["active"]
    return fields


class WebhookListView(APIView):
    # Not IdempotencyKeyPermission: the answer to a creation holds the secret, and a stored answer for replays
    # would keep it in clear (procurement.idempotency stores bodies); an Idempotency-Key is ignored here.
    permission_classes: list[Any] = [
        cls for cls in api_settings.DEFAULT_PERMISSION_CLASSES if cls is not IdempotencyKeyPermission
    ]

    @extend_schema(
        parameters=[ENTITY_PARAMETER],
        responses={200: inline_serializer("Webhooks", {"results": WebhookSchema}), 403: ERROR_SCHEMA},
        operation_id="webhooks_list",
    )
    def get(self, request: Request) -> Response:
        """The webhooks of the legal entity (administrators)."""
        return Response({"results": [webhook_data(h) for h in webhooks_of(legal_entity=_admin_entity(request))]})

    @extend_schema(
        parameters=[ENTITY_PARAMETER],
        request=WebhookRequestSchema,
        responses={201: WebhookCreatedSchema, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA},
        operation_id="webhook_create",
    )
    def post(self, request: Request) -> Response:
        """Add a webhook; the answer holds its secret, this once."""
        entity = _admin_entity(request)
        fields = _fields(_body(request), partial=False)
        try:
            hook, secret = webhook_create(
                legal_entity=entity, name=fields["name"], url=fields["url"], events=fields["events"], by=request.user
            )
        except WebhookTargetRefused as refused:
            raise WebhookUrlRefused(refused.message) from None
        if fields.get("active") is False:
            hook = webhook_update(webhook=hook, active=False)
        return Response({**webhook_data(hook), "secret": secret}, status=201)


class WebhookDetailView(APIView):
    @extend_schema(
        parameters=[ENTITY_PARAMETER], responses={200: WebhookSchema, 404: ERROR_SCHEMA}, operation_id="webhook_get"
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(webhook_data(_webhook(request, pk)))

    @extend_schema(
        parameters=[ENTITY_PARAMETER],
        request=WebhookRequestSchema,
        responses={200: WebhookSchema, 400: ERROR_SCHEMA, 404: ERROR_SCHEMA},
        operation_id="webhook_update",
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Change a webhook's name, url, events or active; the secret stays."""
        hook = _webhook(request, pk)
        try:
            hook = webhook_update(webhook=hook, **_fields(_body(request), partial=True))
        except WebhookTargetRefused as refused:
            raise WebhookUrlRefused(refused.message) from None
        return Response(webhook_data(hook))

    @extend_schema(
        parameters=[ENTITY_PARAMETER], responses={204: None, 404: ERROR_SCHEMA}, operation_id="webhook_delete"
    )
    def delete(self, request: Request, pk: int) -> Response:
        """Remove a webhook and its delivery log."""
        _webhook(request, pk).delete()
        return Response(status=204)


class WebhookTestView(APIView):
    @extend_schema(
        parameters=[ENTITY_PARAMETER],
        request=None,
        responses={202: DeliverySchema, 404: ERROR_SCHEMA},
        operation_id="webhook_test",
    )
    def post(self, request: Request, pk: int) -> Response:
        """Send a `webhook.test` event to this webhook; the answer is its delivery, queued."""
        delivery = webhook_test_send(webhook=_webhook(request, pk))
        return Response(delivery_data(delivery), status=202)


class WebhookDeliveriesView(APIView):
    @extend_schema(
        parameters=[ENTITY_PARAMETER],
        responses={200: inline_serializer("WebhookDeliveries", {"results": DeliverySchema}), 404: ERROR_SCHEMA},
        operation_id="webhook_deliveries_list",
    )
    def get(self, request: Request, pk: int) -> Response:
        """The delivery log: the last 100 deliveries, newest first, each with its attempts."""
        return Response({"results": [delivery_data(d) for d in deliveries_of(webhook=_webhook(request, pk))]})
