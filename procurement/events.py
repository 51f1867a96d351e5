"""Audit writers: every service records what it changed, in its own transaction."""

from typing import Any

from django.db import models

from .models import AuditEvent, LegalEntity


def audit_event_record(
    *,
    event_type: str,
    actor: Any = None,
    legal_entity: LegalEntity | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    event = audit_event_row(event_type=event_type, actor=actor, legal_entity=legal_entity, obj=obj, data=data)
    event.save(force_insert=True)
    return event


def audit_event_row(
    *,
    event_type: str,
    actor: Any = None,
    legal_entity: LegalEntity | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event `audit_event_record` writes, not written yet (for a caller that writes it with its own statement)."""
    return AuditEvent(
        event_type=event_type,
        actor=actor if getattr(actor, "pk", None) else None,
        legal_entity=legal_entity,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )
