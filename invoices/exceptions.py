"""An invoice on hold with a match exception goes to an approval through the approvals engine.

Who decides (approvals.invoice_chain): a buyer of the invoice's legal entity, then the requester of each order the
exception lines bill, then whoever the invoice-exception purchasing rules add (finance above a variance…).
Whoever entered the invoice (typed or uploaded it: `created_by`) never decides on it.

The matching code calls `invoice_exception_route` when an invoice becomes `exception` (again), and
`invoice_exception_withdraw` when a re-match makes it `matched` while its chain waits. The decisions' outcome
(variance accepted, credit note asked, invoice rejected) is applied by p2p.invoice_exceptions after the last
decision, through this app's services.
"""

from django.db import transaction

from approvals.invoice_chain import InvoiceFacts, invoice_exception_chain_resolve, invoice_facts
from approvals.invoice_summary import InvoiceLineSummary, InvoiceSummary
from approvals.models import ApprovalChain
from approvals.selectors import invoice_chain_pending
from approvals.services import approval_invoice_chains_end, invoice_approval_chain_start
from procurement.events import audit_event_record
from procurement.models import Employee
from procurement.money import Money

from .models import Invoice, InvoiceLine


@transaction.atomic
def invoice_exception_route(*, invoice: Invoice) -> ApprovalChain | None:
    """Send an invoice on hold to its approvers: the chain resolved and its process started (the first stage's
    approvers get their task and an e-mail). Returns the chain, or None when no one may decide (no buyer for the
    entity…): then the invoice stays on hold in the buyers' queue and an audit event says why.

    Idempotent: while a chain for the same exception waits, it is returned as it is; a changed exception (other
    lines, other reasons, another variance) supersedes the waiting chain with a new one, since its approvers
    would accept something else.
    """
    facts, summary = _facts_and_summary(invoice)
    pending = invoice_chain_pending(invoice_id=invoice.pk)
    if pending is not None and pending.subject_summary == summary.as_json():
        return pending
    resolved = invoice_exception_chain_resolve(facts=facts)
    if not resolved.stages:
        approval_invoice_chains_end(
            invoice_id=invoice.pk, status=ApprovalChain.Status.SUPERSEDED, comment="The exception changed"
        )
        audit_event_record(
            event_type="invoices.exception.unrouted",
            legal_entity=invoice.legal_entity,
            obj=invoice,
            data={"problems": resolved.problems},
        )
        return None
    return invoice_approval_chain_start(invoice_id=invoice.pk, resolved=resolved, summary=summary.as_json())


@transaction.atomic
def invoice_exception_withdraw(*, invoice: Invoice, comment: str) -> int:
    """The invoice matched after all (a receipt or a credit note arrived): its waiting chain is withdrawn, its
    open tasks end. Returns how many chains ended (0 when none waited)."""
    return len(
        approval_invoice_chains_end(invoice_id=invoice.pk, status=ApprovalChain.Status.WITHDRAWN, comment=comment)
    )


def _facts_and_summary(invoice: Invoice) -> tuple[InvoiceFacts, InvoiceSummary]:
    """What routes the exception and what its approvers are asked to accept, read in a constant number of
    queries."""
    invoice = (
        Invoice.objects.select_related("legal_entity", "supplier")
        .prefetch_related("purchase_orders__requisition__requester__user")
        .get(pk=invoice.pk)
    )
    lines = list(
        InvoiceLine.objects.filter(invoice=invoice)
        .select_related("po_line__purchase_order__requisition__requester__user")
        .order_by("line_number")
    )
    exceptions = [line for line in lines if line.match == InvoiceLine.Match.EXCEPTION]
    linked = [line.po_line for line in exceptions if line.po_line is not None]
    # The orders the exception lines bill; an invoice-level exception (totals, tax) concerns every order it names.
    orders = list({po_line.purchase_order.pk: po_line.purchase_order for po_line in linked}.values()) or list(
        invoice.purchase_orders.all()
    )
    order_lines = linked or [line.po_line for line in lines if line.po_line is not None]
    requesters = [order.requisition.requester for order in orders]
    entered_by = (
        Employee.objects.select_related("user").filter(user_id=invoice.created_by_id).first()
        if invoice.created_by_id
        else None
    )
    variance = Money.from_minor(sum(abs(line.variance_minor) for line in exceptions), invoice.currency)
    line_summaries = tuple(
        InvoiceLineSummary(line.line_number, line.description, tuple(str(reason) for reason in line.reasons))
        for line in exceptions
    )
    reasons = tuple(str(reason) for reason in invoice.reasons) + tuple(
        f"line {line.line_number}{f' ({line.description})' if line.description else ''}: {reason}"
        for line in line_summaries
        for reason in line.reasons
    )
    facts = invoice_facts(
        invoice_id=invoice.pk,
        legal_entity_id=invoice.legal_entity_id,
        supplier_id=invoice.supplier_id,
        invoice_total=invoice.total,
        variance=variance,
        requesters=requesters,
        orders=[order.number for order in orders],
        entered_by=entered_by,
        cost_centres=[line.cost_centre_id for line in order_lines if line.cost_centre_id],
        unspsc=[line.unspsc for line in order_lines],
    )
    summary = InvoiceSummary(
        invoice_id=invoice.pk,
        number=invoice.number,
        legal_entity_id=invoice.legal_entity_id,
        legal_entity=invoice.legal_entity.code,
        supplier=invoice.supplier.code,
        supplier_name=invoice.supplier.name,
        total=invoice.total,
        variance=variance,
        purchase_orders=tuple(order.number for order in orders),
        requesters=tuple(person.display_name for person in facts.requesters),
        reasons=reasons,
        lines=line_summaries,
        entered_by=entered_by.user.get_username() if entered_by is not None else "",
    )
    return facts, summary
