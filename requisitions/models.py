"""Requisitions (carts), their lines and account assignments, saved requisition lists, import jobs."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from procurement.models import (
    Address,
    CatalogItem,
    CostCentre,
    Employee,
    LegalEntity,
    OrgUnit,
    Supplier,
    currency_code_validator,
    unit_validator,
)
from procurement.money import Money, decimal_text, line_total_minor


class RequisitionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("requisition status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("requisition status", "Submitted")
    IN_APPROVAL = "in_approval", pgettext_lazy("requisition status", "In approval")
    RETURNED = "returned", pgettext_lazy("requisition status", "Returned")
    APPROVED = "approved", pgettext_lazy("requisition status", "Approved")
    REJECTED = "rejected", pgettext_lazy("requisition status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("requisition status", "Withdrawn")
    ORDERED = "ordered", pgettext_lazy("requisition status", "Ordered")
    # What its orders' receipts and invoices make of it (orders.order_progress): all goods arrived, everything
    # invoiced, and closed when every order is closed.
    RECEIVED = "received", pgettext_lazy("requisition status", "Received")
    INVOICED = "invoiced", pgettext_lazy("requisition status", "Invoiced")
    CLOSED = "closed", pgettext_lazy("requisition status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("requisition status", "Cancelled")


SUPPLIER_NOTE_MAX = 1000  # a note to the supplier, on the requisition and on each line


class Requisition(models.Model):
    """What an employee wants to buy for one legal entity. A draft requisition is a cart."""

    Status = RequisitionStatus
    EDITABLE = frozenset({RequisitionStatus.DRAFT, RequisitionStatus.RETURNED})

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="requisitions")
    number = models.CharField(max_length=40)
    requester = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="requisitions")
    on_behalf_of = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="requisitions_on_behalf"
    )
    title = models.CharField(max_length=200)
    justification = models.TextField(blank=True, help_text=_("Internal: why it is needed. Never sent to a supplier."))
    # What the suppliers read: printed on the purchase order (PDF) and sent as the OrderRequest's Comments.
    supplier_note = models.CharField(max_length=SUPPLIER_NOTE_MAX, blank=True)
    needed_by = models.DateField(null=True, blank=True)
    ship_to = models.ForeignKey(Address, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    status = models.CharField(max_length=20, choices=RequisitionStatus.choices, default=RequisitionStatus.DRAFT)
    # Sum of the lines converted to `currency` at stored rates; None while a rate is missing (docs/money.md).
    total_minor = models.BigIntegerField(null=True, blank=True, default=0)
    # The rates the total was converted at, {"SEK": "0.0890000000"} (1 SEK = rate × currency); empty when
    # every line is in the requisition's currency.
    total_rates = models.JSONField(default=dict, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who may receive the goods besides the requester (and the entity's warehouse role): a named receiver.
    receiver = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="requisitions_to_receive"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    budget_exception = models.TextField(
        blank=True,
        help_text=_("Set at submission when a hard-stop budget is exceeded: a budget-exception stage must approve."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "number"], name="requisition_number_per_entity"),
            models.CheckConstraint(
                condition=Q(total_minor__isnull=True) | Q(total_minor__gte=0), name="requisition_total_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["requester", "status"]), models.Index(fields=["legal_entity", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def total(self) -> Money | None:
        if self.total_minor is None:
            return None
        return Money.from_minor(self.total_minor, self.currency)

    @property
    def missing_rates(self) -> list[str]:
        """Why the total is unknown: "No exchange rate from XYZ to EUR is stored." per currency lacking a rate."""
        return [
            gettext("No exchange rate from %(currency)s to %(currency2)s is stored.")
            % {"currency": currency, "currency2": self.currency}
            for currency, rate in sorted((self.total_rates or {}).items())
            if rate is None
        ]

    @property
    def rates_used(self) -> list[str]:
        """The stored rates the total was converted at, as a clerk reads them: "1 SEK = 0.0890000000 EUR"."""
        return [
            f"1 {currency} = {rate} {self.currency}"
            for currency, rate in sorted((self.total_rates or {}).items())
            if rate is not None
        ]

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class RequisitionLine(models.Model):
    class Source(models.TextChoices):
        CATALOG = "catalog", _("Catalog")
        PUNCHOUT = "punchout", _("Punchout")
        FREE_TEXT = "free_text", _("Free text")
        QUICK_ORDER = "quick_order", _("Quick order")
        QUOTE = "quote", _("Quote")  # awarded from a supplier's quote (sourcing); the quote is in `extrinsics`

    # No index of its own: the unique (requisition, line_number) index below starts with it and serves every look-up
    # by requisition (one index less to write for each of the thousands of lines a punchout cart brings).
    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_number = models.PositiveIntegerField()
    source = models.CharField(max_length=20, choices=Source.choices)
    catalog_item = models.ForeignKey(
        CatalogItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="requisition_lines"
    )
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The contract the line is priced from (its tier follows the quantity); its orders consume the contract's cap.
    # No index: nothing looks lines up by contract, and punchout carts insert thousands of lines at once.
    contract = models.ForeignKey(
        "procurement.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requisition_lines",
        db_index=False,
    )
    supplier_part_id = models.CharField(max_length=64, blank=True)
    supplier_part_auxiliary_id = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=13, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))])
    unit = models.CharField(max_length=3, validators=[unit_validator])
    unit_price_minor = models.BigIntegerField(validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    price_basis_quantity = models.DecimalField(max_digits=13, decimal_places=3, default=Decimal(1))
    # quantity × unit price ÷ price basis, rounded to the currency's minor unit.
    total_minor = models.BigIntegerField(default=0)
    # The tax applied (procurement.taxes.tax_code_for_line): the entity's code, its UNCL5305 category, the rate
    # in percent (None: no tax known) and the tax on total_minor, rounded per line (money.tax_amount_minor).
    tax_code = models.CharField(max_length=20, blank=True)
    tax_category = models.CharField(max_length=3, blank=True)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    tax_minor = models.BigIntegerField(default=0)
    unspsc = models.CharField(max_length=8, blank=True)
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    manufacturer = models.CharField(max_length=100, blank=True)
    manufacturer_part_id = models.CharField(max_length=64, blank=True)
    cost_centre = models.ForeignKey(CostCentre, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Empty unless set by hand: the column's default too, so a cart of thousands of lines written with COPY leaves
    # them to the database (procurement.bulk).
    gl_account = models.CharField("GL account", max_length=20, blank=True, default="", db_default="")
    project = models.CharField(max_length=40, blank=True, default="", db_default="")
    # What the supplier reads on this line of its purchase order (PDF, ItemOut Comments).
    supplier_note = models.CharField(max_length=SUPPLIER_NOTE_MAX, blank=True, default="", db_default="")
    extrinsics = models.JSONField(default=dict, blank=True, help_text=_("Raw supplier extras, kept as received."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["requisition", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["requisition", "line_number"], name="requisition_line_number_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="requisition_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="requisition_line_price_not_negative"),
            models.CheckConstraint(condition=Q(price_basis_quantity__gt=0), name="requisition_line_basis_positive"),
            models.CheckConstraint(
                condition=Q(tax_rate__isnull=True) | (Q(tax_rate__gte=0) & Q(tax_rate__lte=100)),
                name="requisition_line_tax_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_number}. {self.description}"

    @property
    def quantity_text(self) -> str:
        return decimal_text(self.quantity)

    @property
    def unit_price(self) -> Money:
        return Money.from_minor(self.unit_price_minor, self.currency)

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)

    @property
    def tax(self) -> Money:
        return Money.from_minor(self.tax_minor, self.currency)

    @property
    def tax_rate_text(self) -> str:
        """ "20 %", "0 % reverse charge", or "" when no tax is known."""
        if self.tax_rate is None:
            return ""
        if self.tax_category == "AE":
            return gettext("%(rate)s %% reverse charge") % {"rate": decimal_text(self.tax_rate)}
        return f"{decimal_text(self.tax_rate)} %"

    def compute_total_minor(self) -> int:
        return line_total_minor(
            quantity=self.quantity,
            unit_price_minor=self.unit_price_minor,
            price_basis_quantity=self.price_basis_quantity,
        )


class RequisitionLineSplit(models.Model):
    """Part of a line's cost charged to one cost centre; a line's splits sum to 100 %."""

    line = models.ForeignKey(RequisitionLine, on_delete=models.CASCADE, related_name="splits")
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="+")
    gl_account = models.CharField("GL account", max_length=20, blank=True)
    project = models.CharField(max_length=40, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="requisition_split_percent_range"
            ),
            models.UniqueConstraint(
                fields=["line", "cost_centre", "gl_account", "project"], name="requisition_split_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cost_centre.code} {self.percent} %"


class RequisitionEvent(models.Model):
    """Append-only history: every status move and every change after submission."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        EDITED = "edited", _("Edited")
        LINES_ADDED = "lines_added", _("Lines added")
        LINE_CHANGED = "line_changed", _("Line changed")
        LINES_REMOVED = "lines_removed", _("Lines removed")
        LINES_MOVED = "lines_moved", _("Lines moved")
        MERGED = "merged", _("Carts merged")
        COPIED = "copied", _("Copied")
        IMPORTED = "imported", _("Imported")
        DECISION = "decision", _("Approval decision")
        DELEGATED = "delegated", _("Approval delegated")
        ESCALATED = "escalated", _("Approval escalated")
        REMINDED = "reminded", _("Approver reminded")
        # A people change (a new manager, limit or unit; a leaver) moved an open approval (p2p.people_changes).
        REROUTED = "rerouted", _("Approval re-routed")

    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.requisition_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class RequisitionList(models.Model):
    """A saved, reusable list of items (re-order template), personal or shared with an org unit."""

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="requisition_lists")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="requisition_lists")
    shared_with = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requisition_lists",
        help_text=_("Everyone in this org unit may use the list."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RequisitionListItem(models.Model):
    requisition_list = models.ForeignKey(RequisitionList, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    catalog_item = models.ForeignKey(CatalogItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept for free-text lines and for items that have since left the catalog.
    sku = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=13, decimal_places=3)
    unit = models.CharField(max_length=3)
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit_price_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    cost_centre = models.ForeignKey(CostCentre, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["requisition_list", "position"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="requisition_list_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"

    @property
    def quantity_text(self) -> str:
        return decimal_text(self.quantity)


class ImportJob(models.Model):
    """A pasted or uploaded quick order, processed in the background with visible progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import job status", "Queued")
        RUNNING = "running", pgettext_lazy("import job status", "Running")
        DONE = "done", pgettext_lazy("import job status", "Done")
        FAILED = "failed", pgettext_lazy("import job status", "Failed")

    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_lines = models.PositiveIntegerField(default=0)
    processed_lines = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker last started or committed a chunk: a job that stops moving is queued again by beat.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} into {self.requisition_id}: {self.status}"

    @property
    def percent(self) -> int:
        if not self.total_lines:
            return 100 if self.status in {self.Status.DONE, self.Status.FAILED} else 0
        return min(100, int(self.processed_lines * 100 / self.total_lines))
