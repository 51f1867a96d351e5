"""A list mailed every week to a list of people, as its owner would download it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procurement.models import CostCentre, Employee, LegalEntity, Supplier


class ScheduledReport(models.Model):
    """Every week on `weekday`, the list `report` with the filters `query` (the API list's parameters), as CSV or
    XLSX, e-mailed to `recipients`; it holds what its owner may see, and stops when the owner leaves."""

    class Report(models.TextChoices):
        REQUISITIONS = "requisitions", _("Requisitions")
        PURCHASE_ORDERS = "purchase_orders", _("Purchase orders")
        RECEIPTS = "receipts", _("Goods receipt lines")
        INVOICES = "invoices", _("Invoices")
        BUDGETS = "budgets", _("Budgets")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    owner = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="scheduled_reports")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="scheduled_reports")
    name = models.CharField(_("name"), max_length=200)
    report = models.CharField(_("list"), max_length=20, choices=Report.choices)
    query = models.CharField(
        _("filters"), max_length=500, blank=True, help_text=_("The list's filters, e.g. status=sent&supplier=DURAND.")
    )
    file_format = models.CharField(_("file"), max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")], default="xlsx")
    recipients = models.JSONField(_("recipients"), default=list, help_text=_("E-mail addresses."))
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices, default=Weekday.MONDAY)
    is_active = models.BooleanField(default=True)
    last_sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(condition=Q(weekday__lte=6), name="scheduled_report_weekday_range")]

    def __str__(self) -> str:
        return self.name


class SpendFigures(models.Model):
    """Spend of one key in one legal entity and month, in the entity's currency at the requisitions' stored rates,
    integer minor units (docs/analytics.md, "Spend").

    Written only by `analytics.spend.spend_refresh` (one row per key: it holds the watermarks' lock while it
    writes): each (entity, month) it recomputes is compared with these rows and only the rows whose figures changed
    are written."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("The first day of the month the requisition was submitted in."))
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # UNSPSC class (6 digits and "00"), its family and its segment; empty when the line has no UNSPSC code.
    unspsc_class = models.CharField(max_length=8, blank=True)
    unspsc_family = models.CharField(max_length=8, blank=True)
    unspsc_segment = models.CharField(max_length=8, blank=True)
    on_contract = models.BooleanField()
    currency = models.CharField(max_length=3)
    requested_minor = models.BigIntegerField(default=0)
    committed_minor = models.BigIntegerField(default=0)
    actual_minor = models.BigIntegerField(default=0)
    savings_minor = models.BigIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.legal_entity_id} {self.month:%Y-%m} {self.unspsc_class or '-'} {self.committed_minor}"


class SpendFact(SpendFigures):
    """Per (legal entity, month, supplier, UNSPSC class, cost centre, requester, on contract): every filter."""

    cost_centre = models.ForeignKey(CostCentre, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    requester = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["legal_entity", "month"], name="spend_fact_entity_month")]


class SpendRollup(SpendFigures):
    """The same figures per (legal entity, month, supplier, UNSPSC class, on contract): what the pages read when
    neither a cost centre nor a requester is asked for (a few hundred rows per month, whatever the people)."""

    class Meta:
        indexes = [models.Index(fields=["legal_entity", "month"], name="spend_rollup_entity_month")]


class SpendCounted(models.Model):
    """Where the last refresh counted each requisition, so a requisition that moved month (submitted again) has its
    old month recomputed too."""

    requisition_id = models.BigIntegerField(primary_key=True)
    legal_entity_id = models.BigIntegerField()
    month = models.DateField()

    def __str__(self) -> str:
        return f"{self.requisition_id} in {self.legal_entity_id} {self.month:%Y-%m}"


class SpendWatermark(models.Model):
    """How far the refresh has read each source of changes: the highest id of its rows seen by the last run and by
    the run before it (the next run reads from there, so a row that committed late is read too)."""

    source = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    previous_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source} {self.last_id}"


# The cycle-time and turnaround rows live in their own module; imported here so Django registers them.
from .cycle_models import ApprovalTurnaround, RefreshMark, RequisitionCycle  # noqa: E402

__all__ = [
    "ApprovalTurnaround",
    "RefreshMark",
    "RequisitionCycle",
    "ScheduledReport",
    "SpendCounted",
    "SpendFact",
    "SpendRollup",
    "SpendWatermark",
]
