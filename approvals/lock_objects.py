"""Row locks of approvals, in one place; several rows are always locked in primary-key order."""

from django.db.models import QuerySet

from .models import ApprovalProcess, ApprovalStepApprover, PurchasingRule


def purchasing_rules_qs_select_for_update() -> QuerySet[PurchasingRule]:
    return PurchasingRule.objects.select_for_update().order_by("pk")


def approval_step_approvers_qs_select_for_update() -> QuerySet[ApprovalStepApprover]:
    """Rows joined with `select_related` are locked too (the step, its chain and the requisition)."""
    return ApprovalStepApprover.objects.select_for_update().order_by("pk")


def approval_processes_qs_select_for_update(*, skip_locked: bool = False) -> QuerySet[ApprovalProcess]:
    """The process row is the lock of its flow, the one `ApprovalFlow.lock` (viewflow's select_for_update_lock)
    takes around a decision: whoever holds it is the only one deciding on or handing over that process's tasks.
    With `skip_locked` a row someone holds is left out instead of waited for."""
    return ApprovalProcess._default_manager.select_for_update(skip_locked=skip_locked).order_by("pk")
