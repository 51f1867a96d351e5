from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from procurement.admin_audit import AuditedModelAdmin
from procurement.money import Money

from .models import Budget, BudgetEntry
from .plans import BudgetInvalid, BudgetSpec, budget_save, budget_spec_check


class BudgetForm(forms.ModelForm[Budget]):
    """Budgets are entered by period label and amount; dates follow from the entity's fiscal year."""

    amount = forms.DecimalField(max_digits=18, decimal_places=3, min_value=Decimal(0))
    tolerance_amount = forms.DecimalField(max_digits=18, decimal_places=3, min_value=Decimal(0), initial=0)

    class Meta:
        model = Budget
        fields = [
            "legal_entity",
            "cost_centre",
            "gl_account",
            "unspsc_prefix",
            "period_label",
            "currency",
            "control",
            "tolerance_percent",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["amount"].initial = self.instance.amount.amount
            self.fields["tolerance_amount"].initial = self.instance.tolerance.amount

    def spec(self) -> BudgetSpec:
        data = self.cleaned_data
        return BudgetSpec(
            legal_entity=data["legal_entity"],
            cost_centre=data["cost_centre"],
            period=data["period_label"],
            amount=Money(data["amount"], data["currency"]),
            control=data["control"],
            gl_account=data.get("gl_account") or "",
            unspsc_prefix=data.get("unspsc_prefix") or "",
            tolerance_percent=data.get("tolerance_percent") or Decimal(0),
            tolerance_amount=data.get("tolerance_amount") or Decimal(0),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                budget_spec_check(self.spec())
            except BudgetInvalid as exc:
                raise forms.ValidationError(exc.message) from exc
        return data

    def validate_unique(self) -> None:
        """budget_save changes the budget with the same scope and period instead of refusing a duplicate."""


@admin.register(Budget)
class BudgetAdmin(AuditedModelAdmin[Budget]):
    audit_event_prefix = "budget"
    audit_saves = False  # budget_save audits every save
    form = BudgetForm
    list_display = ["cost_centre", "legal_entity", "period_label", "period_start", "period_end", "amount", "control"]
    list_filter = ["legal_entity", "control", "period_kind", "period_label"]
    search_fields = ["cost_centre__code", "period_label", "gl_account"]
    readonly_fields = [
        "period_kind",
        "period_start",
        "period_end",
        "precommitted_minor",
        "committed_minor",
        "actual_minor",
    ]

    def save_model(self, request: HttpRequest, obj: Budget, form: Any, change: bool) -> None:
        try:
            budget, _ = budget_save(spec=form.spec(), by=request.user)
        except BudgetInvalid as exc:
            # Raised under the row lock (e.g. an amount below what is already held): shown, nothing saved.
            self.message_user(request, exc.message, level="error")
            return
        obj.pk = budget.pk
        obj.refresh_from_db()


@admin.register(BudgetEntry)
class BudgetEntryAdmin(admin.ModelAdmin[BudgetEntry]):
    """The ledger is append-only: read here, written only by the services."""

    list_display = [
        "created_at",
        "budget",
        "kind",
        "amount_minor",
        "variance_minor",
        "requisition",
        "purchase_order",
        "invoice",
        "over_limit",
        "note",
    ]
    list_filter = ["kind", "over_limit"]
    search_fields = ["requisition__number", "purchase_order__number", "invoice__number", "note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BudgetEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BudgetEntry | None = None) -> bool:
        return False
