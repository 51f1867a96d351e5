"""Row locks of approvals, in one place; several rows are always locked in primary-key order."""

from django.db.models import QuerySet

from .models import ApprovalStepApprover, PurchasingRule


def purchasing_rules_qs_select_for_update() -> QuerySet[PurchasingRule]:
    return PurchasingRule.objects.select_for_update().order_by("pk")


def approval_step_approvers_qs_select_for_update() -> QuerySet[ApprovalStepApprover]:
    """Rows joined with `select_related` are locked too (the step, its chain and the requisition)."""
    return ApprovalStepApprover.objects.select_for_update().order_by("pk")
