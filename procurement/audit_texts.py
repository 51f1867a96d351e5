"""The audit log's event types as people read them: the groups of the type filter, a sentence per event (in the
reader's language), the page each event's object has (procurement.audit_log reads the log; docs/identity.md)."""

from typing import Any, Final

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

# The groups of the type filter and their event types. An event type missing here is still listed (its type
# shown as it is) but cannot be filtered on: add it to its group.
GROUPS: Final[dict[str, tuple[Promise, tuple[str, ...]]]] = {
    "sign_ins": (
        _("Sign-ins"),
        ("identity.sign_in", "identity.sign_in_failed", "identity.sign_out", "identity.backchannel_logout"),
    ),
    "people": (
        _("People"),
        (
            "organisation.employee.changed",
            "organisation.employee.left",
            "approvals.task.rerouted",
            "approvals.delegation.ended",
            "employee.created",
            "employee.name_changed",
            "employee.roles_changed",
            "employee.changed",
            "employee.deleted",
            "user.created",
            "user.changed",
            "user.deleted",
            "user.password_set",
            "role.created",
            "role.changed",
            "role.deleted",
        ),
    ),
    "security": (
        _("Tokens and two-factor"),
        (
            "api_token.created",
            "api_token.revoked",
            "api_token.used_after_revoke",
            "two_factor.enrolled",
            "two_factor.recovery_code_used",
            "two_factor.reset",
        ),
    ),
    "provisioning": (
        _("Provisioning (SCIM, organisation import)"),
        (
            "scim.user_created",
            "scim.user_updated",
            "scim.user_deactivated",
            "scim.user_reactivated",
            "scim.user_deleted",
            "scim.group_created",
            "scim.group_updated",
            "scim.group_deleted",
            "scim.client_created",
            "scim.client_changed",
            "scim.client_token_issued",
            "org_import.uploaded",
            "org_import.applied",
            "org_import.failed",
        ),
    ),
    "identity_providers": (
        _("Identity providers"),
        ("identity.provider.created", "identity.provider.changed", "identity.provider.deleted"),
    ),
    "rules": (
        _("Purchasing rules"),
        ("purchasing_rule.created", "purchasing_rule.changed", "purchasing_rule.deleted"),
    ),
    "budgets": (_("Budgets"), ("budget.created", "budget.changed", "budget.deleted")),
    "suppliers": (
        _("Suppliers and connections"),
        (
            "supplier.created",
            "supplier.updated",
            "supplier.changed",
            "supplier.deleted",
            "punchout.connection_created",
            "punchout.connection.created",
            "punchout.connection.changed",
            "punchout.connection.deleted",
            "punchout.erp_client.created",
            "punchout.erp_client.changed",
            "punchout.erp_client.deleted",
            "catalog_item.created",
            "procurement.catalog.published",
        ),
    ),
    "organisation": (
        _("Organisation"),
        (
            "legal_entity.created",
            "legal_entity.changed",
            "legal_entity.deleted",
            "org_unit.created",
            "org_unit.changed",
            "org_unit.deleted",
            "cost_centre.created",
            "cost_centre.changed",
            "cost_centre.deleted",
            "tax_code.created",
            "tax_code.changed",
            "tax_code.deleted",
            "address.created",
            "address.changed",
            "address.deleted",
        ),
    ),
    "documents": (
        _("Documents"),
        (
            "requisitions.requisition.status",
            "approvals.chain.status",
            "approvals.invoice.decision",
            "approvals.invoice.escalated",
            "purchase_order.issued",
            "purchase_order.changed",
            "purchase_order.change_requested",
            "purchase_order.marked_sent",
            "orders.transmission.status",
            "orders.order_change.status",
            "receiving.goods_receipt.posted",
            "receiving.goods_receipt.status",
            "invoices.invoice.status",
            "invoices.invoice.credit_note_requested",
            "invoices.exception.unrouted",
            "claims.claim.raised",
            "claims.claim.status",
            "claims.claim.link_sent",
            "sourcing.rfq.created",
            "sourcing.rfq.changed",
            "sourcing.rfq.sent",
            "sourcing.rfq.status",
            "sourcing.rfq.awarded",
            "sourcing.rfq.attachment_added",
            "sourcing.quote.submitted",
            "sourcing.scores.submitted",
            "sourcing.scores.revealed",
            "contract.created",
            "contract.changed",
            "catalogs.upload.status",
            "punchout.session.status",
            "punchout.punchin_session.status",
            "requisitions.import_job.status",
        ),
    ),
}
KNOWN_TYPES: Final = {event_type for _label, types in GROUPS.values() for event_type in types}

# What a configuration change is about, for the sentences of the admin's "<prefix>.created|changed|deleted".
THINGS: Final[dict[str, Promise]] = {
    "employee": _("employee"),
    "user": _("user"),
    "role": _("role"),
    "identity.provider": _("identity provider"),
    "purchasing_rule": _("purchasing rule"),
    "budget": _("budget"),
    "supplier": _("supplier"),
    "punchout.connection": _("punchout connection"),
    "punchout.erp_client": _("ERP client"),
    "legal_entity": _("legal entity"),
    "org_unit": _("org unit"),
    "cost_centre": _("cost centre"),
    "tax_code": _("tax code"),
    "address": _("address"),
}

SENTENCES: Final[dict[str, Promise]] = {
    "identity.sign_in": _("Signed in (%(method)s)"),
    "identity.sign_in_failed": _("Sign-in failed for “%(username)s” (%(method)s): %(reason)s"),
    "identity.sign_out": _("Signed out"),
    "api_token.created": _("Created API token “%(name)s” of %(owner)s"),
    "api_token.revoked": _("Revoked API token “%(name)s” of %(owner)s"),
    "api_token.used_after_revoke": _("Revoked API token “%(name)s” of %(owner)s was used"),
    "two_factor.enrolled": _("Set up two-factor authentication"),
    "two_factor.recovery_code_used": _("Signed in with a recovery code"),
    "two_factor.reset": _("Removed the authenticator of %(user)s"),
    "user.password_set": _("Set the password of %(user)s"),
    "organisation.employee.changed": _("Changed employee %(employee)s: %(fields)s"),
    "organisation.employee.left": _("%(employee)s left: login switched off, their work handed on"),
    "approvals.task.rerouted": _("Approval step “%(step)s” moved from %(from)s to %(to)s"),
    "identity.backchannel_logout": _("Signed out by the identity provider"),
    "budget.created": _("Created budget %(cost_centre)s %(period)s: %(amount)s %(currency)s"),
    "budget.changed": _("Changed budget %(cost_centre)s %(period)s: %(fields)s"),
    "supplier.created": _("Created supplier %(code)s"),
    "supplier.updated": _("Changed supplier: %(fields)s"),
    "punchout.connection_created": _("Created a %(protocol)s punchout connection of %(supplier)s"),
    "catalog_item.created": _("Added item %(sku)s of %(supplier)s"),
}
# Why a sign-in failed, as identity.audit records it (other reasons are shown as recorded).
REASONS: Final[dict[str, Promise]] = {
    "bad_credentials": _("wrong user name or password"),
    "password_switched_off": _("passwords are switched off for this entity"),
}
STATUS_SENTENCE: Final = _("Status %(from)s → %(to)s")
CREATED: Final = _("Created %(thing)s “%(name)s”")
CHANGED: Final = _("Changed %(thing)s “%(name)s”: %(fields)s")
DELETED: Final = _("Deleted %(thing)s “%(name)s”")

# Pages of the objects the log names (URL name, by the object's id); anything else links to its admin page.
OBJECT_PAGES: Final = {
    "requisitions.requisition": "requisitions:detail",
    "orders.purchaseorder": "orders:detail",
    "invoices.invoice": "invoices:detail",
    "receiving.goodsreceipt": "receiving:detail",
    "sourcing.requestforquotation": "sourcing:detail",
    "procurement.contract": "contracts:detail",
    "claims.claim": "claims:detail",
    "budgets.budget": "budgets:detail",
}


class _Fields(dict[str, Any]):
    """The event's data for a sentence: a missing key reads as "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


def _field_label(object_type: str, name: str) -> str:
    model_label, _dot, field_name = (object_type, "", name)
    if name.startswith("employee."):
        model_label, field_name = "procurement.Employee", name.removeprefix("employee.")
    try:
        model = apps.get_model(model_label)
        return str(model._meta.get_field(field_name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def _fields_changed(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    changes = data.get("changes")
    if not isinstance(changes, dict):
        # procurement.people writes each changed field at the top level as {from, to}
        changes = {key: value for key, value in data.items() if isinstance(value, dict) and "to" in value}
    return ", ".join(_field_label(event.object_type, name) for name in changes) or "—"


def audit_event_summary(event: AuditEvent) -> str:
    """A sentence saying what happened, in the reader's language; the type itself when none is known."""
    data = event.data if isinstance(event.data, dict) else {}
    fields = _Fields({key: value for key, value in data.items() if isinstance(value, str | int | float)})
    fields["fields"] = _fields_changed(event)
    if fields.get("reason") in REASONS:
        fields["reason"] = str(REASONS[fields["reason"]])
    sentence = SENTENCES.get(event.event_type)
    if sentence is not None:
        return str(sentence) % fields
    prefix, _dot, action = event.event_type.rpartition(".")
    thing = THINGS.get(prefix)
    if thing is not None and action in ("created", "changed", "deleted"):
        fields["thing"] = str(thing)
        fields.setdefault("name", event.object_id)
        return str({"created": CREATED, "changed": CHANGED, "deleted": DELETED}[action]) % fields
    if action == "status" and "to" in data:
        return str(STATUS_SENTENCE) % fields
    return event.event_type


def audit_object_url(event: AuditEvent, *, staff: bool) -> str:
    """The page of the event's object: its own page when it has one, its admin page for staff, else ""."""
    if not event.object_type or not event.object_id.isdigit():
        return ""
    label = event.object_type.lower()
    try:
        if label in OBJECT_PAGES:
            return reverse(OBJECT_PAGES[label], args=[int(event.object_id)])
        if staff:
            app_label, _dot, model_name = label.partition(".")
            return reverse(f"admin:{app_label}_{model_name}_change", args=[event.object_id])
    except NoReverseMatch:
        return ""
    return ""


def audit_event_ip(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    return str(data.get("ip") or "")


def audit_actor_name(event: AuditEvent) -> str:
    user = event.actor
    if user is None:
        return ""
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(name or user.get_username())


def audit_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The type filter's choices: each group (all of it, then its types)."""
    return [
        (str(label), [(key, gettext("All: %(group)s") % {"group": label}), *((t, t) for t in types)])
        for key, (label, types) in GROUPS.items()
    ]
