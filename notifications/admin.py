from django.contrib import admin
from django.http import HttpRequest

from .models import Notification, Webhook, WebhookDelivery


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin[Webhook]):
    """Read here, managed on /notifications/webhooks/: the secret is never shown."""

    list_display = ["name", "legal_entity", "url", "active"]
    fields = ("legal_entity", "name", "url", "events", "active", "created", "created_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Webhook | None = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ["created", "webhook", "event", "state", "attempts", "last_status_code"]
    list_filter = ["state", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
