"""Validators and steps the core's models share with forms, serializers and services."""

from decimal import Decimal

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy

currency_code_validator = RegexValidator(r"^[A-Z]{3}$", gettext_lazy("Use an ISO 4217 code such as EUR."))
entity_code_validator = RegexValidator(r"^[A-Z0-9][A-Z0-9_-]*$", gettext_lazy("Use capitals, digits, - and _."))
unspsc_validator = RegexValidator(r"^\d{2}(\d{2}){0,3}$", gettext_lazy("UNSPSC codes have 2, 4, 6 or 8 digits."))
QUANTITY_STEP = Decimal("0.001")  # quantities are stored with 3 decimals
unit_validator = RegexValidator(r"^[A-Z0-9]{2,3}$", gettext_lazy("Use a UN/CEFACT unit code such as EA or C62."))
country_code_validator = RegexValidator(r"^[A-Z]{2}$", gettext_lazy("Use an ISO 3166 alpha-2 country code such as FR."))
