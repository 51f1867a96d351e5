"""Suppliers and what they sell: categories, catalog items and their attributes, price lists, custom catalogs."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..encryption import EncryptedTextField
from ..money import Money, decimal_text
from .organisation import LegalEntity
from .taxes import TaxKind
from .validators import (
    QUANTITY_STEP,
    country_code_validator,
    currency_code_validator,
    entity_code_validator,
    unit_validator,
    unspsc_validator,
)


class Category(models.Model):
    """A UNSPSC class (segment, family, class or commodity) with its name."""

    code = models.CharField(max_length=8, unique=True, validators=[unspsc_validator])
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Supplier(models.Model):
    class OrderMethod(models.TextChoices):
        CXML = "cxml", _("cXML OrderRequest")
        EMAIL = "email", _("E-mail (PDF)")
        NONE = "none", _("None (manual)")

    code = models.CharField(max_length=30, unique=True, validators=[entity_code_validator])
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    contact_name = models.CharField(max_length=100, blank=True)
    contact_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    # Where the supplier is established for VAT: with the buying entity's country it decides reverse charge.
    country = models.CharField(
        max_length=2, blank=True, validators=[country_code_validator], help_text="ISO 3166 alpha-2 code, e.g. SE."
    )
    order_method = models.CharField(max_length=10, choices=OrderMethod.choices, default=OrderMethod.NONE)
    order_url = models.URLField(_("cXML order URL"), blank=True)
    order_from_domain = models.CharField(max_length=40, blank=True)
    order_from_identity = models.CharField(max_length=100, blank=True)
    order_to_domain = models.CharField(max_length=40, blank=True)
    order_to_identity = models.CharField(max_length=100, blank=True)
    order_sender_domain = models.CharField(max_length=40, blank=True)
    order_sender_identity = models.CharField(max_length=100, blank=True)
    order_shared_secret = EncryptedTextField(max_length=200, blank=True, help_text=_("Encrypted at rest."))
    order_email = models.EmailField(blank=True)
    # The language of the purchase orders (PDF, e-mail) this supplier gets; empty: the ordering entity's
    # country's (procurement.i18n.supplier_language).
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(order_method="cxml") | ~Q(order_url=""), name="supplier_cxml_needs_url"
            ),
            models.CheckConstraint(
                condition=~Q(order_method="email") | ~Q(order_email=""), name="supplier_email_needs_address"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CatalogItem(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="catalog_items")
    sku = models.CharField(_("supplier part id"), max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unspsc = models.CharField("UNSPSC", max_length=8, validators=[unspsc_validator], db_index=True)
    unit = models.CharField(max_length=3, validators=[unit_validator], help_text=_("UN/CEFACT code"))
    base_price_minor = models.BigIntegerField(_("base price (minor units)"), validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    lead_time_days = models.PositiveIntegerField(default=0)
    # Items are per supplier, not per entity: the item says the kind of tax (and optionally the rate), and the
    # buying entity's tax code of that kind and rate applies (procurement.taxes.tax_code_for_line).
    tax_kind = models.CharField(max_length=20, choices=TaxKind.choices, default=TaxKind.STANDARD)
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_(
            "Only when the kind has several rates (5.5 or 2.1 % reduced in France); empty: the entity's first."
        ),
    )
    manufacturer = models.CharField(max_length=100, blank=True)
    manufacturer_part_id = models.CharField(max_length=64, blank=True)
    # The order unit: quantities are whole multiples of `order_multiple` (1 for pieces, 12 for a dozen sold
    # only by the dozen; 0.001, the smallest quantity stored, for goods sold by weight or length) and at least
    # `minimum_quantity`. `catalog_item_quantity_problem` is the one rule every entry point applies.
    order_multiple = models.DecimalField(
        max_digits=13,
        decimal_places=3,
        default=QUANTITY_STEP,
        validators=[MinValueValidator(QUANTITY_STEP)],
        help_text=_("Quantities are whole multiples of this (1 for pieces; 0.001 for any quantity)."),
    )
    minimum_quantity = models.DecimalField(
        max_digits=13,
        decimal_places=3,
        default=QUANTITY_STEP,
        validators=[MinValueValidator(QUANTITY_STEP)],
        help_text=_("The smallest quantity one may order (a multiple of the order multiple)."),
    )
    # What one order unit holds, in content units (6 pieces in a box); empty when the item is sold by the piece.
    pack_size = models.DecimalField(
        max_digits=13,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(QUANTITY_STEP)],
        help_text=_("How many pieces one order unit holds (6 in a box); empty for single pieces."),
    )
    image_url = models.URLField(_("image URL"), max_length=500, blank=True)
    datasheet_url = models.URLField(_("datasheet URL"), max_length=500, blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["supplier__name", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sku"], name="catalog_item_sku_per_supplier"),
            models.CheckConstraint(condition=Q(base_price_minor__gte=0), name="catalog_item_price_not_negative"),
            models.CheckConstraint(condition=Q(order_multiple__gt=0), name="catalog_item_order_multiple_positive"),
            models.CheckConstraint(condition=Q(minimum_quantity__gt=0), name="catalog_item_minimum_positive"),
            models.CheckConstraint(
                condition=Q(pack_size__isnull=True) | Q(pack_size__gt=0), name="catalog_item_pack_size_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["sku"]),
            models.Index(Lower("sku"), name="catalog_item_sku_lower"),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def base_price(self) -> Money:
        return Money.from_minor(self.base_price_minor, self.currency)

    @property
    def has_order_unit(self) -> bool:
        """Whether the item restricts quantities beyond "positive, at most 3 decimals"."""
        return self.order_multiple != QUANTITY_STEP or self.minimum_quantity > self.order_multiple

    @property
    def smallest_quantity(self) -> Decimal:
        """The smallest quantity that may be ordered: the minimum, rounded up to a whole multiple."""
        steps = -(-self.minimum_quantity // self.order_multiple)
        return max(steps, Decimal(1)) * self.order_multiple

    @property
    def order_multiple_text(self) -> str:
        return decimal_text(self.order_multiple)

    @property
    def smallest_quantity_text(self) -> str:
        return decimal_text(self.smallest_quantity)

    @property
    def pack_size_text(self) -> str:
        """What one order unit holds, as typed ("12", not "12.000"); "" for an item sold by the piece."""
        return decimal_text(self.pack_size) if self.pack_size is not None else ""

    def quantity_problem(self, quantity: Decimal) -> str:
        """Why `quantity` cannot be ordered of this item ("" when it can): positive, whole multiples, minimum."""
        unit = self.unit
        if quantity <= 0:
            return gettext("%(sku)s: the quantity must be greater than 0, not %(decimal_text)s.") % {
                "sku": self.sku,
                "decimal_text": decimal_text(quantity),
            }
        if quantity % self.order_multiple:
            lower = (quantity // self.order_multiple) * self.order_multiple
            upper = lower + self.order_multiple
            near = [q for q in (lower, upper) if q >= self.smallest_quantity] or [self.smallest_quantity]
            options = " or ".join(decimal_text(q) for q in near)
            return gettext(
                "%(sku)s is sold in multiples of %(decimal_text)s %(unit)s: order %(options)s, not %(decimal_text2)s."
            ) % {
                "sku": self.sku,
                "decimal_text": decimal_text(self.order_multiple),
                "unit": unit,
                "options": options,
                "decimal_text2": decimal_text(quantity),
            }
        if quantity < self.minimum_quantity:
            return gettext("%(sku)s: order at least %(decimal_text)s %(unit)s, not %(decimal_text2)s.") % {
                "sku": self.sku,
                "decimal_text": decimal_text(self.smallest_quantity),
                "unit": unit,
                "decimal_text2": decimal_text(quantity),
            }
        return ""

    def clean(self) -> None:
        multiple, minimum = self.order_multiple, self.minimum_quantity
        if multiple and minimum and multiple > 0 and minimum > 0 and minimum % multiple:
            raise ValidationError(
                {
                    "minimum_quantity": gettext("Give a whole multiple of the order multiple %(decimal_text)s.")
                    % {"decimal_text": decimal_text(multiple)}
                }
            )


class CatalogItemAttribute(models.Model):
    """A filterable property of an item, such as colour or size."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="attributes")
    name = models.CharField(max_length=50)
    value = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["item", "name"], name="catalog_item_attribute_once")]
        indexes = [models.Index(fields=["name", "value"])]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class PriceList(models.Model):
    """A price type: base price less a percentage or a fixed amount, for legal entities or groups."""

    class Adjustment(models.TextChoices):
        PERCENT = "percent", _("Percentage off")
        FIXED = "fixed", _("Fixed amount off")

    code = models.CharField(max_length=30, unique=True, validators=[entity_code_validator])
    name = models.CharField(max_length=200)
    adjustment = models.CharField(max_length=10, choices=Adjustment.choices, default=Adjustment.PERCENT)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    fixed_off_minor = models.BigIntegerField(_("fixed amount off (minor units)"), default=0)
    fixed_off_currency = models.CharField(max_length=3, blank=True, validators=[currency_code_validator])
    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="price_lists",
        help_text=_("Only this supplier's items; empty for all."),
    )
    unspsc_prefix = models.CharField(
        _("UNSPSC prefix"), max_length=8, blank=True, help_text=_("Only items in this category; empty for all.")
    )
    legal_entities = models.ManyToManyField(LegalEntity, blank=True, related_name="price_lists")
    groups = models.ManyToManyField(Group, blank=True, related_name="price_lists")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_off__gte=0) & Q(percent_off__lte=100), name="price_list_percent_range"
            ),
            models.CheckConstraint(condition=Q(fixed_off_minor__gte=0), name="price_list_fixed_not_negative"),
            models.CheckConstraint(
                condition=~Q(adjustment="fixed") | ~Q(fixed_off_currency=""), name="price_list_fixed_has_currency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class CustomCatalog(models.Model):
    """Restricts what a legal entity or group sees to some suppliers and items."""

    code = models.CharField(max_length=30, unique=True, validators=[entity_code_validator])
    name = models.CharField(max_length=200)
    suppliers = models.ManyToManyField(Supplier, blank=True, related_name="custom_catalogs")
    items = models.ManyToManyField(CatalogItem, blank=True, related_name="custom_catalogs")
    legal_entities = models.ManyToManyField(LegalEntity, blank=True, related_name="custom_catalogs")
    groups = models.ManyToManyField(Group, blank=True, related_name="custom_catalogs")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"
