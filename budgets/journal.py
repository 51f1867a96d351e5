"""The accounting export: commitments and actuals of a legal entity's budgets in a period, one journal line per
ledger entry, in two layouts (docs/analytics.md, "Accounting export").

- `journal`: our documented CSV/XLSX journal (debit and credit columns, the signed amount, the documents behind).
- `sap`: the same lines under SAP field names (BUKRS, GJAHR, MONAT, BUDAT, WRTTP, SHKZG, WRBTR, …), `;`-separated,
  dates as YYYYMMDD, no byte-order mark: what an SAP upload (LSMW, a CO/FI upload program) maps without edits.

Amounts are in the budget's currency at the rate each entry was written with; a positive entry consumes the budget
(debit, SAP `S`), a negative one gives back (credit, SAP `H`). Pre-commitments (requisitions) are not accounting
figures and stay out unless asked for.
"""

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from procurement.exports import Cell, Column, CsvStyle
from procurement.models import LegalEntity
from procurement.money import currency_digits, from_minor

from .models import BudgetEntry
from .periods import Period, PeriodError, fiscal_year_of, period_parse

K = BudgetEntry.Kind
JOURNAL_KINDS: Final = (K.COMMITMENT, K.COMMITMENT_RELEASE, K.ACTUAL)
LAYOUTS: Final = ("journal", "sap")
SAP_CSV: Final = CsvStyle(delimiter=";", bom=False, date_format="%Y%m%d")
# SAP CO value types: 21 purchase requisition commitment, 22 purchase order commitment, 04 actual costs.
VALUE_TYPE: Final[dict[str, str]] = {
    K.PRECOMMITMENT: "21",
    K.RELEASE: "21",
    K.COMMITMENT: "22",
    K.COMMITMENT_RELEASE: "22",
    K.ACTUAL: "04",
}
SAP_TEXT_LIMIT: Final = 50  # SGTXT


def journal_entries(
    *, legal_entity: LegalEntity, period: Period, kinds: tuple[str, ...] = JOURNAL_KINDS
) -> QuerySet[BudgetEntry]:
    """The entity's ledger entries of these kinds written in the period (days in the site's time zone), oldest first."""
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    end = timezone.make_aware(datetime.combine(period.end, time.max))
    return (
        BudgetEntry.objects.filter(
            budget__legal_entity=legal_entity, kind__in=kinds, created_at__gte=start, created_at__lte=end
        )
        .select_related(
            "budget__legal_entity",
            "budget__cost_centre",
            "requisition",
            "purchase_order__supplier",
            "invoice__supplier",
        )
        .order_by("created_at", "id")
    )


def _day(entry: BudgetEntry) -> date:
    return timezone.localdate(entry.created_at)


def _fiscal_year(entry: BudgetEntry) -> int:
    return fiscal_year_of(_day(entry), entry.budget.legal_entity.fiscal_year_start_month)


def _fiscal_period(entry: BudgetEntry) -> int:
    """The month of the fiscal year, 1–12 (SAP MONAT)."""
    return (_day(entry).month - entry.budget.legal_entity.fiscal_year_start_month) % 12 + 1


def _reference(entry: BudgetEntry) -> str:
    """The document behind the entry: the invoice for an actual, else the order, else the requisition."""
    if entry.invoice is not None:
        return entry.invoice.number
    if entry.purchase_order is not None:
        return entry.purchase_order.number
    return entry.requisition.number if entry.requisition is not None else ""


def _supplier(entry: BudgetEntry) -> str:
    document = entry.invoice or entry.purchase_order
    return document.supplier.code if document is not None else ""


def _amount(entry: BudgetEntry) -> Decimal:
    return from_minor(entry.amount_minor, entry.budget.currency)


def _side(debit: bool) -> Callable[[BudgetEntry], Cell]:
    def amount(entry: BudgetEntry) -> Cell:
        minor = entry.amount_minor if debit else -entry.amount_minor
        return from_minor(minor, entry.budget.currency) if minor > 0 else None

    return amount


def _digits(entry: BudgetEntry) -> int:
    return currency_digits(entry.budget.currency)


JOURNAL_COLUMNS: list[Column[BudgetEntry]] = [
    Column("entry", _("Entry"), lambda e: e.pk),
    Column("posting_date", _("Posting date"), _day),
    Column("fiscal_year", _("Fiscal year"), _fiscal_year),
    Column("fiscal_period", _("Fiscal period"), _fiscal_period),
    Column("legal_entity", _("Legal entity"), lambda e: e.budget.legal_entity.code),
    Column("cost_centre", _("Cost centre"), lambda e: e.budget.cost_centre.code),
    Column("gl_account", _("GL account"), lambda e: e.budget.gl_account),
    Column("budget_period", _("Budget period"), lambda e: e.budget.period_label),
    Column("kind", _("Kind"), lambda e: e.kind),
    Column("reference", _("Reference"), _reference),
    Column("requisition", _("Requisition"), lambda e: e.requisition.number if e.requisition else ""),
    Column("purchase_order", _("Order"), lambda e: e.purchase_order.number if e.purchase_order else ""),
    Column("invoice", _("Invoice"), lambda e: e.invoice.number if e.invoice else ""),
    Column("supplier", _("Supplier"), _supplier),
    Column("currency", _("Currency"), lambda e: e.budget.currency),
    Column("debit", _("Debit"), _side(debit=True), money=True, digits=_digits),
    Column("credit", _("Credit"), _side(debit=False), money=True, digits=_digits),
    Column("amount", _("Amount"), _amount, money=True, digits=_digits),
    Column("source_currency", _("Source currency"), lambda e: e.source_currency),
    Column(
        "source_amount",
        _("Source amount"),
        lambda e: e.source_amount.amount,
        money=True,
        digits=lambda e: currency_digits(e.source_currency),
    ),
    Column("rate", _("Rate"), lambda e: e.rate.normalize()),
    Column("text", _("Text"), lambda e: e.note),
]

SAP_COLUMNS: list[Column[BudgetEntry]] = [
    Column("BUKRS", "BUKRS", lambda e: e.budget.legal_entity.code),
    Column("GJAHR", "GJAHR", _fiscal_year),
    Column("MONAT", "MONAT", _fiscal_period),
    Column("BUDAT", "BUDAT", _day),
    Column("BLDAT", "BLDAT", _day),
    Column("WAERS", "WAERS", lambda e: e.budget.currency),
    Column("HKONT", "HKONT", lambda e: e.budget.gl_account),
    Column("KOSTL", "KOSTL", lambda e: e.budget.cost_centre.code),
    Column("WRTTP", "WRTTP", lambda e: VALUE_TYPE[e.kind]),
    Column("SHKZG", "SHKZG", lambda e: "S" if e.amount_minor >= 0 else "H"),
    Column(
        "WRBTR",
        "WRBTR",
        lambda e: from_minor(abs(e.amount_minor), e.budget.currency),
        money=True,
        digits=_digits,
    ),
    Column("XBLNR", "XBLNR", _reference),
    Column("ZUONR", "ZUONR", lambda e: e.requisition.number if e.requisition else ""),
    Column("LIFNR", "LIFNR", _supplier),
    Column("SGTXT", "SGTXT", lambda e: e.note[:SAP_TEXT_LIMIT]),
    Column("EXTID", "EXTID", lambda e: e.pk),
]


def journal_request(
    *, legal_entity: LegalEntity, period_text: str, layout: str
) -> tuple[Period | None, dict[str, str]]:
    """The period a journal request names, with errors by field (`period`, `layout`) for the form or the API."""
    errors: dict[str, str] = {}
    period = None
    if layout not in LAYOUTS:
        errors["layout"] = gettext("Choose the layout: journal or sap.")
    try:
        period = period_parse(period_text.strip()[:20], start_month=legal_entity.fiscal_year_start_month)
    except PeriodError as exc:
        errors["period"] = str(exc)
    return period, errors
