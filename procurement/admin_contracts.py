"""The admin of contracts: the contract with its attachments and prices, prices with their tiers, the ledger."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from .admin_amounts import MajorAmountsForm, major_amount_field
from .models import Contract, ContractAttachment, ContractLedgerEntry, ContractPrice, ContractPriceTier


class ContractForm(MajorAmountsForm):
    amounts = {"cap": ("cap_minor", "currency"), "minimum_order": ("minimum_order_minor", "currency")}
    cap = major_amount_field(gettext_lazy("Cap"), help_text=gettext_lazy("Empty: no cap."))
    minimum_order = major_amount_field(gettext_lazy("Minimum order value"))

    class Meta:
        model = Contract
        exclude = ["cap_minor", "minimum_order_minor"]


class ContractAttachmentInline(admin.TabularInline[ContractAttachment, Contract]):
    model = ContractAttachment
    extra = 0
    fields = ["file", "title", "uploaded_by"]
    autocomplete_fields = ["uploaded_by"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    form = ContractForm
    list_display = ["number", "title", "kind", "status", "supplier", "legal_entity", "valid_from", "valid_to"]
    list_filter = ["kind", "status", "legal_entity"]
    search_fields = ["number", "title", "supplier__name", "supplier__code"]
    list_select_related = ["supplier", "legal_entity"]
    autocomplete_fields = ["supplier", "owner"]
    inlines = [ContractAttachmentInline]


class ContractPriceForm(MajorAmountsForm):
    amounts = {"unit_price": ("unit_price_minor", "currency")}
    unit_price = major_amount_field(gettext_lazy("Unit price"), required=True)

    class Meta:
        model = ContractPrice
        exclude = ["unit_price_minor"]


class ContractPriceTierInline(admin.TabularInline[ContractPriceTier, ContractPrice]):
    model = ContractPriceTier
    extra = 0
    fields = ["min_quantity", "unit_price_minor"]


@admin.register(ContractPrice)
class ContractPriceAdmin(admin.ModelAdmin[ContractPrice]):
    form = ContractPriceForm
    list_display = ["contract", "item", "unit_price_minor", "currency"]
    list_filter = ["contract__legal_entity", "currency"]
    search_fields = ["contract__number", "item__sku", "item__name"]
    list_select_related = ["contract", "item"]
    autocomplete_fields = ["contract", "item"]
    inlines = [ContractPriceTierInline]


@admin.register(ContractPriceTier)
class ContractPriceTierAdmin(admin.ModelAdmin[ContractPriceTier]):
    list_display = ["price", "min_quantity", "unit_price_minor"]
    search_fields = ["price__contract__number", "price__item__sku"]
    list_select_related = ["price__contract", "price__item"]


@admin.register(ContractAttachment)
class ContractAttachmentAdmin(admin.ModelAdmin[ContractAttachment]):
    list_display = ["contract", "title", "file", "uploaded_at"]
    search_fields = ["contract__number", "title"]
    list_select_related = ["contract"]


@admin.register(ContractLedgerEntry)
class ContractLedgerEntryAdmin(admin.ModelAdmin[ContractLedgerEntry]):
    list_display = ["contract", "kind", "amount_minor", "currency", "reference", "created_at"]
    list_filter = ["kind", "contract__legal_entity"]
    search_fields = ["contract__number", "reference"]
    list_select_related = ["contract"]
