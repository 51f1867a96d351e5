"""The table of allowed status moves of an invoice, and the one function that moves it.

    received     → matched | exception | rejected        (the match decides)
    matched      → ready_to_pay                           (at once: a matched invoice needs no approval)
    exception    → matched                                (re-matched after a receipt or a credit note)
                 | approved                               (an approver accepts the variance)
                 | rejected
    approved     → ready_to_pay
    ready_to_pay → paid                                   (the ERP reports the payment)
                 | rejected                               (taken back before payment: its actual is reversed)
    rejected, paid: final.

Each move writes an audit event `invoices.invoice.status` (from, to, who, comment) in the same transaction.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from procurement.models import Employee
from procurement.status_moves import StatusTable, status_move

from .errors import InvoiceTransitionNotAllowed
from .models import Invoice

S = Invoice.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.MATCHED, S.EXCEPTION, S.REJECTED}),
    S.MATCHED: frozenset({S.READY_TO_PAY}),
    S.EXCEPTION: frozenset({S.MATCHED, S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.READY_TO_PAY}),
    S.READY_TO_PAY: frozenset({S.PAID, S.REJECTED}),
    S.REJECTED: frozenset(),
    S.PAID: frozenset(),
}
# Where a match may run again: not matched yet, or on hold.
MATCHABLE = frozenset({S.RECEIVED, S.EXCEPTION})
# Accepted: counted as invoiced on the order and as actual spend on budgets.
ACCEPTED = frozenset({S.READY_TO_PAY, S.PAID})

INVOICE_TABLE = StatusTable(
    allowed=ALLOWED, labels=S, what=gettext_lazy("invoice"), event_type="invoices.invoice.status"
)


def invoice_status_move(
    *, invoice: Invoice, to_status: str, by: Employee | None, comment: str = "", also: Iterable[str] = ()
) -> bool:
    """Move the invoice (row-locked by the caller) to `to_status` if the table allows it, saving the fields in
    `also` the caller set, and log the move; True when it moved. A move the table does not allow raises
    `InvoiceTransitionNotAllowed` and writes nothing."""
    return status_move(
        invoice,
        table=INVOICE_TABLE,
        to_status=to_status,
        refused=InvoiceTransitionNotAllowed,
        actor=by.user if by is not None else None,
        legal_entity=lambda: invoice.legal_entity,
        comment=comment[:1000],
        also_save=also,
    )
