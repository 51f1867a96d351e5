from django.contrib import admin
from django.http import HttpRequest

from .models import CatalogUpload, CatalogUploadLine, SupplierUploadLink


@admin.register(CatalogUpload)
class CatalogUploadAdmin(admin.ModelAdmin[CatalogUpload]):
    """Read here; uploads are checked, approved and rejected on the catalog pages, so that the diff is seen."""

    list_display = [
        "id",
        "supplier",
        "file_format",
        "status",
        "total_lines",
        "error_lines",
        "flagged_count",
        "created_at",
    ]
    list_filter = ["status", "file_format", "supplier"]
    search_fields = ["filename", "supplier__code", "supplier__name"]
    exclude = ["content"]
    readonly_fields = [f.name for f in CatalogUpload._meta.fields if f.name not in {"id", "content"}]
    list_select_related = ["supplier"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(CatalogUploadLine)
class CatalogUploadLineAdmin(admin.ModelAdmin[CatalogUploadLine]):
    list_display = ["upload", "line_number", "sku", "name", "kind", "price_minor", "old_price_minor", "flagged"]
    list_filter = ["kind", "flagged"]
    search_fields = ["sku", "name"]
    readonly_fields = [f.name for f in CatalogUploadLine._meta.fields if f.name != "id"]
    raw_id_fields = ["upload", "item"]
    list_select_related = ["upload__supplier"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SupplierUploadLink)
class SupplierUploadLinkAdmin(admin.ModelAdmin[SupplierUploadLink]):
    """Read here (the nonce is never shown); links are made on the uploads page."""

    list_display = ["id", "supplier", "legal_entity", "created_by", "created_at", "expires_at", "used_at"]
    list_filter = ["supplier"]
    search_fields = ["supplier__code", "supplier__name"]
    exclude = ["nonce"]
    readonly_fields = [f.name for f in SupplierUploadLink._meta.fields if f.name not in {"id", "nonce"}]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
