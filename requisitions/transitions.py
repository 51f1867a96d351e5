"""The table of allowed status moves. Nothing changes a requisition's status except through it."""

from .models import RequisitionStatus as S

ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.IN_APPROVAL, S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN}),
    S.IN_APPROVAL: frozenset({S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN}),
    S.RETURNED: frozenset({S.SUBMITTED, S.WITHDRAWN, S.CANCELLED}),
    S.APPROVED: frozenset({S.ORDERED, S.IN_APPROVAL, S.CANCELLED}),
    S.ORDERED: frozenset({S.RECEIVED, S.INVOICED, S.CLOSED, S.CANCELLED}),
    # Set from its orders' receipts and invoices (a reversal or a credit note moves it back).
    S.RECEIVED: frozenset({S.ORDERED, S.INVOICED, S.CLOSED}),
    S.INVOICED: frozenset({S.ORDERED, S.RECEIVED, S.CLOSED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Before final approval the requester may take a requisition back.
WITHDRAWABLE = frozenset({S.SUBMITTED, S.IN_APPROVAL, S.RETURNED})
CANCELLABLE = frozenset({S.DRAFT, S.RETURNED, S.APPROVED, S.ORDERED})
TERMINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())
