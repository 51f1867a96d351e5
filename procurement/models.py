"""Core domain: organisations, people, suppliers, catalog, prices and exchange rates."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from .encryption import EncryptedTextField
from .money import Money, decimal_text

currency_code_validator = RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code such as EUR.")
entity_code_validator = RegexValidator(r"^[A-Z0-9][A-Z0-9_-]*$", "Use capitals, digits, - and _.")
unspsc_validator = RegexValidator(r"^\d{2}(\d{2}){0,3}$", "UNSPSC codes have 2, 4, 6 or 8 digits.")
QUANTITY_STEP = Decimal("0.001")  # quantities are stored with 3 decimals
unit_validator = RegexValidator(r"^[A-Z0-9]{2,3}$", "Use a UN/CEFACT unit code such as EA or C62.")


class LegalEntity(models.Model):
    """A company of the group. Every requisition, budget and PO belongs to exactly one."""

    code = models.CharField(max_length=20, unique=True, validators=[entity_code_validator])
    name = models.CharField(max_length=200)
    tax_id = models.CharField("tax id", max_length=40, blank=True)
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    po_number_prefix = models.CharField("PO number prefix", max_length=12)
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="1 = January (the calendar year). A fiscal year is named by the year it ends in (FY2027 "
        "starting in July 2026 ends in June 2027).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    email_approval_limit_minor = models.BigIntegerField(
        "e-mail approval limit (minor units)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Above this total (in the entity's currency) an approval link in an e-mail asks the approver "
        "to log in before deciding. Empty: links decide any amount.",
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "legal entities"
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1) & Q(fiscal_year_start_month__lte=12),
                name="entity_fiscal_year_start_month_range",
            ),
            models.CheckConstraint(
                condition=Q(email_approval_limit_minor__isnull=True) | Q(email_approval_limit_minor__gte=0),
                name="entity_email_approval_limit_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Address(models.Model):
    class Kind(models.TextChoices):
        BILL_TO = "bill_to", "Bill to"
        SHIP_TO = "ship_to", "Ship to"

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, help_text="ISO 3166 country code, e.g. FR")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["legal_entity", "kind", "-is_default", "name"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "kind"],
                condition=Q(is_default=True),
                name="address_one_default_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.street}, {self.postal_code} {self.city}, {self.country}"


class OrgUnit(models.Model):
    """A department in the corporate tree of one legal entity."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="org_units")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    manager = models.ForeignKey(
        "Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_units"
    )

    class Meta:
        ordering = ["legal_entity", "code"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "code"], name="org_unit_code_per_entity"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="org_unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def clean(self) -> None:
        if self.parent_id and self.parent and self.parent.legal_entity_id != self.legal_entity_id:
            raise ValidationError({"parent": "The parent unit belongs to another legal entity."})
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": "A unit cannot sit below itself."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class CostCentre(models.Model):
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="cost_centres")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="cost_centres")
    owner = models.ForeignKey(
        "Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_cost_centres"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["legal_entity", "code"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "code"], name="cost_centre_code_per_entity"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Role(models.Model):
    """What an employee may do: requester, approver, buyer, finance, admin."""

    REQUESTER = "requester"
    APPROVER = "approver"
    BUYER = "buyer"
    FINANCE = "finance"
    ADMIN = "admin"
    ALL = {
        REQUESTER: "Requester",
        APPROVER: "Approver",
        BUYER: "Buyer",
        FINANCE: "Finance",
        ADMIN: "Administrator",
    }

    code = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    """A user's profile in the corporate hierarchy."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee")
    job_title = models.CharField(max_length=100, blank=True)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="employees")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    # Empty means no limit (a CFO); otherwise minor units of signing_limit_currency.
    signing_limit_minor = models.BigIntegerField(
        "signing limit (minor units)", null=True, blank=True, validators=[MinValueValidator(0)]
    )
    signing_limit_currency = models.CharField(max_length=3, blank=True, validators=[currency_code_validator])
    roles = models.ManyToManyField(Role, blank=True, related_name="employees")
    legal_entities = models.ManyToManyField(LegalEntity, blank=True, related_name="members")
    default_legal_entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_cost_centre = models.ForeignKey(
        CostCentre, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cost_centres = models.ManyToManyField(
        CostCentre, blank=True, related_name="chargeable_by", help_text="Other cost centres this employee may charge."
    )

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(condition=~Q(manager=F("id")), name="employee_not_own_manager"),
            models.CheckConstraint(
                condition=Q(signing_limit_minor__isnull=True) | Q(signing_limit_minor__gte=0),
                name="employee_signing_limit_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(signing_limit_minor__isnull=True) | ~Q(signing_limit_currency=""),
                name="employee_signing_limit_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def signing_limit(self) -> Money | None:
        if self.signing_limit_minor is None:
            return None
        return Money.from_minor(self.signing_limit_minor, self.signing_limit_currency)

    def clean(self) -> None:
        if self.signing_limit_minor is not None and not self.signing_limit_currency:
            raise ValidationError({"signing_limit_currency": "A signing limit needs a currency."})
        manager, seen = self.manager, set()
        while manager is not None and manager.pk not in seen:
            if self.pk and manager.pk == self.pk:
                raise ValidationError({"manager": "This would make the employee their own manager."})
            seen.add(manager.pk)
            manager = manager.manager


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
        CXML = "cxml", "cXML OrderRequest"
        EMAIL = "email", "E-mail (PDF)"
        NONE = "none", "None (manual)"

    code = models.CharField(max_length=30, unique=True, validators=[entity_code_validator])
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    tax_id = models.CharField("tax id", max_length=40, blank=True)
    contact_name = models.CharField(max_length=100, blank=True)
    contact_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    order_method = models.CharField(max_length=10, choices=OrderMethod.choices, default=OrderMethod.NONE)
    order_url = models.URLField("cXML order URL", blank=True)
    order_from_domain = models.CharField(max_length=40, blank=True)
    order_from_identity = models.CharField(max_length=100, blank=True)
    order_to_domain = models.CharField(max_length=40, blank=True)
    order_to_identity = models.CharField(max_length=100, blank=True)
    order_sender_domain = models.CharField(max_length=40, blank=True)
    order_sender_identity = models.CharField(max_length=100, blank=True)
    order_shared_secret = EncryptedTextField(max_length=200, blank=True, help_text="Encrypted at rest.")
    order_email = models.EmailField(blank=True)
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
    sku = models.CharField("supplier part id", max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unspsc = models.CharField("UNSPSC", max_length=8, validators=[unspsc_validator], db_index=True)
    unit = models.CharField(max_length=3, validators=[unit_validator], help_text="UN/CEFACT code")
    base_price_minor = models.BigIntegerField("base price (minor units)", validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    lead_time_days = models.PositiveIntegerField(default=0)
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
        help_text="Quantities are whole multiples of this (1 for pieces; 0.001 for any quantity).",
    )
    minimum_quantity = models.DecimalField(
        max_digits=13,
        decimal_places=3,
        default=QUANTITY_STEP,
        validators=[MinValueValidator(QUANTITY_STEP)],
        help_text="The smallest quantity one may order (a multiple of the order multiple).",
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["supplier__name", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sku"], name="catalog_item_sku_per_supplier"),
            models.CheckConstraint(condition=Q(base_price_minor__gte=0), name="catalog_item_price_not_negative"),
            models.CheckConstraint(condition=Q(order_multiple__gt=0), name="catalog_item_order_multiple_positive"),
            models.CheckConstraint(condition=Q(minimum_quantity__gt=0), name="catalog_item_minimum_positive"),
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

    def quantity_problem(self, quantity: Decimal) -> str:
        """Why `quantity` cannot be ordered of this item ("" when it can): positive, whole multiples, minimum."""
        unit = self.unit
        if quantity <= 0:
            return f"{self.sku}: the quantity must be greater than 0, not {decimal_text(quantity)}."
        if quantity % self.order_multiple:
            lower = (quantity // self.order_multiple) * self.order_multiple
            upper = lower + self.order_multiple
            near = [q for q in (lower, upper) if q >= self.smallest_quantity] or [self.smallest_quantity]
            options = " or ".join(decimal_text(q) for q in near)
            return (
                f"{self.sku} is sold in multiples of {decimal_text(self.order_multiple)} {unit}: "
                f"order {options}, not {decimal_text(quantity)}."
            )
        if quantity < self.minimum_quantity:
            return (
                f"{self.sku}: order at least {decimal_text(self.smallest_quantity)} {unit}, "
                f"not {decimal_text(quantity)}."
            )
        return ""

    def clean(self) -> None:
        multiple, minimum = self.order_multiple, self.minimum_quantity
        if multiple and minimum and multiple > 0 and minimum > 0 and minimum % multiple:
            raise ValidationError(
                {"minimum_quantity": f"Give a whole multiple of the order multiple {decimal_text(multiple)}."}
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
        PERCENT = "percent", "Percentage off"
        FIXED = "fixed", "Fixed amount off"

    code = models.CharField(max_length=30, unique=True, validators=[entity_code_validator])
    name = models.CharField(max_length=200)
    adjustment = models.CharField(max_length=10, choices=Adjustment.choices, default=Adjustment.PERCENT)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    fixed_off_minor = models.BigIntegerField("fixed amount off (minor units)", default=0)
    fixed_off_currency = models.CharField(max_length=3, blank=True, validators=[currency_code_validator])
    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="price_lists",
        help_text="Only this supplier's items; empty for all.",
    )
    unspsc_prefix = models.CharField(
        "UNSPSC prefix", max_length=8, blank=True, help_text="Only items in this category; empty for all."
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


class ExchangeRate(models.Model):
    """One unit of from_currency is worth `rate` units of to_currency from valid_from on."""

    from_currency = models.CharField(max_length=3, validators=[currency_code_validator])
    to_currency = models.CharField(max_length=3, validators=[currency_code_validator])
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    valid_from = models.DateField()

    class Meta:
        ordering = ["from_currency", "to_currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "valid_from"], name="exchange_rate_once_per_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_currency} = {self.rate} {self.to_currency} from {self.valid_from}"


class AuditEvent(models.Model):
    """Append-only record of every write a service makes."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    legal_entity = models.ForeignKey(LegalEntity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event_type = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.event_type} {self.object_type} {self.object_id}"


class DocumentSequence(models.Model):
    """Gap-free numbers per legal entity and document kind (requisitions, purchase orders)."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    last_number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "kind"], name="document_sequence_once"),
            models.CheckConstraint(condition=Q(last_number__gte=0), name="document_sequence_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity_id} {self.kind} {self.last_number}"


class IdempotencyKey(models.Model):
    """One POST remembered by its key, so that sending it again answers the first answer (procurement.idempotency).

    `key` is the API's `Idempotency-Key` header (prefixed `api:`) or a page form's one-time token (prefixed
    `form:`); the unique (user, key) row is the claim: the first insert wins, a repeat finds the row. A row
    without `completed_at` is a request still running. Rows expire after settings.IDEMPOTENCY_KEY_TTL.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.BinaryField(default=bytes, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
