from django.contrib import admin
from django.http import HttpRequest

from .models import Invoice, InvoiceAttachment, InvoiceLine, MatchTolerance


class InvoiceLineInline(admin.TabularInline[InvoiceLine, Invoice]):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in InvoiceLine._meta.fields if f.name != "id"]


class InvoiceAttachmentInline(admin.TabularInline[InvoiceAttachment, Invoice]):
    model = InvoiceAttachment
    extra = 0
    can_delete = False
    fields = ["filename", "content_type", "size", "sha256", "uploaded_at", "uploaded_by"]
    readonly_fields = ["filename", "content_type", "size", "sha256", "uploaded_at", "uploaded_by"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin[Invoice]):
    """Read here; invoices change through the match, the approvals of exceptions and the ERP's payment report,
    so that orders and budgets follow."""

    list_display = ["number", "kind", "legal_entity", "supplier", "invoice_date", "status", "total_minor", "currency"]
    list_filter = ["legal_entity", "status", "kind", "source"]
    search_fields = ["number", "supplier__code", "payload_id"]
    exclude = ["document"]
    inlines = [InvoiceLineInline, InvoiceAttachmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False


@admin.register(MatchTolerance)
class MatchToleranceAdmin(admin.ModelAdmin[MatchTolerance]):
    """How far invoices may differ and still match, per legal entity (a supplier's row wins); in major units."""

    list_display = [
        "legal_entity",
        "supplier",
        "match_mode",
        "price_percent",
        "price_amount",
        "quantity_percent",
        "two_way_unspsc_prefixes",
    ]
    list_filter = ["legal_entity", "match_mode"]
    search_fields = ["supplier__code"]
