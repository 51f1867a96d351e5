"""Amounts people type in the admin: in major units of their currency ("50.00" EUR), stored in minor units
(5000). One form base for every *_minor column an administrator edits (docs/money.md)."""

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from .money import MAX_TYPED_PRICE, currency_digits, from_minor, is_currency, to_minor, within_currency_digits

MAX_TYPED_AMOUNT = Decimal(10) ** 13  # limits and budgets: like budgets.services.MAX_AMOUNT


def major_amount_field(
    label: StrOrPromise, *, required: bool = False, help_text: StrOrPromise = ""
) -> forms.DecimalField:
    """A form field for an amount in major units (up to 3 decimals: BHD, KWD …), never negative."""
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=MAX_TYPED_AMOUNT,
        max_digits=17,
        decimal_places=3,
        help_text=help_text,
    )


class MajorAmountsForm(forms.ModelForm):
    """A model form whose `amounts` are typed and shown in major units, stored in their *_minor columns.

    `amounts` maps a form field to (its model minor-unit field, the field holding its currency); the currency is
    read from the form when it has that field, else from the object (a legal entity's own currency)."""

    amounts: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (minor_field, currency_field) in self.amounts.items():
            if name not in self.fields:
                continue
            currency = getattr(self.instance, currency_field, "") or ""
            minor = getattr(self.instance, minor_field, None)
            if minor is not None and is_currency(currency):
                self.initial[name] = from_minor(minor, currency)
            where = (
                f"in {currency}"
                if is_currency(currency)
                else _("in major units of the %(replace)s") % {"replace": currency_field.replace("_", " ")}
            )
            self.fields[name].label = f"{self.fields[name].label} ({where})"
            self.fields[name].help_text = " ".join(
                str(part) for part in (self.fields[name].help_text, _("e.g. 50.00 for fifty, not 5000.")) if part
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, (minor_field, currency_field) in self.amounts.items():
            if name not in self.fields or name in self.errors:
                continue
            value = cleaned.get(name)
            currency = cleaned.get(currency_field) if currency_field in self.fields else None
            currency = currency or getattr(self.instance, currency_field, "") or ""
            if value is None:
                setattr(self.instance, minor_field, None if self.instance._meta.get_field(minor_field).null else 0)
                continue
            if not is_currency(currency):
                if value == 0:  # nothing to convert: a price list that takes a percentage off
                    setattr(self.instance, minor_field, 0)
                    continue
                self.add_error(name, _("Give the currency (an ISO 4217 code) of this amount."))
                continue
            if not within_currency_digits(value, currency):
                self.add_error(
                    name,
                    _("%(currency)s amounts have %(currency_digits)s decimals at most.")
                    % {"currency": currency, "currency_digits": currency_digits(currency)},
                )
                continue
            setattr(self.instance, minor_field, to_minor(value, currency))
        return cleaned


__all__ = ["MAX_TYPED_PRICE", "MajorAmountsForm", "major_amount_field"]
