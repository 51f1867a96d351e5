"""What becomes of an invoice after its match: accepted (ready to pay), a variance accepted, rejected, a credit
note asked for, paid.

Accepting an invoice (a match without exceptions, or an approver's acceptance of the variance) does three things
in its transaction: the invoice becomes `ready_to_pay`; what it bills is counted on its order lines
(`orders.order_progress`, which closes an order fully received and invoiced); and the order's commitment turns
into actual spend on its budgets (`budgets.actuals`), net of recoverable VAT. A closed order gives back what it
still holds. A credit note does the same with the opposite sign; an accepted invoice rejected before payment is
undone the same way.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.actuals import funds_actual_record, funds_invoice_reverse, funds_order_release
from budgets.services import Charge
from notifications.services import message_render
from orders.models import PurchaseOrder, PurchaseOrderLine
from orders.order_progress import LineProgress, purchase_order_progress_record
from orders.services import order_line_charges
from orders.transitions import OPEN
from procurement.contract_ledger import (
    ContractSpend,
    contract_spend_credit,
    contract_spend_invoice,
    contract_spend_invoice_withdraw,
)
from procurement.events import audit_event_record
from procurement.models import Employee
from procurement.money import line_total_minor, split_minor, tax_amount_minor
from procurement.task_queue import task_enqueue_on_commit
from procurement.taxes import entity_tax_codes

from .errors import InvoiceError
from .exceptions import invoice_exception_route, invoice_exception_withdraw
from .lock_objects import invoice_orders_lock, invoices_qs_select_for_update
from .models import Invoice, InvoiceLine
from .payment_terms import TERMS_FIELDS
from .tasks import supplier_email_send
from .transitions import ACCEPTED, invoice_status_move

S = Invoice.Status


def invoice_lines_with_orders(*, invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines with their order lines, orders, splits (and tax codes, when order lines have them)."""
    related = ["po_line__purchase_order__requisition", "po_line__requisition_line"]
    if any(f.name == "tax_code" and f.is_relation for f in PurchaseOrderLine._meta.get_fields()):
        related.append("po_line__tax_code")  # the taxes branch's tax code: its recoverability
    lines = list(
        InvoiceLine.objects.filter(invoice=invoice)
        .select_related(*related)
        .prefetch_related("po_line__requisition_line__splits")
        .order_by("line_number")
    )
    for line in lines:
        line.invoice = invoice
    return lines


def _reasons_text(invoice: Invoice, lines: list[InvoiceLine]) -> str:
    parts = list(invoice.reasons) + [
        f"line {line.line_number}: {reason}" for line in lines for reason in (line.reasons or [])
    ]
    return "; ".join(parts)


def invoice_match_outcome(*, invoice: Invoice, lines: list[InvoiceLine], ok: bool) -> None:
    """The match's verdict on the (locked) invoice, its reasons, match mode and terms set by the match: matched and
    accepted at once, or on hold as an exception (routed to an approval when it first goes on hold)."""
    mode = Invoice.MatchMode(invoice.match_mode).label.lower() if invoice.match_mode else "match"
    if ok:
        if invoice.status == S.EXCEPTION:
            # On hold until now (a receipt or a credit note cleared it): its waiting approval is withdrawn.
            invoice_exception_withdraw(invoice=invoice, comment=f"Matched ({mode})")
        invoice_status_move(
            invoice=invoice,
            to_status=S.MATCHED,
            by=None,
            comment=f"Matched ({mode})",
            also=["reasons", "match_mode", *TERMS_FIELDS],
        )
        _accept(invoice=invoice, lines=lines, by=None, comment="Matched: no approval needed")
        return
    invoice_status_move(
        invoice=invoice,
        to_status=S.EXCEPTION,
        by=None,
        comment=_reasons_text(invoice, lines),
        also=["reasons", "match_mode", *TERMS_FIELDS],
    )
    # Routed when it goes on hold; routed again on a re-match that leaves it on hold (the same exception keeps its
    # waiting chain, a changed one supersedes it).
    invoice_exception_route(invoice=invoice)


def _non_recoverable_tax_minor(line: InvoiceLine, recoverable: dict[str, bool]) -> int:
    """The tax of the line that is spent: none when the order line's tax code is recoverable VAT (the usual case;
    a line without a known code counts as recoverable), all of it otherwise."""
    assert line.po_line is not None
    if recoverable.get(line.po_line.tax_code, True):
        return 0
    if line.tax_minor:
        return line.tax_minor
    if line.tax_rate is not None:
        return tax_amount_minor(net_minor=line.net_minor, rate_percent=Decimal(line.tax_rate))
    return 0


def _committed_on(order: PurchaseOrder) -> date:
    return timezone.localdate(order.issued_at or order.created_at)


def _book(*, invoice: Invoice, lines: list[InvoiceLine], by: Employee | None, comment: str) -> None:
    """Count what the invoice bills on its orders and book its actuals: per order, in primary-key order."""
    linked = [line for line in lines if line.po_line is not None]
    # Document-level charges (shipping …) are shared over the lines by their net amounts, to the cent.
    shares = [0] * len(linked)
    weights = [Decimal(line.net_minor) for line in linked]
    if invoice.charges_minor and sum(weights) > 0:
        shares = split_minor(invoice.charges_minor, weights)
    per_order: dict[int, list[tuple[InvoiceLine, int]]] = defaultdict(list)
    orders: dict[int, PurchaseOrder] = {}
    for line, share in zip(linked, shares, strict=True):
        assert line.po_line is not None
        order = line.po_line.purchase_order
        per_order[order.pk].append((line, share))
        orders[order.pk] = order
    # What each line bills (or credits) on a framework agreement's cap: its net amount and share of charges.
    contract_amounts: list[tuple[PurchaseOrderLine, int]] = []
    sign = invoice.sign
    label = f"{'Credit note' if invoice.is_credit_note else 'Invoice'} {invoice.number}"
    recoverable = {code.code: code.recoverable for code in entity_tax_codes(legal_entity=invoice.legal_entity).codes}
    for order_id in sorted(per_order):
        order = orders[order_id]
        changes: dict[int, LineProgress] = {}
        actual: list[Charge] = []
        released: list[Charge] = []
        for line, share in per_order[order_id]:
            po_line = line.po_line
            assert po_line is not None
            before = changes.get(po_line.pk, LineProgress())
            quantity, amount = line.quantity, line.net_minor
            if invoice.is_credit_note:  # never below zero: a credit beyond what was invoiced is capped
                quantity = min(quantity, po_line.invoiced_quantity + before.invoiced_quantity)
                amount = min(amount, po_line.invoiced_amount_minor + before.invoiced_amount_minor)
            contract_amounts.append((po_line, amount + share))
            changes[po_line.pk] = LineProgress(
                invoiced_quantity=before.invoiced_quantity + sign * quantity,
                invoiced_amount_minor=before.invoiced_amount_minor + sign * amount,
            )
            spent = line.net_minor + share + _non_recoverable_tax_minor(line, recoverable)
            actual.extend(
                replace(charge, currency=invoice.currency) for charge in order_line_charges(po_line, sign * spent)
            )
            if not invoice.is_credit_note:
                # What the invoiced goods were committed at: the order's price for the quantity, or the amount.
                committed = (
                    line.net_minor
                    if po_line.receipt_by_amount
                    else line_total_minor(
                        quantity=line.quantity,
                        unit_price_minor=po_line.unit_price_minor,
                        price_basis_quantity=po_line.price_basis_quantity,
                    )
                )
                released.extend(order_line_charges(po_line, committed))
        closed = False
        if order.status in OPEN:
            progress = purchase_order_progress_record(
                order=order, changes=changes, by=by, comment=f"{label}: {comment}".strip(": ")
            )
            closed = progress.order.status == PurchaseOrder.Status.CLOSED
        funds_actual_record(
            requisition=order.requisition,
            purchase_order=order,
            invoice=invoice,
            actual=actual,
            released=released,
            committed_on=_committed_on(order),
            rate_on=invoice.invoice_date,
            by=by,
            note=f"{label} ({order.number})",
        )
        if closed:
            funds_order_release(purchase_order=order, by=by, note=f"{order.number} fully received and invoiced")
    _contracts_invoice(invoice=invoice, amounts=contract_amounts)


def _contract_reference(invoice: Invoice) -> str:
    return f"invoice:{invoice.pk}"


def _contracts_invoice(*, invoice: Invoice, amounts: list[tuple[PurchaseOrderLine, int]]) -> int:
    """What the invoice bills on order lines priced from framework agreements, written once per contract on
    the contract's cap ledger as invoiced, or for a credit note as credited, never more than the contract has
    invoiced (a re-match writes nothing more). Lines in another currency than their order are left out (the
    ledger adds up one currency per contract)."""
    per_contract: dict[int, int] = defaultdict(int)
    for po_line, amount in amounts:
        if po_line.contract_id and po_line.purchase_order.currency == invoice.currency:
            per_contract[po_line.contract_id] += amount
    reference = _contract_reference(invoice)
    spends = [
        ContractSpend(contract_id=contract_id, amount_minor=amount, currency=invoice.currency, reference=reference)
        for contract_id, amount in sorted(per_contract.items())
    ]
    write = contract_spend_credit if invoice.is_credit_note else contract_spend_invoice
    return write(spends=spends)


def _unbook(*, invoice: Invoice, lines: list[InvoiceLine], by: Employee | None, comment: str) -> None:
    """Undo what accepting the invoice did: the counts on its open orders and its budget entries."""
    totals: dict[int, dict[int, LineProgress]] = defaultdict(dict)
    orders: dict[int, PurchaseOrder] = {}
    for line in lines:
        if line.po_line is None:
            continue
        order = line.po_line.purchase_order
        orders[order.pk] = order
        before = totals[order.pk].get(line.po_line.pk, LineProgress())
        totals[order.pk][line.po_line.pk] = LineProgress(
            invoiced_quantity=before.invoiced_quantity - invoice.sign * line.quantity,
            invoiced_amount_minor=before.invoiced_amount_minor - invoice.sign * line.net_minor,
        )
    for order_id in sorted(totals):
        if orders[order_id].status in OPEN:
            purchase_order_progress_record(
                order=orders[order_id], changes=totals[order_id], by=by, comment=f"Invoice {invoice.number} {comment}"
            )
    funds_invoice_reverse(invoice=invoice, by=by, note=f"Invoice {invoice.number} {comment}")
    contract_spend_invoice_withdraw(reference=_contract_reference(invoice))


def _accept(*, invoice: Invoice, lines: list[InvoiceLine], by: Employee | None, comment: str) -> None:
    invoice_status_move(invoice=invoice, to_status=S.READY_TO_PAY, by=by, comment=comment)
    _book(invoice=invoice, lines=lines, by=by, comment=comment)


def _locked(invoice: Invoice) -> Invoice:
    invoice_orders_lock(invoice_id=invoice.pk)
    return invoices_qs_select_for_update(of=("self",)).select_related("supplier", "legal_entity").get(pk=invoice.pk)


def _decided(invoice: Invoice, by: Employee | None) -> list[str]:
    invoice.decided_by = by
    invoice.decided_at = timezone.now()
    return ["decided_by", "decided_at"]


@transaction.atomic
def invoice_variance_accept(*, invoice: Invoice, by: Employee | None, comment: str) -> Invoice:
    """An approver accepts the variance of an invoice on hold: approved, then ready to pay (counted on its orders,
    booked as actual on budgets)."""
    locked = _locked(invoice)
    invoice_status_move(
        invoice=locked,
        to_status=S.APPROVED,
        by=by,
        comment=comment.strip() or "Variance accepted",
        also=_decided(locked, by),
    )
    _accept(invoice=locked, lines=invoice_lines_with_orders(invoice=locked), by=by, comment="Variance accepted")
    return locked


@transaction.atomic
def invoice_reject(*, invoice: Invoice, by: Employee | None, comment: str) -> Invoice:
    """Reject an invoice (not paid yet). One already accepted is undone: its counts come off its orders, its
    actuals are reversed and the commitment it turned into actual is held again."""
    locked = _locked(invoice)
    accepted = locked.status in ACCEPTED
    why = comment.strip() or "Rejected"
    invoice_status_move(invoice=locked, to_status=S.REJECTED, by=by, comment=why, also=_decided(locked, by))
    if accepted:
        _unbook(invoice=locked, lines=invoice_lines_with_orders(invoice=locked), by=by, comment="rejected")
    return locked


@transaction.atomic
def invoice_credit_note_request(*, invoice: Invoice, by: Employee | None, comment: str) -> Invoice:
    """Ask the supplier for a credit note for an invoice on hold: it stays on hold, the request is noted, and the
    supplier is told by e-mail when it has an address. The credit note re-matches the invoice when it comes."""
    locked = _locked(invoice)
    if locked.status != S.EXCEPTION:
        raise InvoiceError(
            _("Invoice %(number)s is %(label)s: a credit note is asked for only while it is on hold.")
            % {"number": locked.number, "label": S(locked.status).label.lower()}
        )
    text = comment.strip()
    audit_event_record(
        event_type="invoices.invoice.credit_note_requested",
        actor=by.user if by is not None else None,
        legal_entity=locked.legal_entity,
        obj=locked,
        data={"comment": text, "by": by.display_name if by is not None else ""},
    )
    address = locked.supplier.contact_email or locked.supplier.order_email
    if address:
        reasons = _reasons_text(locked, list(locked.lines.order_by("line_number")))
        # Suppliers have no language on file: the site's (the templates are translated like every message).
        message = message_render(
            message="supplier_credit_note",
            context={
                "entity": locked.legal_entity.name,
                "number": locked.number,
                "invoice_date": locked.invoice_date.isoformat(),
                "total": locked.total,
                "comment": text,
                "reasons": reasons,
            },
            language=settings.LANGUAGE_CODE,
        )
        task_enqueue_on_commit(
            supplier_email_send.name,
            kwargs={"invoice_id": locked.pk, "subject": message.title, "body": message.email_body},
        )
    return locked


MAX_REFERENCE = 100


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, paid_at: datetime, reference: str, by: Any = None) -> Invoice:
    """The ERP paid the invoice (the payment run stays there): ready to pay → paid, with when and its reference.
    Reported twice with the same reference, nothing changes."""
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise InvoiceError(
            _("A payment reference is at most %(max_reference)s characters.") % {"max_reference": MAX_REFERENCE}
        )
    locked = _locked(invoice)
    if locked.status == S.PAID and locked.payment_reference == reference:
        return locked
    locked.paid_at = paid_at
    locked.payment_reference = reference
    employee = by if isinstance(by, Employee) else None
    invoice_status_move(
        invoice=locked,
        to_status=S.PAID,
        by=employee,
        comment=f"Paid {paid_at.date().isoformat()}" + (f", reference {reference}" if reference else ""),
        also=["paid_at", "payment_reference"],
    )
    return locked
