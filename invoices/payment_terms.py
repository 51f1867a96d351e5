"""An invoice's payment terms: when it is due and the early-payment discount it offers, from its order's terms.

The order's terms (copied from its contract: `payment_net_days`, `payment_discount_percent` within
`payment_discount_days`) count from the invoice date. When the supplier's document states its own due date
(cXML PaymentTerm, UBL/CII BT-9, a typed due date) the invoice keeps it; one earlier than the order's terms
allow is a match exception ("due 2027-01-05 where order PO-1's terms make it 2027-01-31"). The discount is
the order's percentage of the invoice total (`procurement.money.early_payment_discount_minor`). Credit notes
have no terms.
"""

from datetime import timedelta

from orders.models import PurchaseOrder
from procurement.money import decimal_text, early_payment_discount_minor

from .models import Invoice, InvoiceLine

TERMS_FIELDS = ["due_date", "due_date_from_order", "discount_percent", "discount_until", "discount_minor"]


def invoice_order_with_terms(*, invoice: Invoice, lines: list[InvoiceLine]) -> PurchaseOrder | None:
    """The order whose terms the invoice is paid on: the first (by id) of the orders its lines bill that has
    payment terms, else of the orders it names."""
    orders = {line.po_line.purchase_order.pk: line.po_line.purchase_order for line in lines if line.po_line}
    with_terms = [orders[pk] for pk in sorted(orders) if orders[pk].payment_net_days is not None]
    if with_terms:
        return with_terms[0]
    if orders:
        return None
    return invoice.purchase_orders.filter(payment_net_days__isnull=False).order_by("pk").first()


def invoice_terms_apply(*, invoice: Invoice, lines: list[InvoiceLine]) -> list[str]:
    """Set the invoice's due date and discount from its order's terms (not saved: `TERMS_FIELDS`) and return
    the reasons its own terms disagree with them (none when they agree or there is nothing to compare)."""
    if invoice.is_credit_note:
        return []
    order = invoice_order_with_terms(invoice=invoice, lines=lines)
    if order is None or order.payment_net_days is None:
        if invoice.due_date_from_order:  # the order lost its terms since: nothing of ours stays
            invoice.due_date, invoice.due_date_from_order = None, False
        invoice.discount_percent, invoice.discount_until, invoice.discount_minor = None, None, 0
        return []
    reasons = []
    expected = invoice.invoice_date + timedelta(days=order.payment_net_days)
    if invoice.due_date is None or invoice.due_date_from_order:
        invoice.due_date, invoice.due_date_from_order = expected, True
    elif invoice.due_date < expected:
        reasons.append(
            f"due {invoice.due_date.isoformat()} where order {order.number}'s terms "
            f"({order.payment_net_days} days net) make it {expected.isoformat()}"
        )
    if order.has_payment_discount:
        percent = order.payment_discount_percent
        assert percent is not None and order.payment_discount_days is not None
        invoice.discount_percent = percent
        invoice.discount_until = invoice.invoice_date + timedelta(days=order.payment_discount_days)
        invoice.discount_minor = early_payment_discount_minor(amount_minor=invoice.total_minor, percent=percent)
    else:
        invoice.discount_percent, invoice.discount_until, invoice.discount_minor = None, None, 0
    return reasons


def discount_text(invoice: Invoice) -> str:
    """The discount's percentage as a clerk reads it (2, 2.5), "" without one."""
    return "" if invoice.discount_percent is None else decimal_text(invoice.discount_percent)
