"""A list mailed every week to a list of people, as its owner would download it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procurement.models import Employee, LegalEntity


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


# The cycle-time and turnaround rows live in their own module; imported here so Django registers them.
from .cycle_models import ApprovalTurnaround, RefreshMark, RequisitionCycle  # noqa: E402

__all__ = ["ApprovalTurnaround", "RefreshMark", "RequisitionCycle", "ScheduledReport"]
