"""Tax codes of a legal entity: the VAT rates it applies to what it buys (docs/money.md, "Taxes")."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..money import decimal_text
from .organisation import LegalEntity


class TaxKind(models.TextChoices):
    """What a catalog item or a tax code is: the entity's code of that kind (and rate) applies to a line."""

    STANDARD = "standard", _("Standard")
    REDUCED = "reduced", _("Reduced")
    ZERO = "zero", _("Zero-rated")
    EXEMPT = "exempt", _("Exempt")
    REVERSE_CHARGE = "reverse_charge", _("Reverse charge")


class TaxCategory(models.TextChoices):
    """UNCL5305 duty or tax category codes, as Peppol BIS 3.0 and Factur-X (EN 16931) write them."""

    STANDARD = "S", _("S — standard rate")
    REDUCED = "AA", _("AA — lower rate")
    ZERO = "Z", _("Z — zero rated goods")
    EXEMPT = "E", _("E — exempt from tax")
    REVERSE_CHARGE = "AE", _("AE — VAT reverse charge")
    INTRA_COMMUNITY = "K", _("K — intra-community supply (EEA)")
    EXPORT = "G", _("G — free export item, tax not charged")
    NOT_SUBJECT = "O", _("O — services outside scope of tax")
    CANARY_ISLANDS = "L", _("L — Canary Islands general indirect tax")
    CEUTA_MELILLA = "M", _("M — tax for production, services and importation in Ceuta and Melilla")
    TRANSFERRED = "B", _("B — transferred (VAT), Italy")


class TaxCode(models.Model):
    """A VAT rate a legal entity applies: 20 % standard in France, 6 % reduced in Sweden, reverse charge …

    One code per entity is its default: the code of a free-text line when nothing else says otherwise."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="tax_codes")
    code = models.CharField(max_length=20, help_text=_("Short code, unique in the entity (S20, AA5.5, AE …)."))
    name = models.CharField(max_length=100)
    rate = models.DecimalField(
        "rate (%)", max_digits=6, decimal_places=3, help_text=_("In percent: 20 for 20 %, 5.5 for 5.5 %.")
    )
    kind = models.CharField(max_length=20, choices=TaxKind.choices)
    category = models.CharField(
        "UNCL5305 category", max_length=3, choices=TaxCategory.choices, help_text=_("As Peppol and Factur-X write it.")
    )
    recoverable = models.BooleanField(default=True, help_text=_("The entity may deduct this tax (input VAT)."))
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False, help_text=_("The code of free-text and punchout lines."))

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
