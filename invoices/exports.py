"""The invoice list as a download (CSV for machines, XLSX for people): one row per invoice or credit note, the API's
keys; amounts as the supplier stated them (positive for credit notes too: `kind` gives the sign, as in the API)."""

from collections.abc import Mapping
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from procurement.exports import Column
from procurement.models import Employee
from procurement.money import Money, currency_digits

from .error_codes import InvoiceErrorCode
from .errors import InvoiceError
from .models import Invoice
from .selectors import invoices_due_by, invoices_of_order, invoices_visible


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


def invoices_filtered(*, employee: Employee, params: Mapping[str, str]) -> tuple[QuerySet[Invoice], str]:
    """The invoices the API list (and a scheduled report) selects, and the sort asked for: `purchase_order`,
    `status`, `supplier`, `due_by`, `sort` (empty or `due`). A bad value raises `InvoiceError` naming it."""
    invoices = invoices_visible(employee=employee)
    if "purchase_order" in params:
        if not params["purchase_order"].isdigit():
            raise InvoiceError(gettext("purchase_order is an order's id."), code=InvoiceErrorCode.INVALID)
        invoices = invoices.filter(pk__in=invoices_of_order(order_id=int(params["purchase_order"])))
    if params.get("status"):
        invoices = invoices.filter(status=params["status"])
    if params.get("supplier"):
        invoices = invoices.filter(supplier__code__iexact=params["supplier"])
    if params.get("due_by"):
        try:
            due_by = date.fromisoformat(params["due_by"][:10])
        except ValueError:
            raise InvoiceError(
                gettext("due_by is a date: YYYY-MM-DD, e.g. 2026-12-31."), code=InvoiceErrorCode.INVALID
            ) from None
        invoices = invoices_due_by(invoices=invoices, day=due_by)
    sort = params.get("sort", "")
    if sort not in ("", "due"):
        raise InvoiceError(
            gettext("sort is empty (newest first) or due (soonest due first)."), code=InvoiceErrorCode.INVALID
        )
    return invoices.distinct(), sort
