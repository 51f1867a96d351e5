from django.contrib import admin

from .models import Claim, ClaimPhoto


class ClaimPhotoInline(admin.TabularInline):
    model = ClaimPhoto
    extra = 0
    readonly_fields = ["file", "content_type", "size", "original_name", "uploaded_at"]
    can_delete = False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["number", "legal_entity", "supplier", "kind", "status", "quantity", "raised_at"]
    list_filter = ["status", "kind", "legal_entity"]
    search_fields = ["number", "purchase_order__number", "supplier__code"]
    exclude = ["link_token_hash"]
    readonly_fields = [field.name for field in Claim._meta.fields if field.name != "link_token_hash"]
    inlines = [ClaimPhotoInline]

    def has_add_permission(self, request: object) -> bool:
        return False
