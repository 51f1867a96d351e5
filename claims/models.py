"""Claims on deliveries: a receiver's claim on a goods receipt line (damaged, short, wrong item, late, quality),
the photos that show it, and the supplier's answer (a replacement, a credit note, a rejection with its reason).

A claim moves open → acknowledged → resolved or rejected → closed (`claims.transitions`), each move an audit
event. Its value is the claimed quantity at the order line's price; a credit note answered by the supplier is
at most that value and becomes a credit note on the invoice side (`invoices`), linked to the claim.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from invoices.models import Invoice
from orders.models import QUANTITY_MAX, PurchaseOrder
from procurement.models import Employee, LegalEntity, Supplier, currency_code_validator
from procurement.money import Money
from receiving.models import GoodsReceipt, GoodsReceiptLine

COMMENT_MAX = 2000
REASON_MAX = 1000


class Claim(models.Model):
    class Kind(models.TextChoices):
        DAMAGED = "damaged", pgettext_lazy("claim kind", "Damaged")
        SHORT = "short", pgettext_lazy("claim kind", "Short delivery")
        WRONG_ITEM = "wrong_item", pgettext_lazy("claim kind", "Wrong item")
        LATE = "late", pgettext_lazy("claim kind", "Late delivery")
        QUALITY = "quality", pgettext_lazy("claim kind", "Quality")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("claim status", "Open")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("claim status", "Acknowledged")
        RESOLVED = "resolved", pgettext_lazy("claim status", "Resolved")
        REJECTED = "rejected", pgettext_lazy("claim status", "Rejected")
        CLOSED = "closed", pgettext_lazy("claim status", "Closed")

    class Answer(models.TextChoices):
        NONE = "", pgettext_lazy("claim answer", "No answer yet")
        REPLACEMENT = "replacement", pgettext_lazy("claim answer", "Replacement")
        CREDIT_NOTE = "credit_note", pgettext_lazy("claim answer", "Credit note")
        REJECTION = "rejection", pgettext_lazy("claim answer", "Rejection")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="claims")
    number = models.CharField(max_length=40)
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.PROTECT, related_name="claims")
    receipt_line = models.ForeignKey(GoodsReceiptLine, on_delete=models.PROTECT, related_name="claims")
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="claims")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    quantity = models.DecimalField(max_digits=13, decimal_places=3)
    # The claimed quantity at the order line's price (procurement.money.line_total_minor), in the order's currency.
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    value_minor = models.BigIntegerField()
    comment = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(Employee, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    # The supplier's answer, given through the e-mailed link.
    answer = models.CharField(max_length=12, choices=Answer.choices, blank=True, default=Answer.NONE)
    answered_at = models.DateTimeField(null=True, blank=True)
    replacement_date = models.DateField(null=True, blank=True)
    credit_minor = models.BigIntegerField(null=True, blank=True)
    credit_note = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    rejection_reason = models.TextField(blank=True)
    supplier_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The supplier's link: only the hash of its secret is kept; an answer spends it.
    link_token_hash = models.CharField(max_length=64, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "number"], name="claim_number_per_entity"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(quantity__lte=QUANTITY_MAX), name="claim_quantity_range"
            ),
            models.CheckConstraint(condition=Q(value_minor__gte=0), name="claim_value_not_negative"),
            models.CheckConstraint(
                condition=Q(credit_minor__isnull=True)
                | (Q(credit_minor__gt=0) & Q(credit_minor__lte=models.F("value_minor"))),
                name="claim_credit_within_value",
            ),
            models.CheckConstraint(
                condition=~Q(answer="rejection") | ~Q(rejection_reason=""), name="claim_rejection_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["legal_entity", "status"], name="claim_entity_status"),
            models.Index(fields=["supplier", "raised_at"], name="claim_supplier_raised"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def value(self) -> Money:
        return Money.from_minor(self.value_minor, self.currency)

    @property
    def credit(self) -> Money | None:
        return None if self.credit_minor is None else Money.from_minor(self.credit_minor, self.currency)


def claim_photo_path(instance: "ClaimPhoto", filename: str) -> str:
    # The name the user gave is not kept in the path: the service names the file.
    return f"claims/{instance.claim_id}/{filename}"


class ClaimPhoto(models.Model):
    """A photo of the claimed goods, in the default file storage, served only to those who may see the claim."""

    MAX_BYTES = 5 * 1024 * 1024

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=claim_photo_path, max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "id"]
        constraints = [models.CheckConstraint(condition=Q(size__lte=5 * 1024 * 1024), name="claim_photo_size")]

    def __str__(self) -> str:
        return self.original_name or str(self.file.name)
