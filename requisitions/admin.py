"""Requisitions in the admin: to find and read them, with their lines and their event log.

Nothing is changed here: a requisition's status and contents move only through requisitions' services (the
status table in `transitions.py`, each move logged as a `RequisitionEvent`), which the admin would bypass.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ImportJob, Requisition, RequisitionEvent, RequisitionLine, RequisitionList, RequisitionListItem


class ReadOnlyAdmin[M: Any](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


LINE_FIELDS = (
    "line_number",
    "source",
    "description",
    "supplier",
    "quantity",
    "unit",
    "unit_price_minor",
    "currency",
    "total_minor",
    "cost_centre",
)


class RequisitionLineInline(admin.TabularInline[RequisitionLine, Requisition]):
    model = RequisitionLine
    extra = 0
    can_delete = False
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    ordering = ["line_number"]


EVENT_FIELDS = (
    "created_at",
    "kind",
    "from_status",
    "to_status",
    "actor",
    "comment",
)


class RequisitionEventInline(admin.TabularInline[RequisitionEvent, Requisition]):
    """The requisition's history: every status move (from → to), decision and change after submission."""

    model = RequisitionEvent
    extra = 0
    can_delete = False
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    ordering = ["created_at", "id"]


@admin.register(Requisition)
class RequisitionAdmin(ReadOnlyAdmin[Requisition]):
    list_display = ["number", "title", "legal_entity", "requester", "status", "currency", "total_minor", "created_at"]
    list_filter = ["status", "legal_entity", "currency", "created_at"]
    search_fields = [
        "number",
        "title",
        "requester__user__username",
        "requester__user__last_name",
        "on_behalf_of__user__username",
    ]
    list_select_related = ["legal_entity", "requester__user"]
    date_hierarchy = "created_at"
    inlines = [RequisitionLineInline, RequisitionEventInline]


@admin.register(RequisitionEvent)
class RequisitionEventAdmin(ReadOnlyAdmin[RequisitionEvent]):
    list_display = ["requisition", "created_at", "kind", "from_status", "to_status", "actor"]
    list_filter = ["kind", "to_status"]
    search_fields = ["requisition__number", "comment"]
    list_select_related = ["requisition", "actor"]


LIST_ITEM_FIELDS = (
    "position",
    "sku",
    "description",
    "quantity",
    "unit",
    "supplier",
    "unit_price_minor",
    "currency",
)


class RequisitionListItemInline(admin.TabularInline[RequisitionListItem, RequisitionList]):
    model = RequisitionListItem
    extra = 0
    can_delete = False
    fields = LIST_ITEM_FIELDS
    readonly_fields = LIST_ITEM_FIELDS


@admin.register(RequisitionList)
class RequisitionListAdmin(ReadOnlyAdmin[RequisitionList]):
    list_display = ["name", "owner", "legal_entity", "shared_with", "updated_at"]
    list_filter = ["legal_entity"]
    search_fields = ["name", "owner__user__username"]
    inlines = [RequisitionListItemInline]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin[ImportJob]):
    list_display = ["requisition", "filename", "status", "total_lines", "processed_lines", "added", "created_at"]
    list_filter = ["status"]
    search_fields = ["requisition__number", "filename"]
    exclude = ["content"]
