from django.contrib import admin
from django.http import HttpRequest

from .models import Budget, BudgetEntry


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin[Budget]):
    list_display = ["cost_centre", "legal_entity", "period_label", "amount_minor", "currency", "control"]
    list_filter = ["legal_entity", "control", "period_label"]
    search_fields = ["cost_centre__code", "period_label", "gl_account"]


@admin.register(BudgetEntry)
class BudgetEntryAdmin(admin.ModelAdmin[BudgetEntry]):
    """The ledger is append-only: read here, written only by the services."""

    list_display = ["created_at", "budget", "kind", "amount_minor", "requisition", "note"]
    list_filter = ["kind"]
    search_fields = ["requisition__number", "note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BudgetEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BudgetEntry | None = None) -> bool:
        return False
