"""Requests for quotation: the lines a buyer asks prices for, the suppliers invited, their sealed quotes, the
committee that scores them on weighted criteria, and the award per line that becomes requisition lines.

Quotes are sealed until the request's due date: their prices are read for people only through
`sourcing.selectors.quotes_unsealed`, which refuses before it. An invitation keeps only the hash of its link's
secret (`sourcing.links`).
"""

from datetime import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.models import Employee, LegalEntity, Supplier
from procurement.models.validators import currency_code_validator, unit_validator
from procurement.money import Money
from requisitions.models import Requisition, RequisitionLine

QUANTITY_MAX = Decimal("9999999999.999")  # what DecimalField(13, 3) holds
SCORE_MAX = 10
LEAD_TIME_DAYS_MAX = 3650


class Criterion(models.TextChoices):
    """What the committee scores each quote on; each has a weight on the request (they add up to 100)."""

    PRICE = "price", _("Price")
    DELIVERY = "delivery", _("Delivery")
    QUALITY = "quality", _("Quality")
    TERMS = "terms", _("Terms")


class RequestForQuotation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        AWARDED = "awarded", _("Awarded")
        CANCELLED = "cancelled", _("Cancelled")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="requests_for_quotation")
    number = models.CharField(max_length=40)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    due_at = models.DateTimeField(_("due date"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    buyer = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    # Whose requisition the award becomes: the originating requisition's requester, else the buyer.
    requester = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    requisition = models.ForeignKey(
        Requisition, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests_for_quotation"
    )
    weight_price = models.PositiveSmallIntegerField(default=40)
    weight_delivery = models.PositiveSmallIntegerField(default=20)
    weight_quality = models.PositiveSmallIntegerField(default=30)
    weight_terms = models.PositiveSmallIntegerField(default=10)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    scores_revealed_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    award_justification = models.TextField(blank=True, max_length=4000)
    award_requisition = models.ForeignKey(
        Requisition, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("request for quotation")
        verbose_name_plural = _("requests for quotation")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "number"], name="rfq_number_per_entity"),
            models.CheckConstraint(
                condition=Q(weight_price__lte=100)
                & Q(weight_delivery__lte=100)
                & Q(weight_quality__lte=100)
                & Q(weight_terms__lte=100),
                name="rfq_weights_in_range",
            ),
            models.CheckConstraint(
                condition=Q(weight_price=100 - F("weight_delivery") - F("weight_quality") - F("weight_terms")),
                name="rfq_weights_sum_100",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="cancelled") | Q(sent_at__isnull=False), name="rfq_sent_at"
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "status"], name="rfq_entity_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def weights(self) -> dict[str, int]:
        return {
            Criterion.PRICE: self.weight_price,
            Criterion.DELIVERY: self.weight_delivery,
            Criterion.QUALITY: self.weight_quality,
            Criterion.TERMS: self.weight_terms,
        }

    def is_due(self, now: datetime | None = None) -> bool:
        """Whether the due date has passed: quotes are unsealed and no longer accepted."""
        return (now or timezone.now()) >= self.due_at


class RFQLine(models.Model):
    rfq = models.ForeignKey(RequestForQuotation, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=13, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=3, validators=[unit_validator])
    specification = models.TextField(_("specification"), blank=True, max_length=4000)
    # The unpriced or free-text requisition line it was made from, if any.
    requisition_line = models.ForeignKey(
        RequisitionLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["rfq", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["rfq", "line_number"], name="rfq_line_number_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(quantity__lte=QUANTITY_MAX), name="rfq_line_quantity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rfq_id}/{self.line_number}"


class RFQAttachment(models.Model):
    """A drawing or a specification sent with the request; suppliers download it from their quote page."""

    rfq = models.ForeignKey(RequestForQuotation, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rfq", "id"]

    def __str__(self) -> str:
        return self.filename


class Invitation(models.Model):
    """One supplier invited to one request: its link's secret (hashed), and what came of it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        AWARDED = "awarded", _("Awarded")
        DECLINED = "declined", _("Declined")

    rfq = models.ForeignKey(RequestForQuotation, on_delete=models.CASCADE, related_name="invitations")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rfq", "supplier__name", "id"]
        constraints = [models.UniqueConstraint(fields=["rfq", "supplier"], name="rfq_invitation_once")]

    def __str__(self) -> str:
        return f"{self.rfq_id}: {self.supplier_id}"


class Quote(models.Model):
    """A supplier's answer to an invitation; revised in place until the due date (`revision` counts)."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="quote")
    rfq = models.ForeignKey(RequestForQuotation, on_delete=models.CASCADE, related_name="quotes")
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    note = models.TextField(blank=True, max_length=2000)
    submitted_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["rfq", "invitation__supplier__name", "id"]

    def __str__(self) -> str:
        return f"{self.rfq_id}: {self.invitation_id}"


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    rfq_line = models.ForeignKey(RFQLine, on_delete=models.CASCADE, related_name="quote_lines")
    unit_price_minor = models.BigIntegerField()
    lead_time_days = models.PositiveIntegerField(validators=[MaxValueValidator(LEAD_TIME_DAYS_MAX)])
    valid_until = models.DateField()
    alternative_description = models.CharField(max_length=500, blank=True)
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["quote", "rfq_line__line_number"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "rfq_line"], name="quote_line_once"),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="quote_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(lead_time_days__lte=LEAD_TIME_DAYS_MAX), name="quote_line_lead_time_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}/{self.rfq_line_id}"

    @property
    def unit_price(self) -> Money:
        return Money.from_minor(self.unit_price_minor, self.quote.currency)


class Evaluator(models.Model):
    """A member of the committee: scores every quote alone; `submitted_at` once their scores are in."""

    rfq = models.ForeignKey(RequestForQuotation, on_delete=models.CASCADE, related_name="evaluators")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rfq", "employee__user__username"]
        constraints = [models.UniqueConstraint(fields=["rfq", "employee"], name="rfq_evaluator_once")]

    def __str__(self) -> str:
        return f"{self.rfq_id}: {self.employee_id}"


class Score(models.Model):
    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="scores")
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=10, choices=Criterion.choices)
    value = models.PositiveSmallIntegerField(validators=[MaxValueValidator(SCORE_MAX)])

    class Meta:
        ordering = ["evaluator", "quote", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["evaluator", "quote", "criterion"], name="score_once"),
            models.CheckConstraint(condition=Q(value__lte=SCORE_MAX), name="score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator_id}/{self.quote_id}/{self.criterion}: {self.value}"


class Award(models.Model):
    """One line of the request given to one supplier's quote line; the requisition line it became."""

    rfq = models.ForeignKey(RequestForQuotation, on_delete=models.CASCADE, related_name="awards")
    rfq_line = models.OneToOneField(RFQLine, on_delete=models.CASCADE, related_name="award")
    quote_line = models.ForeignKey(QuoteLine, on_delete=models.PROTECT, related_name="awards")
    requisition_line = models.ForeignKey(
        RequisitionLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    awarded_by = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rfq", "rfq_line__line_number"]

    def __str__(self) -> str:
        return f"{self.rfq_id}/{self.rfq_line_id} → {self.quote_line_id}"
