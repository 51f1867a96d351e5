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


# Field names whose values never enter the log (names ending so): a change to one is recorded as "changed", never
# its value. `local_passwords_disabled` is not one: only names that end with a secret's word.
SECRET_NAME_ENDS = ("secret", "password", "password_hash", "private_key", "key_hash", "token_hash", "key_hex")
SECRET_CHANGED = "changed"  # noqa: S105  (what the log says of a changed secret)


def audit_secret_name(name: str) -> bool:
    return name.lower().endswith(SECRET_NAME_ENDS)


def audit_value(value: Any) -> Any:
    """A value as the log keeps it (JSON): model instances by their text, dates as ISO 8601, secrets inside
    mappings (an OCI field list's PASSWORD) as "***"."""
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dict):
        return {
            str(key): ("***" if audit_secret_name(str(key)) and item else audit_value(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [audit_value(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    return str(value)


def audit_snapshot(obj: models.Model, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The editable state of `obj` as the log compares it: concrete fields (a foreign key by the related object's
    text), and many-to-many fields as sorted lists once `obj` is saved. Secrets stay raw here: `audit_changes`
    never writes them down."""
    state: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in exclude or getattr(field, "auto_now", False):
            continue  # a time the save itself moves is no change anyone made
        if field.is_relation:
            related_id = getattr(obj, field.attname)
            state[field.name] = None if related_id is None else audit_value(getattr(obj, field.name))
        else:
            state[field.name] = field.value_from_object(obj)
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            if m2m.name not in exclude:
                state[m2m.name] = sorted(str(related) for related in getattr(obj, m2m.name).all())
    return state


def audit_changes(
    before: dict[str, Any], after: dict[str, Any], *, secrets: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """What differs between two snapshots, per field: {"from", "to"}; a secret field (named in `secrets` or
    by its name) only as "changed"."""
    changes: dict[str, Any] = {}
    for name in after:
        old, new = before.get(name), after[name]
        if old == new:
            continue
        if name in secrets or audit_secret_name(name):
            changes[name] = SECRET_CHANGED
        else:
            changes[name] = {"from": audit_value(old), "to": audit_value(new)}
    return changes
