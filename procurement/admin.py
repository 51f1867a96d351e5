from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .admin_amounts import MAX_TYPED_PRICE, MajorAmountsForm, major_amount_field
from .admin_audit import AuditedModelAdmin
from .api_tokens import api_token_revoke
from .events import audit_event_record, audit_snapshot
from .models import (
    Address,
    ApiToken,
    AuditEvent,
    AuditTally,
    CatalogItem,
    CatalogItemAttribute,
    Category,
    CostCentre,
    CustomCatalog,
    DocumentSequence,
    Employee,
    ExchangeRate,
    IdempotencyKey,
    LegalEntity,
    OrgUnit,
    PriceList,
    RecoveryCode,
    Role,
    Supplier,
    TaxCode,
    TotpDevice,
)
from .taxes import tax_codes_default_create

admin.site.site_header = gettext_lazy("Procurement administration")
admin.site.site_title = gettext_lazy("Procurement admin")


class AddressInline(admin.TabularInline[Address, LegalEntity]):
    model = Address
    extra = 0


class TaxCodeInline(admin.TabularInline[TaxCode, LegalEntity]):
    model = TaxCode
    extra = 0
    fields = ["code", "name", "rate", "kind", "category", "recoverable", "is_default", "is_active"]


class LegalEntityForm(MajorAmountsForm):
    amounts = {"email_approval_limit": ("email_approval_limit_minor", "currency")}
    email_approval_limit = major_amount_field(
        gettext_lazy("E-mail approval limit"),
        help_text=gettext_lazy(
            "Above this total (in the entity's currency) an approval link in an e-mail asks the approver "
            "to log in before deciding. Empty: links decide any amount."
        ),
    )

    class Meta:
        model = LegalEntity
        exclude = ["email_approval_limit_minor"]


@admin.register(LegalEntity)
class LegalEntityAdmin(AuditedModelAdmin[LegalEntity]):
    audit_event_prefix = "legal_entity"
    form = LegalEntityForm
    list_display = ["code", "name", "country", "currency", "tax_id", "po_number_prefix", "is_active"]
    list_filter = ["country", "currency", "is_active"]
    search_fields = ["code", "name", "tax_id"]
    inlines = [AddressInline, TaxCodeInline]
    actions = ["create_default_tax_codes"]

    @admin.action(description=gettext_lazy("Create the default tax codes of their country (FR, SE)"))
    def create_default_tax_codes(self, request: HttpRequest, queryset: models.QuerySet[LegalEntity]) -> None:
        created = sum(len(tax_codes_default_create(legal_entity=entity)) for entity in queryset)
        self.message_user(request, _("%(created)s tax codes created.") % {"created": created})


@admin.register(TaxCode)
class TaxCodeAdmin(AuditedModelAdmin[TaxCode]):
    audit_event_prefix = "tax_code"
    list_display = [
        "code",
        "legal_entity",
        "name",
        "rate",
        "kind",
        "category",
        "recoverable",
        "is_default",
        "is_active",
    ]
    list_filter = ["legal_entity", "kind", "category", "recoverable", "is_active"]
    search_fields = ["code", "name", "legal_entity__code"]
    list_select_related = ["legal_entity"]


@admin.register(Address)
class AddressAdmin(AuditedModelAdmin[Address]):
    audit_event_prefix = "address"
    list_display = ["legal_entity", "kind", "name", "city", "country", "is_default"]
    list_filter = ["legal_entity", "kind", "country"]
    search_fields = ["name", "street", "city"]


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedModelAdmin[OrgUnit]):
    audit_event_prefix = "org_unit"
    list_display = ["code", "name", "legal_entity", "parent", "manager"]
    list_filter = ["legal_entity"]
    search_fields = ["code", "name", "manager__user__username"]
    autocomplete_fields = ["parent", "manager"]


@admin.register(CostCentre)
class CostCentreAdmin(AuditedModelAdmin[CostCentre]):
    audit_event_prefix = "cost_centre"
    list_display = ["code", "name", "legal_entity", "org_unit", "owner", "is_active"]
    list_filter = ["legal_entity", "is_active"]
    search_fields = ["code", "name", "owner__user__username"]
    autocomplete_fields = ["org_unit", "owner"]


@admin.register(Role)
class RoleAdmin(AuditedModelAdmin[Role]):
    audit_event_prefix = "role"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


EMPLOYEE_FIELDS_AUDITED_BY_PEOPLE = frozenset(
    {"manager", "org_unit", "default_cost_centre", "signing_limit_minor", "signing_limit_currency"}
)


class EmployeeForm(MajorAmountsForm):
    amounts = {"signing_limit": ("signing_limit_minor", "signing_limit_currency")}
    signing_limit = major_amount_field(gettext_lazy("Signing limit"), help_text=gettext_lazy("Empty: no limit."))

    class Meta:
        model = Employee
        exclude = ["signing_limit_minor"]


# What a people change sets (p2p.people_changes): the admin's changes of these go through it, so they are audited
# field by field and move open approval work as an org import would.
PEOPLE_CHANGE_FIELDS = ("manager", "org_unit", "default_cost_centre", "signing_limit_minor", "signing_limit_currency")


def employee_save_as_people_change(request: HttpRequest, employee: Employee, save: Any, *, active: Any = None) -> None:
    """Save an employee edited in the admin: its other fields by `save()`, and what a people change sets (and
    `active`, the user's checkbox, when given) through p2p.people_changes.employees_org_apply (source "admin")."""
    from p2p.people_changes import EmployeeOrgChange, employees_org_apply

    if employee.pk is None:
        save()
        return
    stored = Employee.objects.select_related("user").get(pk=employee.pk)
    wanted: dict[str, Any] = {}
    for name in PEOPLE_CHANGE_FIELDS:
        column = f"{name}_id" if name in ("manager", "org_unit", "default_cost_centre") else name
        if getattr(employee, column) != getattr(stored, column):
            wanted[name] = getattr(employee, name)
        setattr(employee, name, getattr(stored, name))
    if active is not None and active != stored.user.is_active:
        wanted["active"] = active
    save()
    if wanted:
        employees_org_apply(changes=[EmployeeOrgChange(employee=employee, **wanted)], by=request.user, source="admin")


@admin.register(Employee)
class EmployeeAdmin(AuditedModelAdmin[Employee]):
    audit_event_prefix = "employee"
    # The manager, unit, default cost centre and signing limit are changed and audited by procurement.people
    # (organisation.employee.changed): here the roles, entities, cost centres and the rest.
    audit_exclude_fields = EMPLOYEE_FIELDS_AUDITED_BY_PEOPLE
    form = EmployeeForm
    list_display = ["user", "job_title", "org_unit", "manager", "signing_limit_display", "default_legal_entity"]
    list_filter = ["legal_entities", "roles", "org_unit__legal_entity"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "job_title"]
    autocomplete_fields = ["user", "org_unit", "manager", "default_cost_centre"]
    filter_horizontal = ["roles", "legal_entities", "cost_centres"]
    list_select_related = ["user", "org_unit", "manager__user", "default_legal_entity"]

    @admin.display(description=gettext_lazy("signing limit"))
    def signing_limit_display(self, employee: Employee) -> str:
        limit = employee.signing_limit
        return str(limit) if limit is not None else _("no limit")

    def save_model(self, request: HttpRequest, obj: Employee, form: Any, change: bool) -> None:
        employee_save_as_people_change(
            request, obj, lambda: super(EmployeeAdmin, self).save_model(request, obj, form, change)
        )


class EmployeeInline(admin.StackedInline[Employee, Any]):
    model = Employee
    form = EmployeeForm
    fk_name = "user"
    can_delete = False
    autocomplete_fields = ["org_unit", "manager", "default_cost_centre"]
    filter_horizontal = ["roles", "legal_entities", "cost_centres"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ProcurementUserAdmin(AuditedModelAdmin[Any], UserAdmin):
    """Users and their employee profile: a change to either (activation, staff and superuser flags, roles,
    entities) is one `user.changed` event; the password only as "changed"."""

    audit_event_prefix = "user"
    audit_exclude_fields = frozenset({"last_login", "date_joined"})
    audit_inlines = False  # the employee inline: in audit_state below, without what procurement.people audits
    inlines = [EmployeeInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Unticking "active" makes a leaver (p2p.people_changes): applied with the employee's changes, in save_formset.
        # Kept on the request, not on the admin: one admin object serves every request.
        request.people_change_active = obj.is_active  # type: ignore[attr-defined]
        if change and hasattr(obj, "employee"):
            obj.is_active = type(obj).objects.values_list("is_active", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Employee or not change:
            super().save_formset(request, form, formset, change)
            return
        employees = formset.save(commit=False)
        for employee in employees or [getattr(form.instance, "employee", None)]:
            if employee is not None:
                employee_save_as_people_change(
                    request, employee, employee.save, active=getattr(request, "people_change_active", None)
                )
        formset.save_m2m()

    def audit_state(self, obj: Any) -> dict[str, Any]:
        state = super().audit_state(obj)
        employee = Employee.objects.filter(user=obj).first() if obj.pk else None
        if employee is not None:
            employee_state = audit_snapshot(employee, exclude=EMPLOYEE_FIELDS_AUDITED_BY_PEOPLE | {"user"})
            state.update({f"employee.{name}": value for name, value in employee_state.items()})
        return state

    def audit_legal_entity(self, obj: Any) -> LegalEntity | None:
        employee = Employee.objects.filter(user=obj).select_related("default_legal_entity").first()
        return employee.default_legal_entity if employee is not None else None

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and getattr(response, "status_code", 200) == 302:
            user = self.get_object(request, id)
            if user is not None:
                audit_event_record(
                    event_type="user.password_set",
                    actor=request.user,
                    legal_entity=self.audit_legal_entity(user),
                    obj=user,
                    data={"user": user.get_username(), "usable": user.has_usable_password(), "source": "admin"},
                )
        return response


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class SupplierAdminForm(forms.ModelForm[Supplier]):
    # The shared secret is write-only: never rendered back into the page.
    order_shared_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the current secret."),
    )

    class Meta:
        model = Supplier
        exclude: tuple[str, ...] = ()

    def clean_order_shared_secret(self) -> str:
        value: str = self.cleaned_data.get("order_shared_secret", "")
        if not value and self.instance.pk:
            return self.instance.order_shared_secret
        return value


@admin.register(Supplier)
class SupplierAdmin(AuditedModelAdmin[Supplier]):
    audit_event_prefix = "supplier"
    form = SupplierAdminForm
    list_display = ["code", "name", "country", "currency", "order_method", "contact_email", "is_active"]
    list_filter = ["order_method", "country", "currency", "is_active"]
    search_fields = ["code", "name", "contact_name", "contact_email"]


class CatalogItemAttributeInline(admin.TabularInline[CatalogItemAttribute, CatalogItem]):
    model = CatalogItemAttribute
    extra = 0


class CatalogItemForm(MajorAmountsForm):
    amounts = {"base_price": ("base_price_minor", "currency")}
    base_price = forms.DecimalField(
        label=gettext_lazy("Base price"),
        min_value=Decimal(0),
        max_value=MAX_TYPED_PRICE,
        max_digits=15,
        decimal_places=3,
    )

    class Meta:
        model = CatalogItem
        exclude = ["base_price_minor"]


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin[CatalogItem]):
    form = CatalogItemForm
    list_display = [
        "sku",
        "name",
        "supplier",
        "unspsc",
        "unit",
        "order_multiple",
        "minimum_quantity",
        "base_price_display",
        "lead_time_days",
        "tax_kind",
        "is_active",
    ]
    list_filter = ["supplier", "unit", "tax_kind", "is_active", "currency"]
    search_fields = ["sku", "name", "unspsc", "manufacturer_part_id"]
    list_select_related = ["supplier"]
    inlines = [CatalogItemAttributeInline]

    @admin.display(description=gettext_lazy("base price"), ordering="base_price_minor")
    def base_price_display(self, item: CatalogItem) -> str:
        return str(item.base_price)


@admin.register(CatalogItemAttribute)
class CatalogItemAttributeAdmin(admin.ModelAdmin[CatalogItemAttribute]):
    list_display = ["item", "name", "value"]
    list_filter = ["name"]
    search_fields = ["name", "value", "item__sku", "item__name"]
    list_select_related = ["item"]
    autocomplete_fields = ["item"]


class PriceListForm(MajorAmountsForm):
    amounts = {"fixed_off": ("fixed_off_minor", "fixed_off_currency")}
    fixed_off = major_amount_field(gettext_lazy("Fixed amount off"))

    class Meta:
        model = PriceList
        exclude = ["fixed_off_minor"]


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin[PriceList]):
    form = PriceListForm
    list_display = ["code", "name", "adjustment", "percent_off", "supplier", "unspsc_prefix", "is_active"]
    list_filter = ["adjustment", "is_active", "legal_entities"]
    search_fields = ["code", "name"]
    filter_horizontal = ["legal_entities", "groups"]


@admin.register(CustomCatalog)
class CustomCatalogAdmin(admin.ModelAdmin[CustomCatalog]):
    list_display = ["code", "name", "is_active"]
    list_filter = ["is_active", "legal_entities"]
    search_fields = ["code", "name"]
    filter_horizontal = ["suppliers", "legal_entities", "groups"]
    autocomplete_fields = ["items"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin[ExchangeRate]):
    list_display = ["from_currency", "to_currency", "rate", "valid_from"]
    # Django would write the rate's step as "1e-10"; a person reads ten decimals.
    formfield_overrides = {models.DecimalField: {"widget": forms.NumberInput(attrs={"step": "0.0000000001"})}}
    list_filter = ["from_currency", "to_currency"]
    search_fields = ["from_currency", "to_currency"]
    date_hierarchy = "valid_from"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["created_at", "event_type", "actor", "legal_entity", "object_type", "object_id"]
    list_filter = ["event_type", "legal_entity"]
    search_fields = ["event_type", "object_id", "actor__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(AuditTally)
class AuditTallyAdmin(admin.ModelAdmin[AuditTally]):
    """The status moves /metrics counts, tallied up to a time (procurement.audit_tally): read only."""

    list_display = ["event_type", "counted_until"]
    search_fields = ["event_type"]
    readonly_fields = ["event_type", "counted_until", "counts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditTally | None = None) -> bool:
        return False


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(admin.ModelAdmin[DocumentSequence]):
    list_display = ["legal_entity", "kind", "last_number"]
    list_filter = ["legal_entity", "kind"]
    search_fields = ["kind", "legal_entity__code"]
    readonly_fields = ["legal_entity", "kind", "last_number"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin[IdempotencyKey]):
    """Repeated POSTs remembered for a day (procurement.idempotency): read only."""

    list_display = ["created_at", "user", "key", "response_status", "completed_at"]
    search_fields = ["key", "user__username"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "user",
        "key",
        "request_hash",
        "created_at",
        "completed_at",
        "response_status",
        "response_headers",
    ]
    exclude = ["response_body"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IdempotencyKey | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Everyone's API tokens (procurement.api_tokens): an administrator lists them and revokes any; the secrets
    are nowhere to show. Tokens are made by their owners (/profile/tokens/, the API), never here."""

    list_display = [
        "name",
        "user",
        "hint",
        "scopes",
        "origin",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["origin", ("revoked_at", admin.EmptyFieldListFilter), "expires_at"]
    search_fields = ["name", "user__username", "hint"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "name",
        "hint",
        "scopes",
        "origin",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked, never deleted: the audit log names them

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        revoked = sum(api_token_revoke(token=token, actor=request.user) for token in queryset.select_related("user"))
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": revoked})


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin[TotpDevice]):
    """People's authenticator apps (procurement.two_factor): an administrator deletes the one of a person who lost
    their phone and recovery codes; they enrol again at their next login. The key is never shown."""

    list_display = ["user", "name", "confirmed", "created_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at"]
    readonly_fields = ["user", "name", "confirmed", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TotpDevice | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: TotpDevice) -> None:
        _two_factor_reset_recorded(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[TotpDevice]) -> None:
        for device in queryset.select_related("user"):
            _two_factor_reset_recorded(request, device)
        super().delete_queryset(request, queryset)


def _two_factor_reset_recorded(request: HttpRequest, device: TotpDevice) -> None:
    """An administrator removed someone's authenticator: they enrol again at their next sign-in."""
    audit_event_record(
        event_type="two_factor.reset",
        actor=request.user,
        obj=device.user,
        data={"user": device.user.get_username(), "device": device.name, "confirmed": device.confirmed},
    )


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(admin.ModelAdmin[RecoveryCode]):
    """Whether a person's recovery codes were used (the codes themselves are kept as hashes only)."""

    list_display = ["user", "created_at", "used_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "created_at", "used_at"]
    readonly_fields = ["user", "created_at", "used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RecoveryCode | None = None) -> bool:
        return False


from . import admin_contracts  # noqa: E402, F401  (the contracts admin, registered on import)
