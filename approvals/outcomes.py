"""The end of an approval process: the chain and the requisition take its outcome, and the requester hears it
(an invoice's chain takes its outcome; p2p.invoice_exceptions applies it to the invoice).

Called by the flow's end nodes (approvals.flows); below the flow, so the flow imports it and not the services.
"""

from requisitions.models import RequisitionStatus
from requisitions.services.lifecycle import requisition_status_move

from .models import ApprovalChain, ApprovalStepApprover, StepStatus
from .notifications import notify_outcome
from .transitions import approval_chain_status_move

# What a finished approval chain means for its requisition.
REQUISITION_OUTCOMES: dict[str, str] = {
    ApprovalChain.Status.APPROVED: RequisitionStatus.APPROVED,
    ApprovalChain.Status.REJECTED: RequisitionStatus.REJECTED,
    ApprovalChain.Status.RETURNED: RequisitionStatus.RETURNED,
}


def approval_chain_finish(*, chain_id: int, outcome: str) -> None:
    """The process reached its end: the chain and the requisition take the outcome.

    An invoice's chain only records its outcome here: what it means for the invoice (variance accepted, credit
    note asked, rejected) is applied by the orchestration after the decision (p2p.invoice_exceptions), since
    invoices sit above approvals."""
    chain = ApprovalChain.objects.select_related("requisition", "invoice__legal_entity").get(pk=chain_id)
    last = (
        ApprovalStepApprover.objects.filter(step__chain=chain)
        .exclude(decided_at=None)
        .select_related("decided_by__user")
        .order_by("-decided_at")
        .first()
    )
    approval_chain_status_move(
        chain=chain,
        to_status=outcome,
        by=last.decided_by if last else None,
        comment=last.comment if last else "",
    )
    if outcome != ApprovalChain.Status.APPROVED:
        chain.steps.filter(status=StepStatus.PENDING).update(status=StepStatus.CANCELLED)
    if chain.requisition is None:
        return
    target = REQUISITION_OUTCOMES[outcome]
    notify_outcome(
        requisition=chain.requisition,
        outcome=target.replace("_", " "),
        by=last.decided_by if last else None,
        comment=last.comment if last else "",
    )
    requisition_status_move(
        requisition=chain.requisition,
        to_status=target,
        by=last.decided_by if last else None,
        comment=last.comment if last else "",
    )
