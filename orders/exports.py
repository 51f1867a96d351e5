"""The purchase order list as a download (CSV for machines, XLSX for people): one row per order, the API's keys."""

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.exports import Column
from procurement.models import Employee
from procurement.money import currency_digits

from .models import PurchaseOrder
from .selectors import purchase_orders_visible


def _digits(order: PurchaseOrder) -> int:
    return currency_digits(order.currency)


ORDER_COLUMNS: list[Column[PurchaseOrder]] = [
    Column("id", _("Id"), lambda o: o.pk),
    Column("number", _("Order"), lambda o: o.number),
    Column("created_at", _("Created"), lambda o: o.created_at),
    Column("status", _("Status"), lambda o: o.status),
    Column("revision", _("Revision"), lambda o: o.revision),
    Column("supplier", _("Supplier"), lambda o: o.supplier.code),
    Column("supplier_name", _("Supplier name"), lambda o: o.supplier.name),
    Column("legal_entity", _("Legal entity"), lambda o: o.legal_entity.code),
    Column("requisition", _("Requisition"), lambda o: o.requisition_id),
    Column("method", _("Sent by"), lambda o: o.method),
    Column("currency", _("Currency"), lambda o: o.currency),
    Column("total", _("Net total"), lambda o: o.total.amount, money=True, digits=_digits),
    Column("tax", _("Tax"), lambda o: o.tax.amount, money=True, digits=_digits),
    Column("gross", _("Total with tax"), lambda o: o.gross.amount, money=True, digits=_digits),
]


def purchase_orders_filtered(*, employee: Employee, params: Mapping[str, str]) -> QuerySet[PurchaseOrder]:
    """The orders the API list (and a scheduled report) selects: `requisition`, `status`, `supplier`."""
    orders = purchase_orders_visible(employee=employee)
    if params.get("requisition", "").isdigit():
        orders = orders.filter(requisition_id=int(params["requisition"]))
    if params.get("status"):
        orders = orders.filter(status=params["status"])
    if params.get("supplier"):
        orders = orders.filter(supplier__code__iexact=params["supplier"])
    return orders


def purchase_orders_for_export(orders: QuerySet[PurchaseOrder]) -> QuerySet[PurchaseOrder]:
    """Newest first, with what the columns read."""
    return orders.select_related("supplier", "legal_entity").order_by("-created_at", "-id")
