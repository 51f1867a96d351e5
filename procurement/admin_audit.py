"""The Django admin's own changes in the audit log: who added, changed or deleted what, with each changed field's
value before and after (secrets only as "changed").

Every admin of organisation data, suppliers, connections and identity providers is an `AuditedModelAdmin`. The
event is written in the admin's transaction (its change view is atomic), after the many-to-many fields and inlines
are saved, so a role granted in the same form is in the same event. Admins whose saves go through an audited
service (purchasing rules, budgets) set `audit_saves = False` and audit only deletions here.
"""

from typing import Any, ClassVar

from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.forms.models import _get_foreign_key
from django.http import HttpRequest

from .events import audit_changes, audit_event_record, audit_snapshot, audit_value
from .models import LegalEntity

_BEFORE = "_audit_before"


class AuditedModelAdmin[M: models.Model](admin.ModelAdmin[M]):
    # The event types are "<prefix>.created", "<prefix>.changed" and "<prefix>.deleted".
    audit_event_prefix: ClassVar[str] = ""
    # Fields written down only as "changed" (besides those whose name says secret, password, …).
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset()
    # Fields left out: ones another service audits, or bookkeeping that changes on its own.
    audit_exclude_fields: ClassVar[frozenset[str]] = frozenset()
    # False when saves go through a service that audits them itself (only deletions are recorded here).
    audit_saves: ClassVar[bool] = True

    def audit_prefix(self) -> str:
        return self.audit_event_prefix or self.model._meta.label_lower

    # Whether the rows of the admin's inlines (an entity's addresses, a provider's domains and group roles) are
    # part of the object's state: each inline as a list of its rows' fields.
    audit_inlines: ClassVar[bool] = True

    def audit_state(self, obj: M) -> dict[str, Any]:
        """What is compared before and after a save: the object's fields, and its inlines' rows."""
        state = audit_snapshot(obj, exclude=self.audit_exclude_fields)
        if self.audit_inlines and obj.pk is not None:
            for inline in self.inlines:
                model = inline.model
                parent = _get_foreign_key(self.model, model, fk_name=getattr(inline, "fk_name", None))
                rows = model._default_manager.filter(**{parent.name: obj}).order_by("pk")
                state[model._meta.model_name] = audit_value(
                    [audit_snapshot(row, exclude=frozenset({parent.name})) for row in rows]
                )
        return state

    def audit_legal_entity(self, obj: M) -> LegalEntity | None:
        """The entity whose auditors see the event: the object's own entity when it has one."""
        if isinstance(obj, LegalEntity):
            return obj
        for name in ("legal_entity", "default_legal_entity"):
            if any(field.name == name for field in obj._meta.concrete_fields):
                entity = getattr(obj, name)
                return entity if isinstance(entity, LegalEntity) else None
        return None

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        # Read before the form saves anything (a form may write its object in save(commit=False): ERP clients).
        if self.audit_saves:
            obj = form.instance
            stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change and obj.pk else None
            setattr(form, _BEFORE, self.audit_state(stored) if stored is not None else {})
        return super().save_form(request, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm[M], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(form, _BEFORE, None)
        if before is None:
            return
        obj = form.instance
        changes = audit_changes(before, self.audit_state(obj), secrets=self.audit_secret_fields)
        if not change:
            changes = {name: value for name, value in changes.items() if _given(value)}
        if change and not changes:
            return
        audit_event_record(
            event_type=f"{self.audit_prefix()}.{'changed' if change else 'created'}",
            actor=request.user,
            legal_entity=self.audit_legal_entity(obj),
            obj=obj,
            data={"name": str(obj)[:200], "changes": changes, "source": "admin"},
        )

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        self._audit_deleted(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[M]) -> None:
        for obj in queryset:
            self._audit_deleted(request, obj)
        super().delete_queryset(request, queryset)

    def _audit_deleted(self, request: HttpRequest, obj: M) -> None:
        audit_event_record(
            event_type=f"{self.audit_prefix()}.deleted",
            actor=request.user,
            legal_entity=self.audit_legal_entity(obj),
            obj=obj,
            data={"name": str(obj)[:200], "source": "admin"},
        )


def _given(change: Any) -> bool:
    """A field set on creation (not left empty)."""
    return change == "changed" or change["to"] not in (None, "", [], {})
