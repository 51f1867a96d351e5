"""Periodic work of approvals, run by Celery beat."""

from celery import shared_task

from .routing import approvals_escalate, delegations_apply


@shared_task(name="approvals.approvals_escalate", time_limit=600, soft_time_limit=540)
def approvals_escalate_task() -> dict[str, int]:
    """Remind approvers and escalate tasks that waited past their SLA."""
    return approvals_escalate()


@shared_task(name="approvals.delegations_apply", time_limit=600, soft_time_limit=540)
def delegations_apply_task() -> int:
    """Move open tasks to delegates of absent approvers, and back when they return."""
    return delegations_apply()
