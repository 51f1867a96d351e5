"""The three decisions on an approval task, and what they are called for each kind of chain.

On a requisition: approve, return (to the requester, to change it) or reject. On an invoice on hold with a match
exception the same three decisions mean: accept the variance, ask the supplier for a credit note, reject the
invoice (the API keeps the paths approve/, return/ and reject/ for both).
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ApprovalChain, StepStatus

APPROVE = "approve"
REJECT = "reject"
RETURN = "return"
STATUS = {APPROVE: StepStatus.APPROVED, REJECT: StepStatus.REJECTED, RETURN: StepStatus.RETURNED}

# The buttons, in the order pages show them.
ACTIONS: dict[str, dict[str, Promise]] = {
    ApprovalChain.Subject.REQUISITION: {APPROVE: _("Approve"), RETURN: _("Return"), REJECT: _("Reject")},
    ApprovalChain.Subject.INVOICE: {
        APPROVE: _("Accept variance"),
        RETURN: _("Ask for a credit note"),
        REJECT: _("Reject invoice"),
    },
}

# What was done, as a message says it ("FR-REQ-1: approved.", "Invoice 7 (Burotec): credit note asked.").
DONE: dict[str, dict[str, Promise]] = {
    ApprovalChain.Subject.REQUISITION: {APPROVE: _("approved"), RETURN: _("returned"), REJECT: _("rejected")},
    ApprovalChain.Subject.INVOICE: {
        APPROVE: _("variance accepted"),
        RETURN: _("credit note asked"),
        REJECT: _("invoice rejected"),
    },
}
DECISION_OF_STATUS = {str(status): decision for decision, status in STATUS.items()}


def actions(subject: str) -> list[dict[str, str]]:
    """[{"decision": "approve", "label": "Accept variance"}, …] for a chain's subject."""
    return [{"decision": decision, "label": str(label)} for decision, label in ACTIONS[subject].items()]


def done_label(subject: str, decision: str) -> str:
    return str(DONE[subject].get(decision, decision))


def done_label_of_status(subject: str, status: str) -> str:
    """What an assignment's status says was done: "approved", "credit note asked"…"""
    decision = DECISION_OF_STATUS.get(status)
    return done_label(subject, decision) if decision else status
