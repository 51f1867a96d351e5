"""Reads of approvals: the chain of a requisition, stored or previewed, in one shape for pages and the API."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from viewflow.workflow.models import Task

from procurement.models import Employee
from procurement.money import Money
from requisitions.models import Requisition

from .chain import approval_chain_resolve
from .models import ApprovalChain, ApprovalStep, ApprovalStepApprover, Delegation


@dataclass(frozen=True)
class ApproverView:
    username: str
    name: str
    status: str
    comment: str = ""
    decided_at: datetime | None = None
    decided_by: str = ""


@dataclass(frozen=True)
class StageView:
    position: int
    name: str
    reason: str
    mode: str
    required: int
    status: str
    approvers: tuple[ApproverView, ...]


@dataclass
class ChainView:
    status: str  # "preview" before submission, else the stored chain's status
    total: str | None  # None while a line's currency has no stored rate (the problems say which)
    currency: str
    auto_approved: bool = False
    blocked: str = ""
    problems: list[str] = field(default_factory=list)
    stages: list[StageView] = field(default_factory=list)


def approval_chain_for(*, requisition: Requisition) -> ChainView:
    """The stored chain of the latest submission, or a preview of who would sign if it were submitted now."""
    stored = None
    if not requisition.is_editable:
        stored = (
            _with_steps(
                ApprovalChain.objects.filter(requisition=requisition).exclude(status=ApprovalChain.Status.SUPERSEDED)
            )
            .order_by("-created_at", "-id")
            .first()
        )
    if stored is not None:
        return _stored_view(stored)
    resolved = approval_chain_resolve(requisition=requisition)
    return ChainView(
        status="preview",
        total=None if requisition.total_minor is None else resolved.total.as_api()["amount"],
        currency=resolved.total.currency,
        auto_approved=resolved.auto_approved,
        blocked=resolved.blocked,
        problems=list(resolved.problems),
        stages=[
            StageView(
                position,
                stage.name,
                stage.reason,
                stage.mode,
                stage.required_count,
                "pending",
                tuple(ApproverView(p.user.username, p.display_name, "pending") for p in stage.approvers),
            )
            for position, stage in enumerate(resolved.stages, 1)
        ],
    )


def _stored_view(stored: ApprovalChain) -> ChainView:
    total = Money.from_minor(stored.total_minor, stored.currency)
    return ChainView(
        status=stored.status,
        total=total.as_api()["amount"],
        currency=total.currency,
        auto_approved=stored.auto_approved,
        stages=[
            StageView(
                step.position,
                step.name,
                step.reason,
                step.mode,
                step.required_count,
                step.status,
                tuple(
                    ApproverView(
                        a.approver.user.username,
                        a.approver.display_name,
                        a.status,
                        a.comment,
                        a.decided_at,
                        a.decided_by.user.username if a.decided_by else "",
                    )
                    for a in step.approvers.all()
                ),
            )
            for step in stored.steps.all()
        ],
    )


def _with_steps(chains: QuerySet[ApprovalChain]) -> QuerySet[ApprovalChain]:
    return chains.prefetch_related(
        Prefetch(
            "steps",
            ApprovalStep.objects.order_by("position").prefetch_related(
                Prefetch("approvers", ApprovalStepApprover.objects.select_related("approver__user", "decided_by__user"))
            ),
        )
    )


def invoice_approval_chain_for(*, invoice_id: int) -> ChainView | None:
    """The invoice's latest exception chain (pending, or how it ended), for the invoice's page and API; None when
    it never went to an approval. Same shape as a requisition's (`approval_chain_for`)."""
    stored = (
        _with_steps(ApprovalChain.objects.filter(invoice_id=invoice_id).exclude(status=ApprovalChain.Status.SUPERSEDED))
        .order_by("-created_at", "-id")
        .first()
    )
    return _stored_view(stored) if stored is not None else None


def approval_decided_by(*, task_id: int, employee_id: int, user_id: int) -> ApprovalStepApprover | None:
    """The decision `employee` already made on their approval task `task_id`, if they made one.

    A second click on Approve (or a second visit of a decision link) answers this first outcome.
    """
    data = Task.objects.filter(pk=task_id, owner_id=user_id).values_list("data", flat=True).first()
    assignment_id = data.get("assignment") if isinstance(data, dict) else None
    if not isinstance(assignment_id, int):
        return None
    return (
        ApprovalStepApprover.objects.filter(pk=assignment_id, decided_by_id=employee_id, decided_at__isnull=False)
        .select_related("step__chain__requisition", "step__chain__invoice")
        .first()
    )


def approval_chain_status(*, chain_id: int) -> str:
    """The chain's status as stored now: pending, or the outcome its process reached."""
    return ApprovalChain.objects.values_list("status", flat=True).get(pk=chain_id)


def delegate_for(*, employee: Employee, on: date, chain: ApprovalChain) -> Employee | None:
    """The delegate standing in for `employee` on a day, unless the delegate may not decide on the chain (the
    requester of the requisition, whoever entered the invoice)."""
    delegation = (
        Delegation.objects.filter(employee=employee, starts_on__lte=on, ends_on__gte=on)
        .select_related("delegate__user")
        .order_by("-created_at")
        .first()
    )
    if delegation is None or chain.barred(delegation.delegate):
        return None
    return delegation.delegate


def chain_subject_status(*, chain_id: int) -> str | None:
    """The status now of what the chain decides: the requisition's, or the invoice's (after the orchestration
    applied the chain's outcome to it)."""
    row = ApprovalChain.objects.filter(pk=chain_id).values_list("requisition__status", "invoice__status").first()
    if row is None:
        return None
    return row[0] if row[0] is not None else row[1]


def invoice_chain_pending(*, invoice_id: int) -> ApprovalChain | None:
    """The invoice's pending exception chain, if one waits for decisions."""
    return (
        ApprovalChain.objects.filter(invoice_id=invoice_id, status=ApprovalChain.Status.PENDING)
        .order_by("-created_at", "-id")
        .first()
    )
