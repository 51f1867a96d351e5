"""The lists a scheduled report can mail: each with its columns and its filters, as its API list and download."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from budgets.exports import BUDGET_COLUMNS, budgets_filtered
from invoices.exports import INVOICE_COLUMNS, invoices_filtered, invoices_for_export
from invoices.selectors import invoices_sorted
from orders.exports import ORDER_COLUMNS, purchase_orders_filtered, purchase_orders_for_export
from procurement.exports import Column
from procurement.models import Employee
from receiving.exports import RECEIPT_LINE_COLUMNS, receipt_lines_for_export, receipts_filtered
from requisitions.exports import REQUISITION_COLUMNS, requisitions_filtered, requisitions_for_export

from .models import ScheduledReport


@dataclass(frozen=True)
class ReportList:
    """A list as a report: its file name, its columns, and its rows for an employee with the API's parameters
    (building the rows checks the parameters: a bad one raises the list's own error)."""

    name: str
    columns: list[Column[Any]]
    rows: Callable[[Employee, Mapping[str, str]], Iterable[Any]]


def _invoices(employee: Employee, params: Mapping[str, str]) -> Iterable[Any]:
    invoices, sort = invoices_filtered(employee=employee, params=params)
    return invoices_sorted(invoices=invoices_for_export(invoices), sort=sort)


R = ScheduledReport.Report
REPORT_LISTS: dict[str, ReportList] = {
    R.REQUISITIONS: ReportList(
        "requisitions",
        REQUISITION_COLUMNS,
        lambda e, p: requisitions_for_export(requisitions_filtered(employee=e, params=p)).order_by(
            "-created_at", "-id"
        ),
    ),
    R.PURCHASE_ORDERS: ReportList(
        "purchase-orders",
        ORDER_COLUMNS,
        lambda e, p: purchase_orders_for_export(purchase_orders_filtered(employee=e, params=p)),
    ),
    R.RECEIPTS: ReportList(
        "receipts",
        RECEIPT_LINE_COLUMNS,
        lambda e, p: receipt_lines_for_export(receipts_filtered(employee=e, params=p)),
    ),
    R.INVOICES: ReportList("invoices", INVOICE_COLUMNS, _invoices),
    R.BUDGETS: ReportList("budgets", BUDGET_COLUMNS, lambda e, p: budgets_filtered(employee=e, params=p)),
}
