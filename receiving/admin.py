from django.contrib import admin
from django.http import HttpRequest

from .models import GoodsReceipt, GoodsReceiptLine, ReceivingSettings


class GoodsReceiptLineInline(admin.TabularInline[GoodsReceiptLine, GoodsReceipt]):
    model = GoodsReceiptLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in GoodsReceiptLine._meta.fields if f.name != "id"]


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(admin.ModelAdmin[GoodsReceipt]):
    """Read here; receipts are posted and reversed on the receiving pages, so that the orders follow."""

    list_display = ["number", "legal_entity", "purchase_order", "status", "received_by", "received_at"]
    list_filter = ["legal_entity", "status"]
    search_fields = ["number", "purchase_order__number"]
    readonly_fields = [f.name for f in GoodsReceipt._meta.fields if f.name != "id"]
    inlines = [GoodsReceiptLineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: GoodsReceipt | None = None) -> bool:
        return False


@admin.register(ReceivingSettings)
class ReceivingSettingsAdmin(admin.ModelAdmin[ReceivingSettings]):
    """Per legal entity: how much more than ordered may be received (the over-receipt tolerance)."""

    list_display = ["legal_entity", "over_receipt_percent"]
