"""Row locks of approvals, in one place; several rows are always locked in primary-key order."""

from django.db.models import QuerySet

from .models import ApprovalProcess, ApprovalStepApprover, PurchasingRule


def purchasing_rules_qs_select_for_update() -> QuerySet[PurchasingRule]:
    return PurchasingRule.objects.select_for_update().order_by("pk")


def approval_step_approvers_qs_select_for_update() -> QuerySet[ApprovalStepApprover]:
    """The assignment, its step and its chain locked, with the invoice the chain decides read along (not locked: an
    invoice's row is its own app's to lock). A requisition is not read here: PostgreSQL cannot lock the nullable
    side of an outer join, so the caller reads and locks a requisition's row itself (requisitions.lock_objects)."""
    return (
        ApprovalStepApprover.objects.select_for_update(of=("self", "step", "step__chain"))
        .select_related("step__chain__invoice")
        .order_by("pk")
    )


def approval_processes_qs_select_for_update(*, skip_locked: bool = False) -> QuerySet[ApprovalProcess]:
    """The process row is the lock of its flow, the one `ApprovalFlow.lock` (viewflow's select_for_update_lock)
    takes around a decision: whoever holds it is the only one deciding on or handing over that process's tasks.
    With `skip_locked` a row someone holds is left out instead of waited for. FOR NO KEY UPDATE: it still excludes
    the flow's lock (FOR UPDATE) and every other writer, but not the key-share lock of a transaction that writes a
    task of the process (its foreign key's check), which would otherwise make SKIP LOCKED leave the process out."""
    return ApprovalProcess._default_manager.select_for_update(skip_locked=skip_locked, no_key=True).order_by("pk")
