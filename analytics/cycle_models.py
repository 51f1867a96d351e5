"""Pre-computed rows of the cycle-time and approver-turnaround figures (docs/analytics.md, "Cycle times and
approver turnaround"): one row per submitted requisition and one per approval decision, kept up to date by beat
(`analytics.cycle_refresh`) from the rows each app records, so a page reads an indexed range of narrow rows instead
of joining five apps' tables."""

from django.db import models

from approvals.models import ApprovalStepApprover, PurchasingRule
from procurement.models import Employee, LegalEntity, Supplier
from requisitions.models import Requisition


class RequisitionCycle(models.Model):
    """When each step of one requisition happened, and the step durations in seconds (None: not reached)."""

    requisition = models.OneToOneField(Requisition, primary_key=True, on_delete=models.CASCADE, related_name="+")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month of its submission (site time zone).")
    # The supplier of its orders when they all have the same one; None before ordering or with several.
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    first_received_at = models.DateTimeField(null=True, blank=True)
    last_received_at = models.DateTimeField(null=True, blank=True)
    invoiced_at = models.DateTimeField(null=True, blank=True)
    approval_seconds = models.BigIntegerField(null=True, blank=True)
    ordering_seconds = models.BigIntegerField(null=True, blank=True)
    first_delivery_seconds = models.BigIntegerField(null=True, blank=True)
    last_delivery_seconds = models.BigIntegerField(null=True, blank=True)
    invoicing_seconds = models.BigIntegerField(null=True, blank=True)
    total_seconds = models.BigIntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["legal_entity", "month"], name="req_cycle_entity_month")]

    def __str__(self) -> str:
        return f"cycle of requisition {self.requisition_id}"


class ApprovalTurnaround(models.Model):
    """One decision on an approval task: from the task's creation to the decision."""

    assignment = models.OneToOneField(
        ApprovalStepApprover, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month of the decision (site time zone).")
    approver = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=200)
    rule = models.ForeignKey(PurchasingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requisition = models.ForeignKey(Requisition, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=12)
    task_created_at = models.DateTimeField()
    decided_at = models.DateTimeField()
    seconds = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["legal_entity", "month"], name="turnaround_entity_month")]

    def __str__(self) -> str:
        return f"turnaround of assignment {self.assignment_id}"


class RefreshMark(models.Model):
    """Until when a refresh has read the apps' changes (its next run starts a little before)."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M}"
