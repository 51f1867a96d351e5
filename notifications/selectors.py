"""Reads of notifications: a person's own notifications, the bell's count, their preferences, and the webhooks and
deliveries of a legal entity."""

from typing import Any

from django.db.models import QuerySet

from procurement.models import LegalEntity

from .models import Channel, Kind, Notification, NotificationPreference, NotificationSettings, Webhook, WebhookDelivery


def notifications_of(*, user: Any) -> QuerySet[Notification]:
    """What the notification centre lists: the user's in-app notifications, newest first."""
    return Notification.objects.filter(recipient=user, in_app=True).order_by("-created", "-pk")


def unread_count(*, user: Any) -> int:
    """The bell's number: one count on the partial index of unread notifications."""
    return Notification.objects.filter(recipient=user, in_app=True, read_at=None).count()


def preferences_of(*, user: Any) -> tuple[dict[str, str], bool]:
    """The channel of every kind (both when never chosen) and whether the daily digest is on."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    settings_row = NotificationSettings.objects.filter(user=user).first()
    return (
        {kind: chosen.get(kind, Channel.BOTH) for kind in Kind.values},
        bool(settings_row and settings_row.daily_digest),
    )


def webhooks_of(*, legal_entity: LegalEntity) -> QuerySet[Webhook]:
    return Webhook.objects.filter(legal_entity=legal_entity).order_by("name", "pk")


def webhook_get(*, legal_entity: LegalEntity, pk: int) -> Webhook | None:
    """A webhook of this entity only (another entity's is not there)."""
    return Webhook.objects.filter(legal_entity=legal_entity, pk=pk).first()


def deliveries_of(*, webhook: Webhook, limit: int = 100) -> list[WebhookDelivery]:
    """The delivery log of a webhook, newest first, each with its attempts."""
    return list(webhook.deliveries.prefetch_related("attempt_log").order_by("-created", "-pk")[:limit])
