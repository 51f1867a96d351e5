"""API shapes of contracts: amounts are {"amount", "currency"} decimal strings, quantities plain decimal strings."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from procurement.contract_ledger import contract_burn_down
from procurement.models import MAX_PAYMENT_DAYS, Contract
from procurement.money import Money, decimal_text
from procurement.serializers import MoneySerializer

from .services import MAX_CAP, MAX_PRICES, MAX_TIERS, PriceSpec


def money_or_none(money: Money | None) -> dict[str, str] | None:
    return None if money is None else money.as_api()


class TierSerializer(serializers.Serializer[Any]):
    min_quantity = serializers.DecimalField(max_digits=13, decimal_places=3, min_value=Decimal("0.001"))
    unit_price = MoneySerializer()


class PriceSerializer(serializers.Serializer[Any]):
    sku = serializers.CharField(max_length=64)
    unit_price = MoneySerializer()
    tiers = TierSerializer(many=True, required=False, max_length=MAX_TIERS)  # type: ignore[call-arg]


class PaymentTermsSerializer(serializers.Serializer[Any]):
    net_days = serializers.IntegerField(min_value=0, max_value=MAX_PAYMENT_DAYS)
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False
    )
    discount_days = serializers.IntegerField(min_value=0, max_value=MAX_PAYMENT_DAYS, required=False)


class AmountSerializer(serializers.Serializer[Any]):
    amount = serializers.DecimalField(max_digits=17, decimal_places=3, min_value=Decimal(0), max_value=MAX_CAP)
    currency = serializers.RegexField(r"^[A-Z]{3}$")


class ContractWriteSerializer(serializers.Serializer[Any]):
    """What POST creates and PATCH changes (PATCH: only the fields given; `prices`, when given, replace all)."""

    number = serializers.CharField(max_length=30)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Contract.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=Contract.Status.choices, required=False)
    supplier = serializers.CharField(max_length=30, help_text="Supplier code.")
    legal_entity = serializers.CharField(max_length=30, help_text="Legal entity code.")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    currency = serializers.RegexField(r"^[A-Z]{3}$")
    cap = AmountSerializer(required=False, allow_null=True, help_text="null: no cap.")
    minimum_order = AmountSerializer(required=False)
    payment_terms = PaymentTermsSerializer(required=False)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    prices = PriceSerializer(many=True, required=False, max_length=MAX_PRICES)  # type: ignore[call-arg]


def price_specs(rows: list[dict[str, Any]]) -> list[PriceSpec]:
    return [
        PriceSpec(
            sku=row["sku"],
            unit_price=row["unit_price"]["amount"],
            tiers=tuple((tier["min_quantity"], tier["unit_price"]["amount"]) for tier in row.get("tiers", [])),
        )
        for row in rows
    ]


def contract_data(contract: Contract, *, with_prices: bool = False) -> dict[str, Any]:
    """A contract as the API shows it: its header, payment terms, burn-down and (one contract) its prices."""
    burn = contract_burn_down(contract)
    data: dict[str, Any] = {
        "id": contract.pk,
        "number": contract.number,
        "title": contract.title,
        "kind": contract.kind,
        "status": contract.status,
        "supplier": contract.supplier.code,
        "legal_entity": contract.legal_entity.code,
        "valid_from": contract.valid_from.isoformat(),
        "valid_to": contract.valid_to.isoformat(),
        "currency": contract.currency,
        "cap": money_or_none(contract.cap),
        "minimum_order": contract.minimum_order.as_api(),
        "payment_terms": {
            "net_days": contract.payment_net_days,
            "discount_percent": decimal_text(contract.early_discount_percent),
            "discount_days": contract.early_discount_days,
        },
        "owner": contract.owner.user.get_username() if contract.owner else None,
        "burn_down": {
            "committed": burn.committed.as_api(),
            "invoiced": burn.invoiced.as_api(),
            "used": burn.used.as_api(),
            "remaining": money_or_none(burn.remaining),
            "percent_used": None if burn.percent_used is None else decimal_text(burn.percent_used, 1),
        },
    }
    if with_prices:
        data["prices"] = [
            {
                "sku": price.item.sku,
                "item_id": price.item_id,
                "unit_price": price.unit_price.as_api(),
                "tiers": [
                    {
                        "min_quantity": decimal_text(tier.min_quantity),
                        "unit_price": Money.from_minor(tier.unit_price_minor, price.currency).as_api(),
                    }
                    for tier in price.tiers.all()
                ],
            }
            for price in contract.prices.all()
        ]
    return data
