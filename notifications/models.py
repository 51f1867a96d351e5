"""Notifications in the app, each person's preferences, and the webhooks of a legal entity with their deliveries."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from procurement.encryption import EncryptedTextField
from procurement.models import LegalEntity


class Kind(models.TextChoices):
    """What happened. The value is also the webhook event's name (docs/notifications.md)."""

    TASK_ASSIGNED = "approval.task_assigned", _("A new approval task for me")
    TASK_REMINDER = "approval.reminder", _("A reminder of a task that waits")
    ESCALATED = "approval.escalated", _("A task escalated to me")
    APPROVED = "requisition.approved", _("My requisition is approved")
    REJECTED = "requisition.rejected", _("My requisition is rejected")
    RETURNED = "requisition.returned", _("My requisition is returned")
    TRANSMISSION_FAILED = "order.transmission_failed", _("A purchase order could not be sent")
    NEEDS_BUYER = "order.needs_buyer", _("An order waits for a buyer")
    CONFIRMED = "order.confirmed", _("A supplier confirmed my order")
    SHIPPED = "order.shipped", _("A supplier shipped my order")
    CONTRACT_EXPIRING = "contract.expiring", _("A contract ends within 30 days")
    CONTRACT_CAP = "contract.cap_used", _("A framework agreement has used most of its cap (80 %)")
    RFQ_EVALUATION = "sourcing.evaluation_invited", _("I am on the committee of a request for quotation")
    RFQ_AWARDED = "sourcing.awarded", _("A request for quotation I asked for is awarded")
    CLAIM_ANSWERED = "claim.answered", _("A supplier acknowledged or answered a claim on a delivery")


# The event a webhook's "Send test event" button sends; not something people are notified of.
TEST_EVENT = "webhook.test"


class Channel(models.TextChoices):
    BOTH = "both", _("E-mail and in the app")
    EMAIL = "email", _("E-mail only")
    IN_APP = "in_app", _("In the app only")
    NONE = "none", _("Nothing")


class Notification(models.Model):
    """One thing one person is told. Written in their language when it happened (title and body are text)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    legal_entity = models.ForeignKey(LegalEntity, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="A path inside the site, e.g. /requisitions/12/.")
    object_type = models.CharField(max_length=100, blank=True, help_text='"app_label.model" of what it is about.')
    object_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Shown in the notification centre (channel in_app or both); otherwise it only waits for the daily digest.
    in_app = models.BooleanField(default=True)
    # E-mailed with the next daily digest instead of at once; digested_at says when it went.
    for_digest = models.BooleanField(default=False)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            # The bell: unread in-app notifications of one person (one index-only count).
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True, in_app=True), name="notification_unread"
            ),
            models.Index(
                fields=["recipient", "created"],
                condition=Q(for_digest=True, digested_at__isnull=True),
                name="notification_digest_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How one person hears of one kind; a kind without a row is both e-mailed and shown in the app."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.BOTH)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.channel}"


class NotificationSettings(models.Model):
    """A person's switches over every kind: the daily digest batches their e-mails into one a day."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    daily_digest = models.BooleanField(default=False)
    last_digest_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"digest {'on' if self.daily_digest else 'off'}"


class Webhook(models.Model):
    """Where a legal entity wants its events POSTed, signed with a secret only the entity knows."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    url = models.CharField(max_length=2048)
    events = models.JSONField(default=list, help_text="Event names, e.g. requisition.approved.")
    # Shown once when the webhook is created, never again.
    secret = EncryptedTextField(max_length=200)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one webhook: tried until delivered, with backoff, failed after the last try."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
        DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
        FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # The event's id: the payload's "id" and the X-Procurement-Delivery header (receivers drop repeats by it).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender's lease on the row while it posts (no transaction is open during the request).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.uuid}"


class WebhookAttempt(models.Model):
    """One POST of a delivery, for its log: when, what came back (never the secret or the signature)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"attempt {self.number}"
