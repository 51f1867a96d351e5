"""What becomes of an invoice on hold (variance accepted, rejected, a credit note asked for) and of one the ERP
paid; the match's queries do not grow with the lines."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection

from invoices.errors import InvoiceTransitionNotAllowed
from invoices.matching import invoice_match
from invoices.services import invoice_credit_note_request, invoice_mark_paid, invoice_reject, invoice_variance_accept
from procurement.models import AuditEvent

from .helpers import invoice_for, ledger, ordered, po_lines, receive, tolerance


def held_invoice(world):
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    invoice = invoice_for(order, (line, "5", "8.40"), number="INV-9")
    invoice_match(invoice=invoice)
    assert invoice.status == "exception"
    return order, invoice


def statuses(invoice) -> list[tuple[str, str]]:
    return [
        (event.data["from"], event.data["to"])
        for event in AuditEvent.objects.filter(
            event_type="invoices.invoice.status", object_type="invoices.Invoice", object_id=str(invoice.pk)
        ).order_by("pk")
    ]


def test_an_accepted_variance_makes_the_invoice_ready_to_pay_and_books_it(world):
    order, invoice = held_invoice(world)
    invoice_variance_accept(invoice=invoice, by=world.buyer, comment="Price rise agreed by phone")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.decided_by) == ("ready_to_pay", world.buyer)
    assert statuses(invoice) == [("received", "exception"), ("exception", "approved"), ("approved", "ready_to_pay")]
    assert ledger(order)["actual"] == 4200
    order.refresh_from_db()
    assert order.status == "closed"


def test_a_rejected_invoice_books_nothing(world):
    order, invoice = held_invoice(world)
    invoice_reject(invoice=invoice, by=world.buyer, comment="Not our price")
    invoice.refresh_from_db()
    assert invoice.status == "rejected"
    assert "actual" not in ledger(order)
    with pytest.raises(InvoiceTransitionNotAllowed):
        invoice_variance_accept(invoice=invoice, by=world.buyer, comment="")


def test_a_credit_note_request_keeps_the_invoice_on_hold_and_tells_the_supplier(
    world, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _, invoice = held_invoice(world)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_credit_note_request(invoice=invoice, by=world.buyer, comment="Please credit 0.40 per unit.")
    invoice.refresh_from_db()
    assert invoice.status == "exception"
    [message] = mail.outbox
    assert message.to == ["billing@bolts.example"]
    assert message.subject == "Credit note requested for invoice INV-9"
    assert "Please credit 0.40 per unit." in message.body
    assert "line 1: unit price 8.40 vs 8.00 ordered, +5 % with no price tolerance" in message.body
    assert AuditEvent.objects.filter(event_type="invoices.invoice.credit_note_requested").count() == 1


def test_the_erp_marks_an_invoice_paid_once(world):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    invoice = invoice_for(order, (line, "5", "8.00"))
    invoice_match(invoice=invoice)
    paid_at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    invoice_mark_paid(invoice=invoice, paid_at=paid_at, reference="PAY-77", by=None)
    invoice_mark_paid(invoice=invoice, paid_at=paid_at, reference="PAY-77", by=None)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at, invoice.payment_reference) == ("paid", paid_at, "PAY-77")
    with pytest.raises(InvoiceTransitionNotAllowed):
        invoice_reject(invoice=invoice, by=world.buyer, comment="too late")


@pytest.mark.parametrize("count", [2, 20])
def test_the_match_and_acceptance_take_the_same_queries_whatever_the_line_count(
    world, count, django_assert_num_queries
):
    order = ordered(world, *[("2", "5.00")] * count)
    lines = po_lines(order)
    for line in lines:
        receive(order, line, "2")
    invoice = invoice_for(order, *[(line, "2", "5.00") for line in lines])
    with django_assert_num_queries(QUERIES):
        invoice_match(invoice=invoice)
    assert invoice.status == "ready_to_pay"


# 49 before status moves wrote their row and audit event without a savepoint of their own (procurement.status_moves);
# on PostgreSQL 44 since a requisition's status move and its change-log row are one statement.
QUERIES = 44 if connection.vendor == "postgresql" else 45
