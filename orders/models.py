"""Purchase orders, their revisions, the outbox that sends them, and what suppliers answer."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from procurement.models import Address, CostCentre, Employee, LegalEntity, Supplier, currency_code_validator
from procurement.money import Money, decimal_text
from punchout.cxml.limits import QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS
from requisitions.models import Requisition, RequisitionLine

# The largest quantity a DecimalField(13, 3) holds; SQLite does not enforce max_digits, the constraints do.
QUANTITY_MAX = Decimal(10) ** (QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES) - Decimal(1).scaleb(
    -QUANTITY_DECIMAL_PLACES
)


def _in_range(field: str, *, nullable: bool = False, above_zero: bool = False) -> Q:
    within = Q(**{f"{field}__gt" if above_zero else f"{field}__gte": 0}) & Q(**{f"{field}__lte": QUANTITY_MAX})
    return within | Q(**{f"{field}__isnull": True}) if nullable else within


class PurchaseOrder(models.Model):
    class Status(models.TextChoices):
        HELD = "held", pgettext_lazy("purchase order status", "Held for a buyer")
        ISSUED = "issued", pgettext_lazy("purchase order status", "Issued, sending")
        SENT = "sent", pgettext_lazy("purchase order status", "Sent")
        MANUAL = "manual", pgettext_lazy("purchase order status", "To be sent by hand")
        FAILED = "failed", pgettext_lazy("purchase order status", "Sending failed")
        CONFIRMED = "confirmed", pgettext_lazy("purchase order status", "Confirmed")
        PARTLY_CONFIRMED = "partly_confirmed", pgettext_lazy("purchase order status", "Partly confirmed")
        CONFIRMED_SHORT = "confirmed_short", pgettext_lazy("purchase order status", "Confirmed short")
        REJECTED = "rejected", pgettext_lazy("purchase order status", "Rejected by the supplier")
        SHIPPED = "shipped", pgettext_lazy("purchase order status", "Shipped")
        PARTLY_SHIPPED = "partly_shipped", pgettext_lazy("purchase order status", "Partly shipped")
        # What arrived and what was invoiced (orders.order_progress): a receipt or an invoice moves the order,
        # and an order fully received and fully invoiced closes (or a buyer closes it).
        PARTLY_RECEIVED = "partly_received", pgettext_lazy("purchase order status", "Partly received")
        RECEIVED = "received", pgettext_lazy("purchase order status", "Received")
        INVOICED = "invoiced", pgettext_lazy("purchase order status", "Invoiced")
        CLOSED = "closed", pgettext_lazy("purchase order status", "Closed")
        CANCELLED = "cancelled", pgettext_lazy("purchase order status", "Cancelled")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="purchase_orders")
    number = models.CharField(max_length=40)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    ship_to = models.ForeignKey(Address, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bill_to = models.ForeignKey(Address, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requisition = models.ForeignKey(Requisition, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ISSUED)
    revision = models.PositiveIntegerField(default=1)
    total_minor = models.BigIntegerField(default=0)  # net: the sum of the lines' totals, tax not included
    tax_minor = models.BigIntegerField(default=0)  # the sum of the lines' tax (each rounded per line)
    method = models.CharField(max_length=10, choices=Supplier.OrderMethod.choices)
    hold_reason = models.CharField(max_length=300, blank=True)
    # The requisition's note to the supplier, kept as ordered: the PDF's Notes and the OrderRequest's Comments.
    # (The requisition's justification is internal and never goes to a supplier.)
    supplier_note = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # The contract the order is placed under (its lines' contract) and its payment terms as ordered: due
    # `payment_net_days` after the invoice, `payment_discount_percent` off when paid within
    # `payment_discount_days`. Empty: the supplier's usual terms.
    contract = models.ForeignKey(
        "procurement.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    payment_net_days = models.PositiveSmallIntegerField(_("payment due (days net)"), null=True, blank=True)
    payment_discount_percent = models.DecimalField(
        _("early-payment discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    payment_discount_days = models.PositiveSmallIntegerField(
        _("early-payment discount within (days)"), null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "number"], name="purchase_order_number_per_entity"),
            models.CheckConstraint(condition=Q(total_minor__gte=0), name="purchase_order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(payment_net_days__isnull=True) | Q(payment_net_days__lte=365),
                name="purchase_order_payment_days_bounded",
            ),
            models.CheckConstraint(
                condition=Q(payment_discount_percent__isnull=True)
                | (Q(payment_discount_percent__gte=0) & Q(payment_discount_percent__lte=100)),
                name="purchase_order_discount_percent_range",
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "status"]), models.Index(fields=["supplier", "number"])]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)

    @property
    def tax(self) -> Money:
        return Money.from_minor(self.tax_minor, self.currency)

    @property
    def gross(self) -> Money:
        return Money.from_minor(self.total_minor + self.tax_minor, self.currency)

    @property
    def has_payment_discount(self) -> bool:
        return bool(self.payment_discount_percent and self.payment_discount_days)

    @property
    def payment_discount_text(self) -> str:
        return decimal_text(self.payment_discount_percent or 0)


class PurchaseOrderLine(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("purchase order line status", "Open")
        CONFIRMED = "confirmed", pgettext_lazy("purchase order line status", "Confirmed")
        BACKORDERED = "backordered", pgettext_lazy("purchase order line status", "Backordered")
        REJECTED = "rejected", pgettext_lazy("purchase order line status", "Rejected")
        SHIPPED = "shipped", pgettext_lazy("purchase order line status", "Shipped")
        CANCELLED = "cancelled", pgettext_lazy("purchase order line status", "Cancelled")

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    requisition_line = models.ForeignKey(
        RequisitionLine, null=True, on_delete=models.SET_NULL, related_name="purchase_order_lines"
    )
    # The contract the line was priced from: its amount is committed to (and released from) the contract's cap.
    contract = models.ForeignKey(
        "procurement.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    supplier_part_id = models.CharField(max_length=64, blank=True)
    supplier_part_auxiliary_id = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=13, decimal_places=3)
    unit = models.CharField(max_length=3)
    unit_price_minor = models.BigIntegerField()
    price_basis_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=1)
    total_minor = models.BigIntegerField()
    # The tax as ordered (from the requisition line): the entity's code, UNCL5305 category, rate in percent
    # (None: no tax known) and the tax on total_minor, rounded per line. The matching of invoices reads them.
    tax_code = models.CharField(max_length=20, blank=True)
    tax_category = models.CharField(max_length=3, blank=True)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    tax_minor = models.BigIntegerField(default=0)
    unspsc = models.CharField(max_length=8, blank=True)
    needed_by = models.DateField(null=True, blank=True)
    cost_centre = models.ForeignKey(CostCentre, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    gl_account = models.CharField(max_length=20, blank=True)
    supplier_note = models.CharField(max_length=1000, blank=True)  # the line's note to the supplier, as ordered
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    confirmed_quantity = models.DecimalField(max_digits=13, decimal_places=3, null=True, blank=True)
    backordered_quantity = models.DecimalField(max_digits=13, decimal_places=3, null=True, blank=True)
    confirmed_unit_price_minor = models.BigIntegerField(null=True, blank=True)
    confirmed_delivery = models.DateTimeField(null=True, blank=True, help_text=_("The moment as the supplier sent it."))
    # The day the supplier meant: the date of its deliveryDate in the supplier's own offset (a delivery at
    # local midnight, 2026-12-10T00:00+01:00, is the 10th, though it is the 9th in UTC).
    confirmed_delivery_date = models.DateField(null=True, blank=True)
    shipped_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=0)
    # What arrived and what was invoiced, kept by orders.order_progress from the receipts and invoices apps.
    # `received_quantity` is what was accepted (rejected goods go back and are counted apart); a line received
    # by amount (a service) counts `received_amount_minor` instead, in the order's currency.
    receipt_by_amount = models.BooleanField(
        default=False, help_text=_("A service: received and matched by amount, not by quantity.")
    )
    received_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=0)
    rejected_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=0)
    received_amount_minor = models.BigIntegerField(default=0)
    invoiced_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=0)
    invoiced_amount_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["purchase_order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_number"], name="purchase_order_line_once"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="purchase_order_line_quantity_not_negative"),
            # What a supplier's document may set is bounded by the codecs; these hold on every database.
            models.CheckConstraint(condition=_in_range("quantity"), name="purchase_order_line_quantity_in_range"),
            models.CheckConstraint(
                condition=_in_range("confirmed_quantity", nullable=True),
                name="purchase_order_line_confirmed_quantity_in_range",
            ),
            models.CheckConstraint(
                condition=_in_range("backordered_quantity", nullable=True),
                name="purchase_order_line_backordered_quantity_in_range",
            ),
            models.CheckConstraint(
                condition=_in_range("shipped_quantity"), name="purchase_order_line_shipped_quantity_in_range"
            ),
            models.CheckConstraint(
                condition=_in_range("price_basis_quantity", above_zero=True),
                name="purchase_order_line_price_basis_in_range",
            ),
            models.CheckConstraint(
                condition=Q(unit_price_minor__gte=0), name="purchase_order_line_unit_price_not_negative"
            ),
            models.CheckConstraint(condition=Q(total_minor__gte=0), name="purchase_order_line_total_not_negative"),
            models.CheckConstraint(
                condition=Q(confirmed_unit_price_minor__gte=0) | Q(confirmed_unit_price_minor__isnull=True),
                name="purchase_order_line_confirmed_price_not_negative",
            ),
            models.CheckConstraint(condition=Q(line_number__gte=1), name="purchase_order_line_number_positive"),
            models.CheckConstraint(
                condition=_in_range("received_quantity"), name="purchase_order_line_received_quantity_in_range"
            ),
            models.CheckConstraint(
                condition=_in_range("rejected_quantity"), name="purchase_order_line_rejected_quantity_in_range"
            ),
            models.CheckConstraint(
                condition=_in_range("invoiced_quantity"), name="purchase_order_line_invoiced_quantity_in_range"
            ),
            models.CheckConstraint(
                condition=Q(received_amount_minor__gte=0), name="purchase_order_line_received_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(invoiced_amount_minor__gte=0), name="purchase_order_line_invoiced_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}/{self.line_number}"

    @property
    def unit_price(self) -> Money:
        return Money.from_minor(self.unit_price_minor, self.purchase_order.currency)

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.purchase_order.currency)

    @property
    def tax(self) -> Money:
        return Money.from_minor(self.tax_minor, self.purchase_order.currency)

    @property
    def tax_rate_text(self) -> str:
        """ "20 %", "0 % reverse charge", or "" when no tax is known."""
        if self.tax_rate is None:
            return ""
        if self.tax_category == "AE":
            return gettext("%(rate)s %% reverse charge") % {"rate": decimal_text(self.tax_rate)}
        return f"{decimal_text(self.tax_rate)} %"

    @property
    def fully_received(self) -> bool:
        if self.status == self.Status.CANCELLED:
            return True
        if self.receipt_by_amount:
            return self.received_amount_minor >= self.total_minor
        return self.received_quantity >= self.quantity

    @property
    def fully_invoiced(self) -> bool:
        if self.status == self.Status.CANCELLED:
            return True
        if self.receipt_by_amount:
            return self.invoiced_amount_minor >= self.total_minor
        return self.invoiced_quantity >= self.quantity

    @property
    def outstanding_quantity(self) -> Decimal:
        """What is still to arrive: ordered less accepted (a cancelled line expects nothing)."""
        if self.status == self.Status.CANCELLED:
            return Decimal(0)
        return max(self.quantity - self.received_quantity, Decimal(0))

    # What the supplier's answer means for the quantity ordered. Only a line the supplier answered (confirmed,
    # backordered or rejected) has a shortfall or an excess; an open line (not answered yet, or changed since)
    # has neither.
    ANSWERED = (Status.CONFIRMED, Status.BACKORDERED, Status.REJECTED)

    @property
    def answered(self) -> bool:
        return self.status in self.ANSWERED and self.confirmed_quantity is not None

    @property
    def shortfall_quantity(self) -> Decimal:
        """How much of the quantity ordered the supplier will not deliver: neither confirmed nor backordered."""
        if not self.answered:
            return Decimal(0)
        promised = (self.confirmed_quantity or Decimal(0)) + (self.backordered_quantity or Decimal(0))
        return max(self.quantity - promised, Decimal(0))

    @property
    def over_confirmed_quantity(self) -> Decimal:
        """How much more than ordered the supplier confirmed (or backordered)."""
        if not self.answered:
            return Decimal(0)
        promised = (self.confirmed_quantity or Decimal(0)) + (self.backordered_quantity or Decimal(0))
        return max(promised - self.quantity, Decimal(0))

    @property
    def status_text(self) -> str:
        if self.status == self.Status.CONFIRMED and self.shortfall_quantity:
            return gettext("Confirmed short")
        if self.status == self.Status.CONFIRMED and self.over_confirmed_quantity:
            return gettext("Confirmed, more than ordered")
        if self.status == self.Status.CONFIRMED and self.backordered_quantity:
            return gettext("Confirmed, part backordered")
        return self.get_status_display()

    @property
    def supplier_says(self) -> str:
        """The supplier's answer on this line in words: "2 of 2.5 confirmed, 0.5 short", "20 backordered"…"""
        if self.confirmed_quantity is None:
            return ""
        ordered = decimal_text(self.quantity)
        parts = []
        if self.confirmed_quantity or not self.backordered_quantity:
            parts.append(
                gettext("%(confirmed)s of %(ordered)s confirmed")
                % {"confirmed": decimal_text(self.confirmed_quantity), "ordered": ordered}
            )
        if self.backordered_quantity:
            parts.append(
                gettext("%(backordered)s of %(ordered)s backordered")
                % {"backordered": decimal_text(self.backordered_quantity), "ordered": ordered}
            )
        if self.shortfall_quantity:
            parts.append(gettext("%(short)s short") % {"short": decimal_text(self.shortfall_quantity)})
        if self.over_confirmed_quantity:
            parts.append(gettext("%(more)s more than ordered") % {"more": decimal_text(self.over_confirmed_quantity)})
        if self.confirmed_unit_price_minor is not None and self.confirmed_unit_price_minor != self.unit_price_minor:
            parts.append(gettext("price changed"))
        if self.confirmed_delivery_date:
            parts.append(gettext("delivery %(date)s") % {"date": self.confirmed_delivery_date.isoformat()})
        return ", ".join(parts)


class PurchaseOrderRevision(models.Model):
    """One version of an order as sent: its payloadID never changes, so a retry is the same document."""

    class Kind(models.TextChoices):
        NEW = "new", _("New")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Cancel")

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    kind = models.CharField(max_length=6, choices=Kind.choices)
    payload_id = models.CharField(max_length=250, unique=True)
    timestamp = models.DateTimeField()
    total_minor = models.BigIntegerField()
    note = models.CharField(max_length=300, blank=True)
    document = models.TextField(
        blank=True, help_text=_("The cXML OrderRequest of this revision, as sent, its SharedSecret masked.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["purchase_order", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "revision"], name="purchase_order_revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order} rev {self.revision}"


class Transmission(models.Model):
    """The outbox: one row per revision to send, written in the same transaction as the revision."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("transmission status", "Waiting to be sent")
        SENDING = "sending", pgettext_lazy("transmission status", "Being sent")
        RETRYING = "retrying", pgettext_lazy("transmission status", "Retrying")
        SENT = "sent", pgettext_lazy("transmission status", "Sent")
        FAILED = "failed", pgettext_lazy("transmission status", "Failed")
        MANUAL = "manual", pgettext_lazy("transmission status", "Manual")

    revision = models.OneToOneField(PurchaseOrderRevision, on_delete=models.CASCADE, related_name="transmission")
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="transmissions")
    method = models.CharField(max_length=10, choices=Supplier.OrderMethod.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Who marked a revision of an order sent by hand (order method "none") as sent; empty when we sent it.
    sent_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_note = models.CharField(max_length=300, blank=True)
    # A sender claims the row (status sending) for a lease, sends with no transaction open, and records the
    # outcome only while its claim stands; a crashed sender's claim expires and the sweeper sends again.
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["purchase_order", "created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.purchase_order} rev {self.revision_id} {self.status}"


class TransmissionAttempt(models.Model):
    """Every try, with what went out and what came back (credentials masked with punchout.redact)."""

    transmission = models.ForeignKey(Transmission, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    request = models.TextField(blank=True)
    response = models.TextField(blank=True)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    cxml_status = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20)  # sent | retry | failed
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["transmission", "number"]

    def __str__(self) -> str:
        return f"{self.transmission_id} #{self.number} {self.outcome}"


class SupplierDocument(models.Model):
    """A document a supplier sent us (confirmation, ship notice), kept with the answer we gave.

    The unique (supplier, payloadID) makes a repeated delivery get the first answer and change nothing;
    `document_hash` tells a repeat (same content) from another document under a used payloadID (refused).
    `document` is kept with its credentials masked (punchout.redact), and the hash is of that text.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Order confirmation")
        SHIP_NOTICE = "ship_notice", _("Ship notice")

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="documents")
    payload_id = models.CharField(max_length=250)
    kind = models.CharField(max_length=15, choices=Kind.choices)
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="supplier_documents"
    )
    document = models.TextField()
    document_hash = models.CharField(max_length=64, blank=True)
    answer = models.TextField()
    answer_status = models.PositiveIntegerField()
    summary = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "payload_id"], name="supplier_document_payload_once")
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.kind} {self.payload_id}"


class Shipment(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="shipments")
    shipment_id = models.CharField(max_length=100)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivery_at = models.DateTimeField(null=True, blank=True)
    # The days the supplier meant, in its own offset (see PurchaseOrderLine.confirmed_delivery_date).
    shipped_date = models.DateField(null=True, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    lines = models.JSONField(default=list, blank=True, help_text=_("[{line, quantity}] or empty for the whole order"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["purchase_order", "created_at"]

    def __str__(self) -> str:
        return f"{self.purchase_order} {self.shipment_id}"


class OrderChange(models.Model):
    """A buyer's change that raises an order's amount: it goes through approval as a change requisition
    (the extra quantities, charged as the order lines are) and reaches the supplier once approved."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("order change status", "Waiting for approval")
        APPLIED = "applied", pgettext_lazy("order change status", "Approved and sent")
        REFUSED = "refused", pgettext_lazy("order change status", "Not approved")

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="changes")
    requisition = models.OneToOneField(Requisition, on_delete=models.PROTECT, related_name="order_change")
    changes = models.JSONField(help_text=_('[{"line": 1, "quantity": "5"}]: the new quantities'))
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(Employee, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purchase_order} change {self.pk}"


class PurchaseOrderEvent(models.Model):
    """Append-only history of an order's status: one row per move (`orders.transitions.purchase_order_status_move`)
    and one when the order is made (from_status empty)."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True, choices=PurchaseOrder.Status.choices)
    to_status = models.CharField(max_length=20, choices=PurchaseOrder.Status.choices)
    # Who moved it; empty for moves made by the system (the sender, a supplier's document).
    by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.purchase_order} {self.from_status or '—'} → {self.to_status}"
