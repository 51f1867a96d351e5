"""Goods receipts: what arrived against which purchase-order line, accepted or rejected, and their reversals.

A receipt is never deleted or edited: a wrong one is reversed (a logged status move with a reason), which takes
its counts off the order again. The counts on the order lines are orders' rows, kept through
`orders.order_progress`; a receipt line keeps what it recorded, so a reversal undoes exactly that.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import QUANTITY_MAX, PurchaseOrder, PurchaseOrderLine, Shipment
from procurement.models import Employee, LegalEntity
from procurement.money import Money

# The over-receipt tolerance of an entity: at most this many percent more than ordered.
OVER_RECEIPT_PERCENT_MAX = 100


class ReceivingSettings(models.Model):
    """How a legal entity receives: the over-receipt tolerance (default none: no more than ordered)."""

    legal_entity = models.OneToOneField(LegalEntity, on_delete=models.CASCADE, related_name="receiving_settings")
    over_receipt_percent = models.DecimalField(
        _("over-receipt tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("How much more than ordered a line may receive, in percent of the quantity (or amount) ordered."),
    )

    class Meta:
        verbose_name = _("receiving settings")
        verbose_name_plural = _("receiving settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(over_receipt_percent__gte=0) & Q(over_receipt_percent__lte=OVER_RECEIPT_PERCENT_MAX),
                name="receiving_over_receipt_percent_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code}: {self.over_receipt_percent} %"


class GoodsReceipt(models.Model):
    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REVERSED = "reversed", _("Reversed")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="goods_receipts")
    number = models.CharField(max_length=40)
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.POSTED)
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(Employee, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=1000, blank=True)
    # The supplier's ship notice the receiver's defaults came from, when there was one.
    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts")
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reversal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "number"], name="goods_receipt_number_per_entity"),
            models.CheckConstraint(
                condition=Q(status="posted") | (Q(reversed_at__isnull=False) & ~Q(reversal_reason="")),
                name="goods_receipt_reversal_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["purchase_order", "status"], name="goods_receipt_order_status")]

    def __str__(self) -> str:
        return self.number


def _quantity_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": QUANTITY_MAX})


class GoodsReceiptLine(models.Model):
    class Reason(models.TextChoices):
        DAMAGED = "damaged", _("Damaged")
        WRONG_ITEM = "wrong_item", _("Wrong item")
        QUALITY = "quality", _("Quality")
        EXCESS = "excess", _("More than ordered")
        OTHER = "other", _("Other")

    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    # Accepted; rejected goods go back to the supplier and are counted apart.
    quantity = models.DecimalField(max_digits=13, decimal_places=3, default=0)
    rejected_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=0)
    rejection_reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    rejection_note = models.CharField(max_length=300, blank=True)
    # A service line (`po_line.receipt_by_amount`) is received by amount, in the order's currency.
    amount_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["receipt", "po_line__line_number"]
        constraints = [
            models.UniqueConstraint(fields=["receipt", "po_line"], name="goods_receipt_line_once"),
            models.CheckConstraint(condition=_quantity_in_range("quantity"), name="goods_receipt_line_quantity_range"),
            models.CheckConstraint(
                condition=_quantity_in_range("rejected_quantity"), name="goods_receipt_line_rejected_range"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="goods_receipt_line_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(rejected_quantity=0) | ~Q(rejection_reason=""), name="goods_receipt_line_rejection_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}/{self.po_line_id}"

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.receipt.purchase_order.currency)

    @property
    def rejection_text(self) -> str:
        """ "Damaged: box crushed", "Wrong item", or "" when nothing was rejected."""
        if not self.rejected_quantity:
            return ""
        label = str(self.get_rejection_reason_display()) if self.rejection_reason else ""
        return ": ".join(part for part in (label, self.rejection_note) if part)
