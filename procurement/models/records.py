"""Rows the core keeps for every app: exchange rates, the audit trail, document numbers, idempotency keys."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KT

from .organisation import LegalEntity
from .validators import currency_code_validator


class ExchangeRate(models.Model):
    """One unit of from_currency is worth `rate` units of to_currency from valid_from on."""

    from_currency = models.CharField(max_length=3, validators=[currency_code_validator])
    to_currency = models.CharField(max_length=3, validators=[currency_code_validator])
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    valid_from = models.DateField()

    class Meta:
        ordering = ["from_currency", "to_currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "valid_from"], name="exchange_rate_once_per_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_currency} = {self.rate} {self.to_currency} from {self.valid_from}"


class AuditEvent(models.Model):
    """Append-only record of every write a service makes."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No single-column index of their own: (actor, created_at) and (legal_entity, created_at) below serve every
    # lookup by them (and the deletes that set them null), and the planner cannot pick the narrower one instead.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    legal_entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    event_type = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Events of a type, and of a type since a time (procurement.audit_tally counts the recent moves).
            models.Index(fields=["event_type", "created_at"], name="audit_event_type_created"),
            # The audit log's filters (procurement.audit_log), each read newest first: by entity, by who, by object,
            # by the address a sign-in came from.
            models.Index(fields=["legal_entity", "created_at"], name="audit_event_entity_created"),
            models.Index(fields=["actor", "created_at"], name="audit_event_actor_created"),
            models.Index(fields=["object_type", "object_id", "created_at"], name="audit_event_object_created"),
            models.Index(KT("data__ip"), F("created_at"), name="audit_event_ip_created"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.event_type} {self.object_type} {self.object_id}"


class AuditTally(models.Model):
    """Audit events of one type counted by the status they moved to (their data's "to"), for every event created
    before `counted_until` (procurement.audit_tally): what /metrics reads instead of scanning the whole log."""

    event_type = models.CharField(max_length=60, unique=True)
    counted_until = models.DateTimeField()
    counts = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.event_type} until {self.counted_until:%Y-%m-%d %H:%M}"


class DocumentSequence(models.Model):
    """Gap-free numbers per legal entity and document kind (requisitions, purchase orders)."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    last_number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "kind"], name="document_sequence_once"),
            models.CheckConstraint(condition=Q(last_number__gte=0), name="document_sequence_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity_id} {self.kind} {self.last_number}"


class IdempotencyKey(models.Model):
    """One POST remembered by its key, so that sending it again answers the first answer (procurement.idempotency).

    `key` is the API's `Idempotency-Key` header (prefixed `api:`) or a page form's one-time token (prefixed
    `form:`); the unique (user, key) row is the claim: the first insert wins, a repeat finds the row. A row
    without `completed_at` is a request still running. Rows expire after settings.IDEMPOTENCY_KEY_TTL.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.BinaryField(default=bytes, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
