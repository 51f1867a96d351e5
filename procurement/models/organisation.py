"""The organisation: legal entities and their addresses, org units, cost centres, roles and employees."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..money import Money
from .validators import country_code_validator, currency_code_validator, entity_code_validator


class LegalEntity(models.Model):
    """A company of the group. Every requisition, budget and PO belongs to exactly one."""

    code = models.CharField(max_length=20, unique=True, validators=[entity_code_validator])
    name = models.CharField(max_length=200)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    # Where the entity is registered for VAT: its tax codes' country and the buyer's side of reverse charge.
    country = models.CharField(
        max_length=2, blank=True, validators=[country_code_validator], help_text="ISO 3166 alpha-2 code, e.g. FR."
    )
    po_number_prefix = models.CharField(_("PO number prefix"), max_length=12)
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "1 = January (the calendar year). A fiscal year is named by the year it ends in (FY2027 "
            "starting in July 2026 ends in June 2027)."
        ),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    email_approval_limit_minor = models.BigIntegerField(
        _("e-mail approval limit (minor units)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Above this total (in the entity's currency) an approval link in an e-mail asks the approver "
            "to log in before deciding. Empty: links decide any amount."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("legal entities")
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
        BILL_TO = "bill_to", _("Bill to")
        SHIP_TO = "ship_to", _("Ship to")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, help_text=_("ISO 3166 country code, e.g. FR"))
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
            raise ValidationError({"parent": gettext("The parent unit belongs to another legal entity.")})
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": gettext("A unit cannot sit below itself.")})
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
    """What an employee may do: requester, approver, buyer, finance, admin, warehouse (receives goods)."""

    REQUESTER = "requester"
    APPROVER = "approver"
    BUYER = "buyer"
    FINANCE = "finance"
    ADMIN = "admin"
    # Receives the goods of every order of the employee's legal entities (the loading dock).
    WAREHOUSE = "warehouse"
    # Reads the audit log of the employee's legal entities (/audit/), nothing more.
    AUDITOR = "auditor"
    ALL = {
        REQUESTER: "Requester",
        APPROVER: "Approver",
        BUYER: "Buyer",
        FINANCE: "Finance",
        ADMIN: "Administrator",
        WAREHOUSE: "Warehouse",
        AUDITOR: "Auditor",
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
        _("signing limit (minor units)"), null=True, blank=True, validators=[MinValueValidator(0)]
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
        CostCentre,
        blank=True,
        related_name="chargeable_by",
        help_text=_("Other cost centres this employee may charge."),
    )
    # The language of the pages, e-mails and PDFs this person gets; empty follows the browser.
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES, default="")

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
            raise ValidationError({"signing_limit_currency": gettext("A signing limit needs a currency.")})
        manager, seen = self.manager, set()
        while manager is not None and manager.pk not in seen:
            if self.pk and manager.pk == self.pk:
                raise ValidationError({"manager": gettext("This would make the employee their own manager.")})
            seen.add(manager.pk)
            manager = manager.manager
