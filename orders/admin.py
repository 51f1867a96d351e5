from django.contrib import admin
from django.http import HttpRequest

from .models import PurchaseOrder, PurchaseOrderEvent, PurchaseOrderLine, SupplierDocument, Transmission


class PurchaseOrderLineInline(admin.TabularInline[PurchaseOrderLine, PurchaseOrder]):
    model = PurchaseOrderLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in PurchaseOrderLine._meta.fields if f.name != "id"]


class PurchaseOrderEventInline(admin.TabularInline[PurchaseOrderEvent, PurchaseOrder]):
    """The order's status history: every move (from → to), who made it and why."""

    model = PurchaseOrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_status", "to_status", "by", "comment"]
    fields = ["created_at", "from_status", "to_status", "by", "comment"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin[PurchaseOrder]):
    """Read here; orders change through the buyer's pages so that suppliers and budgets follow."""

    list_display = ["number", "legal_entity", "supplier", "status", "revision", "total_minor", "created_at"]
    list_filter = ["legal_entity", "status", "method"]
    search_fields = ["number", "supplier__code", "requisition__number"]
    inlines = [PurchaseOrderLineInline, PurchaseOrderEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PurchaseOrder | None = None) -> bool:
        return False


@admin.register(Transmission)
class TransmissionAdmin(admin.ModelAdmin[Transmission]):
    list_display = ["purchase_order", "revision", "method", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "method"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Transmission | None = None) -> bool:
        return False


@admin.register(SupplierDocument)
class SupplierDocumentAdmin(admin.ModelAdmin[SupplierDocument]):
    list_display = ["received_at", "supplier", "kind", "payload_id", "purchase_order", "answer_status"]
    list_filter = ["kind", "supplier"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SupplierDocument | None = None) -> bool:
        return False
