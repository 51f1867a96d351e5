"""API shapes of the core app. Amounts are decimal strings with a currency code."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import CatalogItem, LegalEntity, Supplier
from .money import Money


class MoneySerializer(serializers.Serializer[Money]):
    amount = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    currency = serializers.RegexField(r"^[A-Z]{3}$")


class LegalEntitySerializer(serializers.ModelSerializer[LegalEntity]):
    class Meta:
        model = LegalEntity
        fields = ["code", "name", "currency", "tax_id"]


class CatalogItemSerializer(serializers.ModelSerializer[CatalogItem]):
    supplier: serializers.SlugRelatedField[Supplier] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    # Declared, so the schema does not depend on the database backend's integer range.
    lead_time_days = serializers.IntegerField(read_only=True, min_value=0)
    price = serializers.SerializerMethodField()
    base_price = serializers.SerializerMethodField()
    attributes = serializers.SerializerMethodField()

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
            "price",
            "base_price",
            "attributes",
        ]

    @extend_schema_field(MoneySerializer)
    def get_price(self, item: CatalogItem) -> dict[str, str]:
        prices: dict[int, Money] = self.context.get("prices", {})
        return (prices.get(item.pk) or item.base_price).as_api()

    @extend_schema_field(MoneySerializer)
    def get_base_price(self, item: CatalogItem) -> dict[str, str]:
        return item.base_price.as_api()

    def get_attributes(self, item: CatalogItem) -> dict[str, str]:
        return {attribute.name: attribute.value for attribute in item.attributes.all()}


class CatalogItemCreateSerializer(serializers.Serializer[CatalogItem]):
    supplier: serializers.SlugRelatedField[Supplier] = serializers.SlugRelatedField(
        slug_field="code", queryset=Supplier.objects.filter(is_active=True)
    )
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    unspsc = serializers.RegexField(r"^\d{8}$", error_messages={"invalid": "Give an 8-digit UNSPSC code."})
    unit = serializers.RegexField(r"^[A-Za-z0-9]{2,3}$", error_messages={"invalid": "Give a UN/CEFACT unit code."})
    price = MoneySerializer()
    lead_time_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)
    manufacturer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    manufacturer_part_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    attributes = serializers.DictField(child=serializers.CharField(max_length=100), required=False, default=dict)

    def validate_price(self, value: dict[str, Any]) -> dict[str, Any]:
        if Decimal(value["amount"]) < 0:
            raise serializers.ValidationError("A price cannot be negative.")
        return value
