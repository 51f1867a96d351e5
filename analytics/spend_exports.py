"""The spend tables as the API answers them and as CSV/XLSX downloads (procurement/exports.py): one set of columns,
one function per row shape, so the JSON and the files give the same values."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from procurement.exports import Column
from procurement.money import currency_digits, from_minor, minor_text
from requisitions.models import RequisitionLine

from .spend_queries import SpendRow

AMOUNTS = ("requested", "committed", "on_contract", "off_contract", "actual", "savings")


def _money(name: str) -> Any:
    def value(row: SpendRow) -> Decimal:
        return from_minor(getattr(row, f"{name}_minor"), row.currency)

    return value


def _digits(row: SpendRow) -> int:
    return currency_digits(row.currency)


SPEND_COLUMNS: list[Column[SpendRow]] = [
    Column("key", _("Key"), lambda row: row.key),
    Column("label", _("Name"), lambda row: row.label),
    Column("currency", _("Currency"), lambda row: row.currency),
    Column("requested", _("Requested"), _money("requested"), money=True, digits=_digits),
    Column("committed", _("Committed"), _money("committed"), money=True, digits=_digits),
    Column("on_contract", _("On contract"), _money("on_contract"), money=True, digits=_digits),
    Column("off_contract", _("Off contract"), _money("off_contract"), money=True, digits=_digits),
    Column("actual", _("Actual"), _money("actual"), money=True, digits=_digits),
    Column("savings", _("Savings"), _money("savings"), money=True, digits=_digits),
    Column("lines", _("Lines"), lambda row: row.lines),
]


def spend_row_data(row: SpendRow) -> dict[str, Any]:
    """A row as the API answers it: amounts as strings with the currency's decimals."""
    data: dict[str, Any] = {"key": row.key, "label": row.label, "currency": row.currency}
    for name in AMOUNTS:
        data[name] = row.amount(name)
    data["lines"] = row.lines
    return data


def _requester(line: RequisitionLine) -> str:
    requisition = line.requisition
    person = requisition.on_behalf_of or requisition.requester
    return person.user.username


def _orders(line: RequisitionLine) -> str:
    numbers = []
    for order_line in getattr(line, "order_lines", []):
        number = order_line.purchase_order.number
        if number not in numbers:
            numbers.append(number)
    return " ".join(numbers)


def _line_digits(line: RequisitionLine) -> int:
    return currency_digits(line.currency)


LINE_COLUMNS: list[Column[RequisitionLine]] = [
    Column("requisition", _("Requisition"), lambda line: line.requisition.number),
    Column("line_number", _("Line"), lambda line: line.line_number),
    Column("status", _("Status"), lambda line: line.requisition.status),
    Column("submitted_at", _("Submitted"), lambda line: line.requisition.submitted_at),
    Column("legal_entity", _("Legal entity"), lambda line: line.requisition.legal_entity.code),
    Column("requester", _("Requester"), _requester),
    Column("supplier", _("Supplier"), lambda line: line.supplier.code if line.supplier else None),
    Column("supplier_name", _("Supplier name"), lambda line: line.supplier.name if line.supplier else None),
    Column("description", _("Description"), lambda line: line.description),
    Column("unspsc", _("UNSPSC"), lambda line: line.unspsc),
    Column("cost_centre", _("Cost centre"), lambda line: line.cost_centre.code if line.cost_centre else None),
    Column("on_contract", _("On contract"), lambda line: line.contract_id is not None),
    Column("currency", _("Currency"), lambda line: line.currency),
    Column(
        "total", _("Total"), lambda line: from_minor(line.total_minor, line.currency), money=True, digits=_line_digits
    ),
    Column("purchase_orders", _("Purchase orders"), _orders),
]


def spend_line_data(line: RequisitionLine) -> dict[str, Any]:
    """A requisition line behind a figure, as the API answers it."""
    data: dict[str, Any] = {}
    for column in LINE_COLUMNS:
        value = column.value(line)
        if column.key == "total":
            value = minor_text(line.total_minor, line.currency)
        elif column.key == "submitted_at":
            submitted = line.requisition.submitted_at
            value = submitted.isoformat() if submitted else None
        data[column.key] = value
    data["requisition_id"] = line.requisition_id
    return data
