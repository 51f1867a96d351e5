from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.admin_amounts import MajorAmountsForm, major_amount_field
from procurement.admin_audit import AuditedModelAdmin

from .models import (
    INVOICE_RULE_EFFECTS,
    ApprovalChain,
    ApprovalStep,
    ApprovalStepApprover,
    Delegation,
    PurchasingRule,
    PurchasingRuleVersion,
)
from .services import purchasing_rule_save


class RuleVersionInline(admin.TabularInline[PurchasingRuleVersion, PurchasingRule]):
    model = PurchasingRuleVersion
    extra = 0
    can_delete = False
    readonly_fields = ["version", "created_at", "created_by", "snapshot"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PurchasingRuleForm(MajorAmountsForm):
    """The amount range is typed in major units of the rule's currency: 50.00 EUR, never 5000."""

    amounts = {"min_amount": ("min_amount_minor", "currency"), "max_amount": ("max_amount_minor", "currency")}
    min_amount = major_amount_field(
        gettext_lazy("Above"),
        help_text=gettext_lazy("Applies when the total (for invoice exceptions: the variance) is above this."),
    )
    max_amount = major_amount_field(
        gettext_lazy("Up to"),
        help_text=gettext_lazy("Applies when the total (for invoice exceptions: the variance) is at most this."),
    )

    class Meta:
        model = PurchasingRule
        exclude = ["min_amount_minor", "max_amount_minor"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A form posted before rules could apply to invoice exceptions still means a requisition rule.
        self.fields["applies_to"].required = False

    def clean_applies_to(self) -> str:
        return self.cleaned_data.get("applies_to") or PurchasingRule.AppliesTo.REQUISITIONS

    def clean_effect(self) -> str:
        effect = self.cleaned_data.get("effect", "")
        applies_to = self.data.get("applies_to") or PurchasingRule.AppliesTo.REQUISITIONS
        if applies_to == PurchasingRule.AppliesTo.INVOICE_EXCEPTIONS and effect not in INVOICE_RULE_EFFECTS:
            raise ValidationError(_("An invoice-exception rule adds people: a named approver, a group or a role."))
        return str(effect)


@admin.register(PurchasingRule)
class PurchasingRuleAdmin(AuditedModelAdmin[PurchasingRule]):
    audit_event_prefix = "purchasing_rule"
    audit_saves = False  # purchasing_rule_save audits every save
    form = PurchasingRuleForm
    list_display = [
        "position",
        "name",
        "applies_to",
        "effect",
        "legal_entity",
        "unspsc_prefix",
        "amount_range",
        "is_active",
        "version",
    ]
    list_display_links = ["name"]
    list_filter = ["applies_to", "effect", "is_active", "legal_entity"]
    search_fields = ["name", "message", "unspsc_prefix"]
    autocomplete_fields = ["approver", "org_unit", "cost_centre", "supplier"]
    readonly_fields = ["version"]
    inlines = [RuleVersionInline]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active", "version", "applies_to"]}),
        (
            "When",
            {
                "fields": [
                    "legal_entity",
                    "org_unit",
                    "cost_centre",
                    "unspsc_prefix",
                    "supplier",
                    "line_source",
                    "over_contract_cap",
                    "currency",
                    "min_amount",
                    "max_amount",
                ]
            },
        ),
        (
            "Then",
            {
                "fields": [
                    "effect",
                    "approver",
                    "group",
                    "mode",
                    "required_count",
                    "role",
                    "skip_insufficient",
                    "message",
                    "sla_hours",
                ]
            },
        ),
    ]

    def save_model(
        self, request: HttpRequest, obj: PurchasingRule, form: ModelForm[PurchasingRule], change: bool
    ) -> None:
        # Through the service, so that every change becomes a new version.
        purchasing_rule_save(rule=obj, by=request.user)


class StepApproverInline(admin.TabularInline[ApprovalStepApprover, ApprovalStep]):
    model = ApprovalStepApprover
    extra = 0
    readonly_fields = ["approver", "status", "comment", "decided_at", "decided_by", "delegated_from", "escalated_from"]
    can_delete = False


@admin.register(ApprovalStep)
class ApprovalStepAdmin(admin.ModelAdmin[ApprovalStep]):
    list_display = ["chain", "position", "name", "mode", "status"]
    list_filter = ["status", "mode"]
    search_fields = ["name", "chain__requisition__number", "chain__invoice__number"]
    inlines = [StepApproverInline]
    readonly_fields = [
        "chain",
        "position",
        "name",
        "reason",
        "mode",
        "required_count",
        "status",
        "rule",
        "rule_version",
        "sla_hours",
    ]


@admin.register(ApprovalChain)
class ApprovalChainAdmin(admin.ModelAdmin[ApprovalChain]):
    list_display = ["__str__", "requisition", "invoice", "status", "auto_approved", "created_at"]
    list_filter = ["status", "auto_approved"]
    search_fields = ["requisition__number", "requisition__title", "invoice__number"]
    readonly_fields = [
        "requisition",
        "invoice",
        "subject_summary",
        "status",
        "total_minor",
        "currency",
        "auto_approved",
        "rule_versions",
        "created_at",
    ]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin[Delegation]):
    list_display = ["employee", "delegate", "starts_on", "ends_on", "comment"]
    list_filter = ["starts_on"]
    search_fields = ["employee__user__username", "delegate__user__username", "comment"]
    autocomplete_fields = ["employee", "delegate"]
