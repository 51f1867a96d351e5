"""Supplier invoices and credit notes, their lines, the match of each line, and the files that came with them.

An invoice arrives by cXML (InvoiceDetailRequest at /cxml/inbound/), as UBL 2.1 (Peppol BIS 3.0) or CII
(Factur-X / ZUGFeRD, the XML in a PDF/A-3) uploaded on a page or the API, or typed by a buyer from paper.
Amounts are integer minor units of the invoice's currency; quantities as on purchase-order lines.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orders.models import QUANTITY_MAX, PurchaseOrder, PurchaseOrderLine
from procurement.models import Employee, LegalEntity, Supplier, currency_code_validator
from procurement.money import Money


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Source(models.TextChoices):
        CXML = "cxml", _("cXML InvoiceDetailRequest")
        UBL = "ubl", _("UBL 2.1 (Peppol BIS 3.0)")
        CII = "cii", _("UN/CEFACT CII")
        FACTURX = "facturx", _("Factur-X / ZUGFeRD PDF")
        TYPED = "typed", _("Typed from paper")
        CLAIM = "claim", _("Answer to a claim on a delivery")

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("invoice status", "Received, not matched yet")
        MATCHED = "matched", pgettext_lazy("invoice status", "Matched")
        EXCEPTION = "exception", pgettext_lazy("invoice status", "On hold: exception")
        APPROVED = "approved", pgettext_lazy("invoice status", "Variance approved")
        READY_TO_PAY = "ready_to_pay", pgettext_lazy("invoice status", "Ready to pay")
        REJECTED = "rejected", pgettext_lazy("invoice status", "Rejected")
        PAID = "paid", pgettext_lazy("invoice status", "Paid")

    class MatchMode(models.TextChoices):
        TWO_WAY = "two_way", _("Two-way (invoice and order)")
        THREE_WAY = "three_way", _("Three-way (invoice, order and receipt)")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="invoices")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    # The supplier's own number, as printed; unique per supplier, kind and fiscal year (duplicates refused).
    number = models.CharField(max_length=60)
    fiscal_year = models.PositiveIntegerField(help_text=_("The legal entity's fiscal year of the invoice date."))
    invoice_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    # The invoice a credit note corrects (when the supplier names it).
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes")
    # The orders it names (header order references); each line may point at a line of one of them.
    purchase_orders = models.ManyToManyField(PurchaseOrder, blank=True, related_name="invoices")
    # Totals as the supplier stated them (positive for credit notes too; the kind gives the sign).
    net_minor = models.BigIntegerField(help_text=_("Sum of the line net amounts, charges and allowances included."))
    tax_minor = models.BigIntegerField(default=0)
    charges_minor = models.BigIntegerField(
        default=0, help_text=_("Document-level charges less allowances (shipping…).")
    )
    total_minor = models.BigIntegerField(help_text=_("Net plus tax: what the supplier asks to be paid."))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    match_mode = models.CharField(max_length=9, choices=MatchMode.choices, blank=True)
    # Plain reasons at the invoice level ("total 1,250.00 is not the sum of the lines 1,200.00"), lines have theirs.
    reasons = models.JSONField(default=list, blank=True)
    # What we noticed reading the document ("3 × 100 = 300.00, but the line says 200.00"): the match holds the
    # invoice for them and lists them first among its reasons.
    notes = models.JSONField(default=list, blank=True)
    possible_duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Another invoice of the supplier with the same amount and date."),
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    payload_id = models.CharField(max_length=250, blank=True, help_text=_("cXML payloadID, when it came by cXML."))
    document = models.TextField(blank=True, help_text=_("The XML as received, credentials masked."))
    document_hash = models.CharField(max_length=64, blank=True)
    payment_terms = models.CharField(max_length=200, blank=True)
    # The terms the invoice is paid on. `due_date` is the supplier's own when its document states one, else
    # its order's payment terms (net days from the invoice date: `due_date_from_order`). The early-payment
    # discount comes from the order's terms: `discount_percent` off the total when paid by `discount_until`.
    due_date_from_order = models.BooleanField(default=False)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    discount_until = models.DateField(null=True, blank=True)
    discount_minor = models.BigIntegerField(default=0)
    supplier_note = models.TextField(blank=True)
    # Payment, reported by the ERP (the payment run stays there).
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "kind", "number", "fiscal_year"], name="invoice_number_once_per_supplier_year"
            ),
            models.CheckConstraint(condition=Q(net_minor__gte=0), name="invoice_net_not_negative"),
            models.CheckConstraint(condition=Q(tax_minor__gte=0), name="invoice_tax_not_negative"),
            models.CheckConstraint(condition=Q(total_minor__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_minor__gte=0) & Q(discount_minor__lte=models.F("total_minor")),
                name="invoice_discount_within_total",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | (Q(discount_percent__gte=0) & Q(discount_percent__lte=100)),
                name="invoice_discount_percent_range",
            ),
        ]
        indexes = [
            models.Index(fields=["legal_entity", "status"]),
            models.Index(fields=["supplier", "invoice_date", "total_minor"]),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.number}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def sign(self) -> int:
        """+1 for an invoice, −1 for a credit note: what it does to what was invoiced."""
        return -1 if self.is_credit_note else 1

    @property
    def net(self) -> Money:
        return Money.from_minor(self.net_minor, self.currency)

    @property
    def discount(self) -> Money:
        return Money.from_minor(self.discount_minor, self.currency)

    @property
    def has_discount(self) -> bool:
        return bool(self.discount_minor and self.discount_until)

    @property
    def tax(self) -> Money:
        return Money.from_minor(self.tax_minor, self.currency)

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)


def _quantity_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": QUANTITY_MAX})


class InvoiceLine(models.Model):
    class Match(models.TextChoices):
        PENDING = "", _("Not matched yet")
        OK = "ok", _("Matches")
        EXCEPTION = "exception", _("Exception")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    # The order line it bills: linked by order reference and line number, else by supplier part id.
    po_line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    order_reference = models.CharField(
        max_length=100, blank=True, help_text=_("The order number as the supplier wrote it.")
    )
    order_line_number = models.PositiveIntegerField(null=True, blank=True)
    link_note = models.CharField(max_length=300, blank=True, help_text=_("How the line was linked, or why it was not."))
    supplier_part_id = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=500, blank=True)
    quantity = models.DecimalField(max_digits=13, decimal_places=3)
    unit = models.CharField(max_length=3, blank=True)
    unit_price_minor = models.BigIntegerField()
    price_basis_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=1)
    net_minor = models.BigIntegerField(help_text=_("The line's net amount as the supplier stated it."))
    tax_category = models.CharField(max_length=2, blank=True, help_text="UNCL5305: S, AA, Z, E, AE, K, G, O…")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True, help_text="Percent.")
    tax_minor = models.BigIntegerField(default=0)
    match = models.CharField(max_length=9, choices=Match.choices, blank=True, default=Match.PENDING)
    reasons = models.JSONField(default=list, blank=True, help_text=_('Plain reasons: ["invoiced 5, received 3"].'))
    # What the match expected, for the page: price and quantity differences in the invoice's currency.
    variance_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["invoice", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_number"], name="invoice_line_once"),
            models.CheckConstraint(condition=_quantity_in_range("quantity"), name="invoice_line_quantity_in_range"),
            models.CheckConstraint(
                condition=Q(price_basis_quantity__gt=0) & Q(price_basis_quantity__lte=QUANTITY_MAX),
                name="invoice_line_price_basis_in_range",
            ),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="invoice_line_unit_price_not_negative"),
            models.CheckConstraint(condition=Q(net_minor__gte=0), name="invoice_line_net_not_negative"),
            models.CheckConstraint(condition=Q(tax_minor__gte=0), name="invoice_line_tax_not_negative"),
            models.CheckConstraint(
                condition=Q(tax_rate__isnull=True) | (Q(tax_rate__gte=0) & Q(tax_rate__lte=100)),
                name="invoice_line_tax_rate_range",
            ),
        ]
        indexes = [models.Index(fields=["po_line", "invoice"])]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_number}"

    @property
    def unit_price(self) -> Money:
        return Money.from_minor(self.unit_price_minor, self.invoice.currency)

    @property
    def net(self) -> Money:
        return Money.from_minor(self.net_minor, self.invoice.currency)


class InvoiceAttachment(models.Model):
    """A file that came with an invoice (the Factur-X PDF, the paper invoice's scan), kept in the database and
    served only to people of the invoice's legal entity."""

    MAX_BYTES = 10 * 1024 * 1024

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["invoice", "uploaded_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(size__lte=10 * 1024 * 1024), name="invoice_attachment_size")]

    def __str__(self) -> str:
        return self.filename


class MatchTolerance(models.Model):
    """How far an invoice may differ from its order and receipt and still match, per legal entity, optionally
    per supplier (the supplier's row wins). Amounts in major units of the entity's currency; empty: no tolerance
    of that kind (an exact match is needed)."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="match_tolerances")
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.CASCADE, related_name="match_tolerances"
    )
    price_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    price_amount = models.DecimalField(
        max_digits=15, decimal_places=4, default=Decimal(0), help_text=_("Per unit, in major units.")
    )
    quantity_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    # Two-way (no receipt needed: services, subscriptions) or three-way; per supplier or category (UNSPSC prefix).
    match_mode = models.CharField(max_length=9, choices=Invoice.MatchMode.choices, default=Invoice.MatchMode.THREE_WAY)
    two_way_unspsc_prefixes = models.CharField(
        max_length=200, blank=True, help_text=_("Categories matched two-way, e.g. '80 81' (services): UNSPSC prefixes.")
    )

    class Meta:
        ordering = ["legal_entity", "supplier"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "supplier"],
                condition=Q(supplier__isnull=False),
                name="match_tolerance_once_per_supplier",
            ),
            models.UniqueConstraint(
                fields=["legal_entity"], condition=Q(supplier__isnull=True), name="match_tolerance_once_per_entity"
            ),
            models.CheckConstraint(
                condition=Q(price_percent__gte=0) & Q(price_percent__lte=100), name="match_tolerance_price_percent"
            ),
            models.CheckConstraint(
                condition=Q(quantity_percent__gte=0) & Q(quantity_percent__lte=100),
                name="match_tolerance_quantity_percent",
            ),
            models.CheckConstraint(condition=Q(price_amount__gte=0), name="match_tolerance_price_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity_id} {self.supplier_id or gettext('all suppliers')}"
