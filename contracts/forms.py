"""The contract form: what a buyer types is checked and bounded here, and kept on an error."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import MAX_PAYMENT_DAYS, Contract, LegalEntity, Supplier
from procurement.money import decimal_text, from_minor

from .services import MAX_CAP, MAX_PRICES, ContractSpec, PriceSpec

_NUMBER = re.compile(r"^\d{1,13}(\.\d{1,6})?$")


class ContractForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Number"), max_length=30)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Contract.Kind.choices)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Contract.Status.choices)
    supplier = forms.ModelChoiceField(
        label=gettext_lazy("Supplier"),
        queryset=Supplier.objects.filter(is_active=True).order_by("name"),
        error_messages={"invalid_choice": gettext_lazy("Pick a supplier from the list.")},
    )
    legal_entity = forms.ModelChoiceField(
        label=gettext_lazy("Legal entity"),
        queryset=LegalEntity.objects.none(),
        error_messages={"invalid_choice": gettext_lazy("Pick one of your legal entities.")},
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=gettext_lazy("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, min_length=3)
    cap = forms.DecimalField(
        label=gettext_lazy("Cap"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=MAX_CAP,
        max_digits=17,
        decimal_places=3,
        help_text=gettext_lazy("Empty: no cap."),
    )
    minimum_order = forms.DecimalField(
        label=gettext_lazy("Minimum order value"),
        required=False,
        min_value=Decimal(0),
        max_value=MAX_CAP,
        max_digits=17,
        decimal_places=3,
    )
    payment_net_days = forms.IntegerField(
        label=gettext_lazy("Payment due (days net)"), min_value=0, max_value=MAX_PAYMENT_DAYS, initial=30
    )
    early_discount_percent = forms.DecimalField(
        label=gettext_lazy("Early-payment discount (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )
    early_discount_days = forms.IntegerField(
        label=gettext_lazy("Discount if paid within (days)"), required=False, min_value=0, max_value=MAX_PAYMENT_DAYS
    )
    prices = forms.CharField(
        label=gettext_lazy("Prices"),
        required=False,
        max_length=400_000,
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text=gettext_lazy(
            "One item a line: SKU, unit price, then its tiers as quantity:price, e.g. "
            "“A4-500 9.00 10:8.50 100:8.00” (from 10 boxes 8.50, from 100 8.00)."
        ),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(label=gettext_lazy("Attach a file"), required=False)

    def __init__(self, *args: object, entities: QuerySet[LegalEntity], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["legal_entity"].queryset = entities  # type: ignore[attr-defined]
        for field in self.fields.values():
            kind = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = " ".join(filter(None, [field.widget.attrs.get("class", ""), kind]))

    def mark_invalid(self) -> None:
        """Fields with errors read as invalid, pointing at their messages (call after validation)."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}-error"

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()

    def clean_prices(self) -> list[PriceSpec]:
        text = str(self.cleaned_data.get("prices") or "")
        specs, problems = price_lines_parse(text)
        if problems:
            raise forms.ValidationError(problems[:10])
        return specs

    def spec(self) -> ContractSpec:
        data = self.cleaned_data
        return ContractSpec(
            number=data["number"],
            title=data["title"],
            kind=data["kind"],
            status=data["status"],
            supplier=data["supplier"],
            legal_entity=data["legal_entity"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            currency=data["currency"],
            cap=data.get("cap"),
            minimum_order=data.get("minimum_order") or Decimal(0),
            payment_net_days=data["payment_net_days"],
            early_discount_percent=data.get("early_discount_percent") or Decimal(0),
            early_discount_days=data.get("early_discount_days") or 0,
            notes=data.get("notes") or "",
        )


def _decimal(text: str) -> Decimal | None:
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def price_lines_parse(text: str) -> tuple[list[PriceSpec], list[str]]:
    """Price lines as typed ("SKU 9.00 10:8.50 100:8.00"): the prices, and a message for each bad line."""
    specs: list[PriceSpec] = []
    problems: list[str] = []
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_PRICES:
        return [], [_("At most %(max)s prices.") % {"max": MAX_PRICES}]
    for number, line in enumerate(lines, 1):
        words = line.replace(";", " ").replace(",", " ").split()
        price = _decimal(words[1]) if len(words) >= 2 else None
        if price is None:
            problems.append(
                _("Line %(number)s: give the SKU then its unit price, e.g. A4-500 9.00.") % {"number": number}
            )
            continue
        tiers = []
        for word in words[2:]:
            quantity_text, _sep, price_text = word.partition(":")
            quantity, tier_price = _decimal(quantity_text), _decimal(price_text)
            if quantity is None or tier_price is None:
                problems.append(
                    _("Line %(number)s: write a tier as quantity:price, e.g. 10:8.50, not %(word)s.")
                    % {"number": number, "word": word[:30]}
                )
                break
            tiers.append((quantity, tier_price))
        else:
            specs.append(PriceSpec(sku=words[0][:64], unit_price=price, tiers=tuple(tiers)))
    return specs, problems


def price_lines_text(contract: Contract) -> str:
    """The contract's prices as the form writes them (prefetched prices and tiers)."""
    rows = []
    for price in contract.prices.all():
        words = [price.item.sku, decimal_text(from_minor(price.unit_price_minor, price.currency))]
        words += [
            f"{decimal_text(tier.min_quantity)}:{decimal_text(from_minor(tier.unit_price_minor, price.currency))}"
            for tier in price.tiers.all()
        ]
        rows.append(" ".join(words))
    return "\n".join(rows)
