"""The end of an approval process: the chain and the requisition take its outcome, and the requester hears it
(an invoice's chain takes its outcome; p2p.invoice_exceptions applies it to the invoice).

Called by the flow's end nodes (approvals.flows); below the flow, so the flow imports it and not the services.
"""

from requisitions.models import RequisitionStatus
from requisitions.services.lifecycle import requisition_status_move

from .models import ApprovalChain, ApprovalStep, ApprovalStepApprover, StepStatus
from .notifications import notify_outcome
from .transitions import approval_chain_status_move

# What a finished approval chain means for its requisition.
REQUISITION_OUTCOMES: dict[str, str] = {
    ApprovalChain.Status.APPROVED: RequisitionStatus.APPROVED,
    ApprovalChain.Status.REJECTED: RequisitionStatus.REJECTED,
    ApprovalChain.Status.RETURNED: RequisitionStatus.RETURNED,
}


def approval_chain_finish(
    *, chain: ApprovalChain, outcome: str, last: ApprovalStepApprover | None = None, requisition_locked: bool = False
) -> None:
    """The process reached its end: the chain and the requisition take the outcome.

    `chain` comes with its requisition (and the requisition's legal entity and requester) or its invoice loaded;
    `last` is the decision that ended it (its author and comment go on the moves), None when nobody decided;
    `requisition_locked` says the caller read the requisition under its row lock already (a decision does).

    An invoice's chain only records its outcome here: what it means for the invoice (variance accepted, credit
    note asked, rejected) is applied by the orchestration after the decision (p2p.invoice_exceptions), since
    invoices sit above approvals."""
    by = last.decided_by if last is not None else None
    comment = last.comment if last is not None else ""
    approval_chain_status_move(chain=chain, to_status=outcome, by=by, comment=comment)
    if outcome != ApprovalChain.Status.APPROVED:
        ApprovalStep.objects.filter(chain=chain, status=StepStatus.PENDING).update(status=StepStatus.CANCELLED)
    if chain.requisition is None:
        return
    target = REQUISITION_OUTCOMES[outcome]
    notify_outcome(requisition=chain.requisition, outcome=target.replace("_", " "), by=by, comment=comment)
    requisition_status_move(
        requisition=chain.requisition, to_status=target, by=by, comment=comment, locked=requisition_locked
    )
