"""(filled by the issue-16 helpers.)

STAND-INS ONLY, on the exceptions branch (m16-exceptions): the three services that p2p.invoice_exceptions calls
when an invoice's exception chain ends. The matching helper's branch owns this file: at merge, take its
invoices/services.py and drop these. They move the status bare (no transition table, no ledger) so that the
approvals side can be tested before the real ones land.
"""

from typing import Any

from django.utils import timezone

from .models import Invoice


def _decide(invoice: Invoice, status: str, by: Any, reason: str = "") -> Invoice:
    invoice.status = status
    invoice.decided_by = by
    invoice.decided_at = timezone.now()
    if reason:
        invoice.reasons = [*invoice.reasons, reason]
    invoice.save(update_fields=["status", "decided_by", "decided_at", "reasons"])
    return invoice


def invoice_variance_accept(*, invoice: Invoice, by: Any, comment: str) -> Invoice:
    return _decide(invoice, Invoice.Status.APPROVED, by)


def invoice_reject(*, invoice: Invoice, by: Any, comment: str) -> Invoice:
    return _decide(invoice, Invoice.Status.REJECTED, by)


def invoice_credit_note_request(*, invoice: Invoice, by: Any, comment: str) -> Invoice:
    return _decide(invoice, Invoice.Status.EXCEPTION, by, f"credit note asked: {comment}")
