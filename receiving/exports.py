"""Goods receipts as a download (CSV for machines, XLSX for people): one row per receipt line, with its receipt,
order and supplier, the API's keys (`GET /api/v1/receipts/` nests the same lines in their receipts)."""

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.exports import Cell, Column
from procurement.models import Employee
from procurement.money import currency_digits, from_minor

from .models import GoodsReceipt, GoodsReceiptLine
from .selectors import receipts_visible


def _amount(line: GoodsReceiptLine) -> Cell:
    order = line.receipt.purchase_order
    return from_minor(line.amount_minor, order.currency) if line.po_line.receipt_by_amount else None


RECEIPT_LINE_COLUMNS: list[Column[GoodsReceiptLine]] = [
    Column("receipt", _("Receipt id"), lambda g: g.receipt_id),
    Column("number", _("Receipt"), lambda g: g.receipt.number),
    Column("status", _("Status"), lambda g: g.receipt.status),
    Column("received_at", _("Received"), lambda g: g.receipt.received_at),
    Column(
        "received_by",
        _("Received by"),
        lambda g: g.receipt.received_by.display_name if g.receipt.received_by else None,
    ),
    Column("legal_entity", _("Legal entity"), lambda g: g.receipt.legal_entity.code),
    Column("purchase_order_number", _("Order"), lambda g: g.receipt.purchase_order.number),
    Column("supplier", _("Supplier"), lambda g: g.receipt.purchase_order.supplier.code),
    Column("line_number", _("Order line"), lambda g: g.po_line.line_number),
    Column("description", _("Description"), lambda g: g.po_line.description),
    Column("quantity", _("Accepted"), lambda g: g.quantity.normalize() if g.quantity else 0),
    Column("rejected", _("Rejected"), lambda g: g.rejected_quantity.normalize() if g.rejected_quantity else 0),
    Column("reason", _("Reason"), lambda g: g.rejection_reason),
    Column("reason_text", _("Why"), lambda g: g.rejection_note),
    Column("currency", _("Currency"), lambda g: g.receipt.purchase_order.currency),
    Column(
        "amount",
        _("Amount (services)"),
        _amount,
        money=True,
        digits=lambda g: currency_digits(g.receipt.purchase_order.currency),
    ),
]


def receipt_lines_for_export(receipts: QuerySet[GoodsReceipt]) -> QuerySet[GoodsReceiptLine]:
    """The lines of these receipts, newest receipt first, each in its order's line order."""
    return (
        GoodsReceiptLine.objects.filter(receipt__in=receipts.values("pk"))
        .select_related(
            "po_line",
            "receipt__legal_entity",
            "receipt__purchase_order__supplier",
            "receipt__received_by__user",
        )
        .order_by("-receipt__received_at", "-receipt_id", "po_line__line_number")
    )


def receipts_filtered(*, employee: Employee, params: Mapping[str, str]) -> QuerySet[GoodsReceipt]:
    """The receipts the API list (and a scheduled report) selects: `purchase_order`, `status`, `supplier`,
    `legal_entity`."""
    receipts = receipts_visible(employee=employee)
    if params.get("purchase_order", "").isdigit():
        receipts = receipts.filter(purchase_order_id=int(params["purchase_order"]))
    if params.get("status"):
        receipts = receipts.filter(status=params["status"])
    if params.get("supplier"):
        receipts = receipts.filter(purchase_order__supplier__code__iexact=params["supplier"])
    if params.get("legal_entity"):
        receipts = receipts.filter(legal_entity__code__iexact=params["legal_entity"])
    return receipts
