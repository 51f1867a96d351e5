"""The invoice list as a download (CSV for machines, XLSX for people): one row per invoice or credit note, the API's
keys; amounts as the supplier stated them (positive for credit notes too: `kind` gives the sign, as in the API)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.exports import Column
from procurement.money import Money, currency_digits

from .models import Invoice


def _digits(invoice: Invoice) -> int:
    return currency_digits(invoice.currency)


def _orders(invoice: Invoice) -> str:
    return " ".join(sorted(order.number for order in invoice.purchase_orders.all()))


INVOICE_COLUMNS: list[Column[Invoice]] = [
    Column("id", _("Id"), lambda i: i.pk),
    Column("kind", _("Kind"), lambda i: i.kind),
    Column("number", _("Invoice"), lambda i: i.number),
    Column("supplier", _("Supplier"), lambda i: i.supplier.code),
    Column("supplier_name", _("Supplier name"), lambda i: i.supplier.name),
    Column("legal_entity", _("Legal entity"), lambda i: i.legal_entity.code),
    Column("status", _("Status"), lambda i: i.status),
    Column("invoice_date", _("Invoice date"), lambda i: i.invoice_date),
    Column("due_date", _("Due"), lambda i: i.due_date),
    Column("currency", _("Currency"), lambda i: i.currency),
    Column("net", _("Net"), lambda i: i.net.amount, money=True, digits=_digits),
    Column("tax", _("Tax"), lambda i: i.tax.amount, money=True, digits=_digits),
    Column(
        "charges",
        _("Charges"),
        lambda i: Money.from_minor(i.charges_minor, i.currency).amount,
        money=True,
        digits=_digits,
    ),
    Column("total", _("Total"), lambda i: i.total.amount, money=True, digits=_digits),
    Column("discount", _("Early-payment discount"), lambda i: i.discount.amount, money=True, digits=_digits),
    Column("discount_until", _("Discount until"), lambda i: i.discount_until),
    Column("match_mode", _("Match"), lambda i: i.match_mode),
    Column("purchase_order_numbers", _("Orders"), _orders),
    Column("source", _("Source"), lambda i: i.source),
    Column("paid_at", _("Paid"), lambda i: i.paid_at),
    Column("payment_reference", _("Payment reference"), lambda i: i.payment_reference),
]


def invoices_for_export(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """What the columns read: the supplier, the entity and the orders (no lines, no files)."""
    return invoices.select_related("supplier", "legal_entity").prefetch_related("purchase_orders")
