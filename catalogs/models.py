"""Catalog uploads: a supplier's file staged line by line, checked, diffed against the live catalog and published
into the core's `CatalogItem`s only when a buyer approves it."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from procurement.models import CatalogItem, Employee, LegalEntity, Supplier


def default_flag_percent() -> Decimal:
    """CATALOG_PRICE_INCREASE_FLAG_PERCENT (10 unless set): an upload flags price increases above it."""
    return Decimal(str(getattr(settings, "CATALOG_PRICE_INCREASE_FLAG_PERCENT", 10)))


class CatalogUpload(models.Model):
    """A catalog file from a supplier: read and checked in the background, then approved (published) or rejected."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (template)")
        XLSX = "xlsx", _("Excel workbook (template)")
        CIF = "cif", _("CIF 3.0")
        CXML = "cxml", _("cXML CatalogUploadRequest")
        CXML_INDEX = "cxml_index", _("cXML Index")
        BMECAT = "bmecat", _("BMEcat 2005")

    class Mode(models.TextChoices):
        FULL = "full", _("Full catalog (items not in the file are removed)")
        INCREMENTAL = "incremental", _("Update (items not in the file stay)")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", pgettext_lazy("catalog upload status", "Uploaded")
        VALIDATING = "validating", pgettext_lazy("catalog upload status", "Checking")
        VALIDATED = "validated", pgettext_lazy("catalog upload status", "Awaiting approval")
        PUBLISHING = "publishing", pgettext_lazy("catalog upload status", "Publishing")
        PUBLISHED = "published", pgettext_lazy("catalog upload status", "Published")
        REJECTED = "rejected", pgettext_lazy("catalog upload status", "Rejected")
        FAILED = "failed", pgettext_lazy("catalog upload status", "Failed")

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="catalog_uploads")
    # The entity the uploading buyer acted for: who may see the upload. Empty for a supplier's own upload (by link).
    legal_entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="catalog_uploads"
    )
    uploaded_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="catalog_uploads"
    )
    file_format = models.CharField(_("format"), max_length=12, choices=Format.choices)
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField()
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.FULL)
    # For lines that give no UNSPSC code (BMEcat files classified in eCl@ss only).
    default_unspsc = models.CharField(_("UNSPSC for lines without one"), max_length=8, blank=True)
    price_increase_flag_percent = models.DecimalField(
        _("flag price increases above (%)"),
        max_digits=6,
        decimal_places=2,
        default=default_flag_percent,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_lines = models.PositiveIntegerField(default=0)
    processed_lines = models.PositiveIntegerField(default=0)
    error_lines = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    flagged_count = models.PositiveIntegerField(default=0)
    published_lines = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_increase_flag_percent__gte=0), name="catalog_upload_flag_percent_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["supplier", "status"])]

    def __str__(self) -> str:
        return f"{self.supplier} catalog {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        """How far the background work is: reading and checking, then publishing."""
        if self.status == self.Status.PUBLISHING:
            done, total = self.published_lines, self.total_lines + self.removed_count
        else:
            done, total = self.processed_lines, self.total_lines
        if self.status in {self.Status.VALIDATED, self.Status.PUBLISHED, self.Status.REJECTED, self.Status.FAILED}:
            return 100
        if not total:
            return 0
        return min(100, int(done * 100 / total))

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.UPLOADED, self.Status.VALIDATING, self.Status.PUBLISHING}


class CatalogUploadLine(models.Model):
    """One item of an upload: its values as checked, what was wrong with it, and how it differs from the live item.

    A `removed` line is an item of the live catalog that a full upload does not name (its values are the live
    item's)."""

    class Kind(models.TextChoices):
        NEW = "new", pgettext_lazy("catalog diff", "New")
        CHANGED = "changed", pgettext_lazy("catalog diff", "Changed")
        UNCHANGED = "unchanged", pgettext_lazy("catalog diff", "Unchanged")
        REMOVED = "removed", pgettext_lazy("catalog diff", "Removed")
        INVALID = "invalid", pgettext_lazy("catalog diff", "Error")

    upload = models.ForeignKey(CatalogUpload, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item = models.ForeignKey(CatalogItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sku = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    unspsc = models.CharField(max_length=8, blank=True)
    unit = models.CharField(max_length=3, blank=True)
    price_minor = models.BigIntegerField(null=True, blank=True)
    old_price_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    lead_time_days = models.PositiveIntegerField(default=0)
    manufacturer = models.CharField(max_length=100, blank=True)
    manufacturer_part_id = models.CharField(max_length=64, blank=True)
    pack_size = models.DecimalField(max_digits=13, decimal_places=3, null=True, blank=True)
    order_multiple = models.DecimalField(max_digits=13, decimal_places=3, default=Decimal("0.001"))
    minimum_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=Decimal("0.001"))
    image_url = models.CharField(max_length=500, blank=True)
    datasheet_url = models.CharField(max_length=500, blank=True)
    # The fields that differ from the live item (a changed line), and what the checks refused (an invalid line).
    changes = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["upload", "line_number", "id"]
        indexes = [
            models.Index(fields=["upload", "kind", "line_number"]),
            models.Index(fields=["upload", "flagged", "line_number"]),
        ]

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.line_number} {self.sku} ({self.kind})"


def _money(minor: int | None, currency: str) -> str:
    from procurement.money import Money  # display only

    return "" if minor is None or not currency else str(Money.from_minor(minor, currency))


def line_price_text(line: CatalogUploadLine) -> str:
    return _money(line.price_minor, line.currency)


def line_old_price_text(line: CatalogUploadLine) -> str:
    return _money(line.old_price_minor, line.currency)


def line_price_change_text(line: CatalogUploadLine) -> str:
    """The price change in percent, in the reader's language ("+15%"); empty without both prices or from 0."""
    from procurement.money import percent_display

    if line.price_minor is None or not line.old_price_minor or line.price_minor == line.old_price_minor:
        return ""
    change = (Decimal(line.price_minor - line.old_price_minor) * 100 / Decimal(line.old_price_minor)).quantize(
        Decimal("0.1")
    )
    return ("+" if change > 0 else "") + percent_display(change)


class SupplierUploadLink(models.Model):
    """A link a buyer sends a supplier to upload its catalog without an account: signed, expiring, and spent by
    the one upload it is for (`catalogs.supplier_links`)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="catalog_upload_links")
    # The uploads it brings are seen by the buyers of this entity.
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(Employee, null=True, on_delete=models.SET_NULL, related_name="+")
    nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    upload = models.OneToOneField(
        CatalogUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="supplier_link"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"upload link {self.pk} for {self.supplier}"
