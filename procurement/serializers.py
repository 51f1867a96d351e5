"""API shapes of the core app. Amounts are decimal strings with a currency code."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from .models import QUANTITY_STEP, CatalogItem, LegalEntity, Supplier, TaxKind
from .money import Money, decimal_text
from .selectors import PriceQuote


class MoneySerializer(serializers.Serializer[Money]):
    amount = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    currency = serializers.RegexField(r"^[A-Z]{3}$")


class LegalEntitySerializer(serializers.ModelSerializer[LegalEntity]):
    class Meta:
        model = LegalEntity
        fields = ["code", "name", "currency", "tax_id", "country"]


class CatalogItemSerializer(serializers.ModelSerializer[CatalogItem]):
    supplier: serializers.SlugRelatedField[Supplier] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    # Declared, so the schema does not depend on the database backend's integer range.
    lead_time_days = serializers.IntegerField(read_only=True, min_value=0)
    order_multiple = serializers.SerializerMethodField(
        help_text='Quantities are whole multiples of this (plain digits, e.g. "12"; "0.001": any quantity).'
    )
    minimum_quantity = serializers.SerializerMethodField(help_text="The smallest quantity one may order.")
    pack_size = serializers.SerializerMethodField(
        help_text='How many pieces one order unit holds (plain digits, e.g. "12"); null for single pieces.'
    )
    price = serializers.SerializerMethodField()
    base_price = serializers.SerializerMethodField()
    price_source = serializers.SerializerMethodField(
        help_text="Where `price` comes from: `contract` (a contract in force, at the tier of the minimum quantity), "
        "`price_list` or `base`."
    )
    contract = serializers.SerializerMethodField(help_text="The number of the contract the price comes from, or null.")
    price_tiers = serializers.SerializerMethodField(
        help_text="The contract's volume tiers: from `min_quantity` on (inclusive), `price` a unit."
    )
    attributes = serializers.SerializerMethodField()
    tax_rate = serializers.SerializerMethodField(
        help_text='The VAT rate in percent ("5.5") when the kind has several; null: the entity\'s rate of the kind.'
    )

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            "sku",
            "name",
            "description",
            "supplier",
            "supplier_name",
            "unit",
            "unspsc",
            "lead_time_days",
            "manufacturer",
            "manufacturer_part_id",
            "order_multiple",
            "minimum_quantity",
            "pack_size",
            "image_url",
            "datasheet_url",
            "price",
            "base_price",
            "price_source",
            "contract",
            "price_tiers",
            "attributes",
            "tax_kind",
            "tax_rate",
        ]

    def get_order_multiple(self, item: CatalogItem) -> str:
        return decimal_text(item.order_multiple)

    def get_minimum_quantity(self, item: CatalogItem) -> str:
        return decimal_text(item.smallest_quantity)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pack_size(self, item: CatalogItem) -> str | None:
        return item.pack_size_text or None

    def _quote(self, item: CatalogItem) -> PriceQuote | None:
        quotes: dict[int, PriceQuote] = self.context.get("quotes", {})
        return quotes.get(item.pk)

    @extend_schema_field(MoneySerializer)
    def get_price(self, item: CatalogItem) -> dict[str, str]:
        quote = self._quote(item)
        return (quote.price if quote else item.base_price).as_api()

    @extend_schema_field(serializers.ChoiceField(choices=["contract", "price_list", "base"]))
    def get_price_source(self, item: CatalogItem) -> str:
        quote = self._quote(item)
        return quote.source if quote else PriceQuote.Source.BASE

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contract(self, item: CatalogItem) -> str | None:
        quote = self._quote(item)
        return quote.contract.contract_number if quote and quote.contract else None

    @extend_schema_field(
        inline_serializer("PriceTier", {"min_quantity": serializers.CharField(), "price": MoneySerializer()}, many=True)
    )
    def get_price_tiers(self, item: CatalogItem) -> list[dict[str, Any]]:
        quote = self._quote(item)
        if quote is None or quote.contract is None:
            return []
        return [{"min_quantity": quantity, "price": price.as_api()} for quantity, price in quote.contract.tier_prices]

    @extend_schema_field(MoneySerializer)
    def get_base_price(self, item: CatalogItem) -> dict[str, str]:
        return item.base_price.as_api()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_tax_rate(self, item: CatalogItem) -> str | None:
        return None if item.tax_rate is None else decimal_text(item.tax_rate)

    def get_attributes(self, item: CatalogItem) -> dict[str, str]:
        return {attribute.name: attribute.value for attribute in item.attributes.all()}


class CatalogItemCreateSerializer(serializers.Serializer[CatalogItem]):
    supplier: serializers.SlugRelatedField[Supplier] = serializers.SlugRelatedField(
        slug_field="code", queryset=Supplier.objects.filter(is_active=True)
    )
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    unspsc = serializers.RegexField(
        r"^\d{8}$", error_messages={"invalid": gettext_lazy("Give an 8-digit UNSPSC code.")}
    )
    unit = serializers.RegexField(
        r"^[A-Za-z0-9]{2,3}$", error_messages={"invalid": gettext_lazy("Give a UN/CEFACT unit code.")}
    )
    price = MoneySerializer()
    lead_time_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)
    manufacturer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    manufacturer_part_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    attributes = serializers.DictField(child=serializers.CharField(max_length=100), required=False, default=dict)
    order_multiple = serializers.DecimalField(
        max_digits=13,
        decimal_places=3,
        min_value=QUANTITY_STEP,
        default=QUANTITY_STEP,
        help_text="Quantities are whole multiples of this: 1 for pieces, 12 for an item sold by the dozen.",
    )
    minimum_quantity = serializers.DecimalField(
        max_digits=13, decimal_places=3, min_value=QUANTITY_STEP, default=QUANTITY_STEP
    )
    tax_kind = serializers.ChoiceField(
        choices=TaxKind.choices, default=TaxKind.STANDARD, help_text="The buying entity's code of this kind applies."
    )
    tax_rate = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=Decimal(0), max_value=Decimal(100), required=False,
        allow_null=True, default=None, help_text="In percent, when the kind has several rates (5.5 reduced in France).",
    )  # fmt: skip

    def validate_price(self, value: dict[str, Any]) -> dict[str, Any]:
        if Decimal(value["amount"]) < 0:
            raise serializers.ValidationError(_("A price cannot be negative."))
        return value


class CredentialSerializer(serializers.Serializer[dict[str, str]]):
    """A cXML credential: the domain (NetworkID, DUNS …) and the identity within it."""

    domain = serializers.CharField(max_length=40, allow_blank=True, default="")
    identity = serializers.CharField(max_length=100, allow_blank=True, default="")


class SupplierSerializer(serializers.Serializer[Supplier]):
    """A supplier as configured by administrators; the shared secret can be written, never read."""

    code = serializers.RegexField(r"^[A-Z0-9][A-Z0-9_-]*$", max_length=30)
    name = serializers.CharField(max_length=200)
    currency = serializers.RegexField(r"^[A-Z]{3}$")
    order_method = serializers.ChoiceField(choices=Supplier.OrderMethod.choices, default=Supplier.OrderMethod.NONE)
    order_url = serializers.URLField(allow_blank=True, default="")
    order_from = CredentialSerializer(required=False)
    order_to = CredentialSerializer(required=False)
    order_sender = CredentialSerializer(required=False)
    shared_secret = serializers.CharField(max_length=200, allow_blank=True, write_only=True, required=False)
    has_shared_secret = serializers.SerializerMethodField()
    email = serializers.EmailField(allow_blank=True, default="", help_text="Where e-mailed orders go.")
    contact_name = serializers.CharField(max_length=100, allow_blank=True, default="")
    contact_email = serializers.EmailField(allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, allow_blank=True, default="")
    tax_id = serializers.CharField(max_length=40, allow_blank=True, default="")
    address = serializers.CharField(allow_blank=True, default="")
    country = serializers.RegexField(
        r"^[A-Z]{2}$", allow_blank=True, default="", help_text="ISO 3166 alpha-2 code (SE): decides EU reverse charge."
    )
    is_active = serializers.BooleanField(default=True)

    def get_has_shared_secret(self, supplier: Supplier) -> bool:
        return bool(supplier.order_shared_secret)

    def to_representation(self, supplier: Supplier) -> dict[str, Any]:
        return {
            "code": supplier.code,
            "name": supplier.name,
            "currency": supplier.currency,
            "order_method": supplier.order_method,
            "order_url": supplier.order_url,
            "order_from": {"domain": supplier.order_from_domain, "identity": supplier.order_from_identity},
            "order_to": {"domain": supplier.order_to_domain, "identity": supplier.order_to_identity},
            "order_sender": {"domain": supplier.order_sender_domain, "identity": supplier.order_sender_identity},
            "has_shared_secret": bool(supplier.order_shared_secret),
            "email": supplier.order_email,
            "contact_name": supplier.contact_name,
            "contact_email": supplier.contact_email,
            "phone": supplier.phone,
            "tax_id": supplier.tax_id,
            "address": supplier.address,
            "country": supplier.country,
            "is_active": supplier.is_active,
        }

    def model_fields(self) -> dict[str, Any]:
        """The validated body as Supplier field values (only the fields given, for PATCH)."""
        data = dict(self.validated_data)
        fields: dict[str, Any] = {}
        for credential in ("order_from", "order_to", "order_sender"):
            if credential in data:
                value = data.pop(credential)
                fields[f"{credential}_domain"] = value.get("domain", "")
                fields[f"{credential}_identity"] = value.get("identity", "")
        if "shared_secret" in data:
            fields["order_shared_secret"] = data.pop("shared_secret")
        if "email" in data:
            fields["order_email"] = data.pop("email")
        return fields | data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current: Supplier | None = self.instance
        method = attrs.get("order_method", current.order_method if current else Supplier.OrderMethod.NONE)
        url = attrs.get("order_url", current.order_url if current else "")
        email = attrs.get("email", current.order_email if current else "")
        if method == Supplier.OrderMethod.CXML and not url:
            raise serializers.ValidationError({"order_url": _("cXML ordering needs the supplier's order URL.")})
        if method == Supplier.OrderMethod.EMAIL and not email:
            raise serializers.ValidationError({"email": _("E-mail ordering needs the address orders go to.")})
        return attrs
