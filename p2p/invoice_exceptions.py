"""After a decision on an invoice's exception chain: what the chain's outcome means for the invoice.

    decide     approvals: the decision recorded, the process moved on to the next stage, or to its end
    the end    invoices:  approved → the variance accepted        (invoices.services.invoice_variance_accept)
                          returned → a credit note asked          (invoices.services.invoice_credit_note_request)
                          rejected → the invoice rejected         (invoices.services.invoice_reject)

Runs inside p2p.submit_to_order.approval_decide's transaction, under the approval process lock: a refusal by the
invoice's service undoes the decision too. Starting the chain (invoices.exceptions.invoice_exception_route) and
withdrawing it on a re-match (invoice_exception_withdraw) are the matching code's calls, in the invoices app.
"""

from collections.abc import Callable
from typing import Any

from approvals.models import ApprovalChain
from approvals.selectors import approval_chain_status
from invoices.services import invoice_credit_note_request, invoice_reject, invoice_variance_accept
from procurement.models import Employee

# What a finished chain does to its invoice; a chain still pending (its next stage decides) does nothing yet.
INVOICE_OUTCOMES: dict[str, Callable[..., Any]] = {
    ApprovalChain.Status.APPROVED: invoice_variance_accept,
    ApprovalChain.Status.RETURNED: invoice_credit_note_request,
    ApprovalChain.Status.REJECTED: invoice_reject,
}


def invoice_exception_decided(*, chain: ApprovalChain, by: Employee, comment: str) -> str | None:
    """The chain's outcome applied to its invoice once the chain ended; returns the outcome (None: pending)."""
    outcome = approval_chain_status(chain_id=chain.pk)
    apply = INVOICE_OUTCOMES.get(outcome)
    if apply is None or chain.invoice is None:
        return None
    apply(invoice=chain.invoice, by=by, comment=comment)
    return outcome
