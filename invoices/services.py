"""(filled by the issue-16 helpers.)

STAND-INS ONLY, on the exceptions branch (m16-exceptions): the three services that p2p.invoice_exceptions calls
when an invoice's exception chain ends. The matching helper's branch owns this file: at merge, take its
invoices/services.py and drop these. They move the status bare (no transition table, no ledger) so that the
approvals side can be tested before the real ones land.
"""

from typing import Any

from django.utils import timezone

from procurement.events import audit_event_record

from .models import Invoice


def _decide(invoice: Invoice, status: str, by: Any) -> Invoice:
    invoice.status = status
    invoice.decided_by = by
    invoice.decided_at = timezone.now()
    invoice.save(update_fields=["status", "decided_by", "decided_at"])
    return invoice


def invoice_variance_accept(*, invoice: Invoice, by: Any, comment: str) -> Invoice:
    """Approved, then ready to pay (the real one books the actuals)."""
    return _decide(invoice, Invoice.Status.READY_TO_PAY, by)


def invoice_reject(*, invoice: Invoice, by: Any, comment: str) -> Invoice:
    return _decide(invoice, Invoice.Status.REJECTED, by)


def invoice_credit_note_request(*, invoice: Invoice, by: Any, comment: str) -> Invoice:
    """Stays on hold; the request is noted (the real one also e-mails the supplier)."""
    audit_event_record(
        event_type="invoices.invoice.credit_note_requested",
        actor=by.user if by is not None else None,
        legal_entity=invoice.legal_entity,
        obj=invoice,
        data={"comment": comment.strip(), "by": by.display_name if by is not None else ""},
    )
    return invoice
