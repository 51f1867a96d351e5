"""Contracts and framework agreements with a supplier: negotiated prices with volume tiers, payment terms, a
value cap and the ledger that burns it down.

A contract price in force beats the price lists (procurement.selectors.catalog_pricing_applicable); orders
placed at a framework agreement's prices write committed entries to its ledger, and the cap's remaining
amount is the cap less their sum (money.contract_cap_used_minor).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..money import Money, decimal_text
from .catalog import CatalogItem, Supplier
from .organisation import Employee, LegalEntity
from .validators import QUANTITY_STEP, currency_code_validator, entity_code_validator

MAX_PAYMENT_DAYS = 365  # a payment term of at most a year


class Contract(models.Model):
    """What a legal entity agreed with a supplier for a period: prices, payment terms and (for a framework
    agreement) a value cap its release orders consume."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        FRAMEWORK = "framework", _("Framework agreement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    number = models.CharField(_("number"), max_length=30, unique=True, validators=[entity_code_validator])
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CONTRACT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="contracts")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="contracts")
    owner = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="contracts_owned"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code_validator])
    # Empty: no cap (a contract without a ceiling on what may be ordered).
    cap_minor = models.BigIntegerField(_("cap (minor units)"), null=True, blank=True, validators=[MinValueValidator(1)])
    minimum_order_minor = models.BigIntegerField(
        _("minimum order value (minor units)"), default=0, validators=[MinValueValidator(0)]
    )
    payment_net_days = models.PositiveSmallIntegerField(
        _("payment due (days net)"), default=30, validators=[MaxValueValidator(MAX_PAYMENT_DAYS)]
    )
    early_discount_percent = models.DecimalField(
        _("early-payment discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    early_discount_days = models.PositiveSmallIntegerField(
        _("early-payment discount within (days)"), default=0, validators=[MaxValueValidator(MAX_PAYMENT_DAYS)]
    )
    notes = models.TextField(_("notes"), blank=True)
    # When the buyers were told that it ends soon / that 80 % of its cap is used (contracts.alerts): once each.
    expiry_alert_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    cap_alert_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-valid_to", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="contract_valid_to_after_from"),
            models.CheckConstraint(
                condition=Q(cap_minor__isnull=True) | Q(cap_minor__gt=0), name="contract_cap_positive"
            ),
            models.CheckConstraint(condition=Q(minimum_order_minor__gte=0), name="contract_minimum_not_negative"),
            models.CheckConstraint(
                condition=Q(payment_net_days__lte=MAX_PAYMENT_DAYS), name="contract_payment_days_bounded"
            ),
            models.CheckConstraint(
                condition=Q(early_discount_percent__gte=0) & Q(early_discount_percent__lte=100),
                name="contract_discount_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(early_discount_days__lte=F("payment_net_days")), name="contract_discount_within_term"
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "status", "valid_to"], name="contract_entity_status_end")]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"

    @property
    def is_framework(self) -> bool:
        return self.kind == self.Kind.FRAMEWORK

    @property
    def cap(self) -> Money | None:
        return None if self.cap_minor is None else Money.from_minor(self.cap_minor, self.currency)

    @property
    def minimum_order(self) -> Money:
        return Money.from_minor(self.minimum_order_minor, self.currency)

    @property
    def has_early_discount(self) -> bool:
        return self.early_discount_percent > 0 and self.early_discount_days > 0

    @property
    def early_discount_text(self) -> str:
        return decimal_text(self.early_discount_percent)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = gettext("The end comes before the start.")
        if (
            self.early_discount_days is not None
            and self.payment_net_days is not None
            and self.early_discount_days > self.payment_net_days
        ):
            errors["early_discount_days"] = gettext("The discount period cannot be longer than the payment term.")
        if self.early_discount_percent and not self.early_discount_days:
            errors["early_discount_days"] = gettext("Say within how many days the discount applies.")
        if errors:
            raise ValidationError(errors)


def contract_attachment_path(instance: "ContractAttachment", filename: str) -> str:
    return f"contracts/{instance.contract_id}/{filename}"


class ContractAttachment(models.Model):
    """A signed copy, an annex, a price schedule: kept with the contract in the default file storage."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=contract_attachment_path, max_length=255)
    title = models.CharField(_("title"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract", "uploaded_at"]

    def __str__(self) -> str:
        return self.title or str(self.file.name)


class ContractPrice(models.Model):
    """The negotiated unit price of one catalog item under a contract; tiers lower it from a quantity on."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="prices")
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="contract_prices")
    unit_price_minor = models.BigIntegerField(_("unit price (minor units)"), validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, validators=[currency_code_validator])

    class Meta:
        ordering = ["contract", "item__sku"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "item"], name="contract_price_once_per_item"),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="contract_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number}: {self.item.sku}"

    @property
    def unit_price(self) -> Money:
        return Money.from_minor(self.unit_price_minor, self.currency)

    def clean(self) -> None:
        if self.contract_id and self.item_id and self.item.supplier_id != self.contract.supplier_id:
            raise ValidationError({"item": gettext("The item is not the contract's supplier's.")})
        if self.contract_id and self.currency and self.currency != self.contract.currency:
            raise ValidationError({"currency": gettext("Prices are in the contract's currency.")})


class ContractPriceTier(models.Model):
    """From `min_quantity` on (inclusive), the unit price is `unit_price_minor` (money.tier_unit_price_minor)."""

    price = models.ForeignKey(ContractPrice, on_delete=models.CASCADE, related_name="tiers")
    min_quantity = models.DecimalField(
        _("from quantity"), max_digits=13, decimal_places=3, validators=[MinValueValidator(QUANTITY_STEP)]
    )
    unit_price_minor = models.BigIntegerField(_("unit price (minor units)"), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["price", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price", "min_quantity"], name="contract_tier_once_per_quantity"),
            models.CheckConstraint(condition=Q(min_quantity__gt=0), name="contract_tier_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="contract_tier_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"≥ {decimal_text(self.min_quantity)}"

    @property
    def min_quantity_text(self) -> str:
        return decimal_text(self.min_quantity)


class ContractLedgerEntry(models.Model):
    """An amount against a contract's cap: committed by an order, released by its cancellation, invoiced, or
    credited back by a credit note.
    Each source writes each kind once (the unique reference makes a repeated write a no-op)."""

    class Kind(models.TextChoices):
        COMMITTED = "committed", _("Committed")
        RELEASED = "released", _("Released")
        INVOICED = "invoiced", _("Invoiced")
        CREDITED = "credited", _("Credited")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount_minor = models.BigIntegerField(_("amount (minor units)"), validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    # What wrote it, e.g. "purchase_order:42" (the core cannot point at the orders app's rows).
    reference = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract", "created_at", "pk"]
        verbose_name_plural = "contract ledger entries"
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind", "reference"], name="contract_ledger_once_per_source"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="contract_ledger_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.kind} {self.reference}"

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)
