"""Tax codes of a legal entity: the VAT rates it applies to what it buys (docs/money.md, "Taxes")."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from ..money import decimal_text
from .organisation import LegalEntity


class TaxKind(models.TextChoices):
    """What a catalog item or a tax code is: the entity's code of that kind (and rate) applies to a line."""

    STANDARD = "standard", "Standard"
    REDUCED = "reduced", "Reduced"
    ZERO = "zero", "Zero-rated"
    EXEMPT = "exempt", "Exempt"
    REVERSE_CHARGE = "reverse_charge", "Reverse charge"


class TaxCategory(models.TextChoices):
    """UNCL5305 duty or tax category codes, as Peppol BIS 3.0 and Factur-X (EN 16931) write them."""

    STANDARD = "S", "S — standard rate"
    REDUCED = "AA", "AA — lower rate"
    ZERO = "Z", "Z — zero rated goods"
    EXEMPT = "E", "E — exempt from tax"
    REVERSE_CHARGE = "AE", "AE — VAT reverse charge"
    INTRA_COMMUNITY = "K", "K — intra-community supply (EEA)"
    EXPORT = "G", "G — free export item, tax not charged"
    NOT_SUBJECT = "O", "O — services outside scope of tax"
    CANARY_ISLANDS = "L", "L — Canary Islands general indirect tax"
    CEUTA_MELILLA = "M", "M — tax for production, services and importation in Ceuta and Melilla"
    TRANSFERRED = "B", "B — transferred (VAT), Italy"


class TaxCode(models.Model):
    """A VAT rate a legal entity applies: 20 % standard in France, 6 % reduced in Sweden, reverse charge …

    One code per entity is its default: the code of a free-text line when nothing else says otherwise."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="tax_codes")
    code = models.CharField(max_length=20, help_text="Short code, unique in the entity (S20, AA5.5, AE …).")
    name = models.CharField(max_length=100)
    rate = models.DecimalField(
        "rate (%)", max_digits=6, decimal_places=3, help_text="In percent: 20 for 20 %, 5.5 for 5.5 %."
    )
    kind = models.CharField(max_length=20, choices=TaxKind.choices)
    category = models.CharField(
        "UNCL5305 category", max_length=3, choices=TaxCategory.choices, help_text="As Peppol and Factur-X write it."
    )
    recoverable = models.BooleanField(default=True, help_text="The entity may deduct this tax (input VAT).")
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False, help_text="The code of free-text and punchout lines.")

    class Meta:
        ordering = ["legal_entity", "kind", "-rate", "code"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "code"], name="tax_code_once_per_entity"),
            models.UniqueConstraint(
                fields=["legal_entity"], condition=Q(is_default=True), name="tax_code_one_default_per_entity"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=100), name="tax_code_rate_range"),
            models.CheckConstraint(
                condition=~Q(kind__in=["zero", "exempt", "reverse_charge"]) | Q(rate=0),
                name="tax_code_zero_kinds_rate_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def rate_text(self) -> str:
        """The rate as a clerk reads it: "5.5 %", "20 %"."""
        return f"{decimal_text(Decimal(self.rate))} %"
