"""Writes of approvals: rules (versioned) and the chain stored when a requisition is submitted."""

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from procurement.models import Employee
from requisitions import hooks
from requisitions.models import Requisition, RequisitionStatus
from requisitions.services import requisition_status_move

from .chain import ResolvedChain, approval_chain_resolve
from .errors import NoEligibleApprover, RequisitionBlocked
from .models import ApprovalChain, ApprovalStep, ApprovalStepApprover, PurchasingRule, PurchasingRuleVersion, StepStatus


def _snapshot(rule: PurchasingRule) -> dict[str, Any]:
    return {
        key: (str(value) if value is not None and not isinstance(value, bool | int | str) else value)
        for key, value in model_to_dict(rule).items()
    }


@transaction.atomic
def purchasing_rule_save(*, rule: PurchasingRule, by: Any = None) -> PurchasingRule:
    """Save a rule; every change makes a new version, and the old one stays readable."""
    if rule.pk:
        previous = PurchasingRule.objects.select_for_update().get(pk=rule.pk)
        if _snapshot(previous) == _snapshot(rule) and previous.version == rule.version:
            return rule
        rule.version = previous.version + 1
    else:
        rule.version = 1
    rule.save()
    PurchasingRuleVersion.objects.create(
        rule=rule, version=rule.version, snapshot=_snapshot(rule), created_by=by if getattr(by, "pk", None) else None
    )
    return rule


def check_resolvable(resolved: ResolvedChain) -> None:
    if resolved.blocked:
        raise RequisitionBlocked(resolved.blocked)
    if resolved.problems and not resolved.auto_approved:
        raise NoEligibleApprover(" ".join(resolved.problems))


@transaction.atomic
def approval_chain_create(*, requisition: Requisition, by: Employee | None) -> ApprovalChain:
    """Store the chain for this submission and move the requisition into approval (or approve it outright)."""
    resolved = approval_chain_resolve(requisition=requisition)
    check_resolvable(resolved)
    ApprovalChain.objects.filter(requisition=requisition, status=ApprovalChain.Status.PENDING).update(
        status=ApprovalChain.Status.SUPERSEDED
    )
    chain = ApprovalChain.objects.create(
        requisition=requisition,
        total_minor=resolved.total.minor,
        currency=resolved.total.currency,
        auto_approved=resolved.auto_approved,
        rule_versions=[
            {"rule": rule.pk, "version": rule.version, "name": rule.name} for rule in resolved.rules if rule.pk
        ],
    )
    for position, stage in enumerate(resolved.stages, 1):
        step = ApprovalStep.objects.create(
            chain=chain,
            position=position,
            name=stage.name[:200],
            reason=stage.reason[:300],
            mode=stage.mode,
            required_count=stage.required_count,
            rule=stage.rule if stage.rule and stage.rule.pk else None,
            rule_version=stage.rule.version if stage.rule and stage.rule.pk else None,
            sla_hours=stage.sla_hours,
        )
        ApprovalStepApprover.objects.bulk_create(
            ApprovalStepApprover(step=step, approver=person) for person in stage.approvers
        )
    if resolved.auto_approved or not resolved.stages:
        chain.status = ApprovalChain.Status.APPROVED
        chain.save(update_fields=["status"])
        requisition_status_move(
            requisition=requisition,
            to_status=RequisitionStatus.APPROVED,
            by=None,
            comment="Approved automatically by a purchasing rule.",
        )
    else:
        requisition_status_move(requisition=requisition, to_status=RequisitionStatus.IN_APPROVAL, by=None)
    return chain


class ApprovalHook(hooks.RequisitionHook):
    """Approvals take part in submission: refuse what cannot be routed, then store the chain."""

    name = "approvals"

    def validate_submit(self, *, requisition: Requisition, by: Any) -> None:
        check_resolvable(approval_chain_resolve(requisition=requisition))

    def after_submit(self, *, requisition: Requisition, by: Any) -> None:
        approval_chain_create(requisition=requisition, by=by)

    def after_status_change(self, *, requisition: Requisition, from_status: str, to_status: str, by: Any) -> None:
        ends: dict[str, str] = {
            RequisitionStatus.WITHDRAWN: ApprovalChain.Status.WITHDRAWN,
            RequisitionStatus.CANCELLED: ApprovalChain.Status.WITHDRAWN,
        }
        if to_status in ends:
            pending = ApprovalChain.objects.filter(requisition=requisition, status=ApprovalChain.Status.PENDING)
            ApprovalStep.objects.filter(chain__in=pending, status=StepStatus.PENDING).update(
                status=StepStatus.CANCELLED
            )
            ApprovalStepApprover.objects.filter(step__chain__in=pending, status=StepStatus.PENDING).update(
                status=StepStatus.CANCELLED
            )
            pending.update(status=ends[to_status])
