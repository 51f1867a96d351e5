"""Budgets and a budget's ledger as downloads (CSV for machines, XLSX for people), with the API's keys.

A budget row gives its figures in the budget's currency from its running balances (no ledger sum); a ledger row
gives the entry in the budget's currency and as it came (source amount, currency and the stored rate)."""

from collections.abc import Callable, Mapping
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.exports import Column
from procurement.models import Employee
from procurement.money import currency_digits, from_minor
from procurement.selectors import legal_entities_for_employee, legal_entity_for_user

from .models import Budget, BudgetEntry
from .selectors import budget_use_of, budgets_with_use


def _digits(budget: Budget) -> int:
    return currency_digits(budget.currency)


def _amount(minor_of: Callable[[Budget], int | None]) -> Callable[[Budget], Decimal]:
    return lambda budget: from_minor(minor_of(budget) or 0, budget.currency)


BUDGET_COLUMNS: list[Column[Budget]] = [
    Column("id", _("Id"), lambda b: b.pk),
    Column("legal_entity", _("Legal entity"), lambda b: b.legal_entity.code),
    Column("cost_centre", _("Cost centre"), lambda b: b.cost_centre.code),
    Column("gl_account", _("GL account"), lambda b: b.gl_account),
    Column("unspsc_prefix", _("UNSPSC"), lambda b: b.unspsc_prefix),
    Column("period", _("Period"), lambda b: b.period_label),
    Column("period_start", _("From"), lambda b: b.period_start),
    Column("period_end", _("To"), lambda b: b.period_end),
    Column("control", _("Control"), lambda b: b.control),
    Column("currency", _("Currency"), lambda b: b.currency),
    Column("amount", _("Amount"), _amount(lambda b: b.amount_minor), money=True, digits=_digits),
    Column(
        "precommitted",
        _("Pre-committed"),
        _amount(lambda b: budget_use_of(b).precommitted),
        money=True,
        digits=_digits,
    ),
    Column("committed", _("Committed"), _amount(lambda b: budget_use_of(b).committed), money=True, digits=_digits),
    Column("actual", _("Actual"), _amount(lambda b: budget_use_of(b).actual), money=True, digits=_digits),
    Column("available", _("Available"), _amount(lambda b: budget_use_of(b).available), money=True, digits=_digits),
]


def entry_columns(budget: Budget) -> list[Column[BudgetEntry]]:
    """The columns of one budget's ledger (amounts in the budget's currency, and as they came)."""
    currency = budget.currency

    def digits(entry: BudgetEntry) -> int:
        return currency_digits(currency)

    return [
        Column("id", _("Id"), lambda e: e.pk),
        Column("created_at", _("When"), lambda e: e.created_at),
        Column("kind", _("Kind"), lambda e: e.kind),
        Column("currency", _("Currency"), lambda e: currency),
        Column("amount", _("Amount"), lambda e: from_minor(e.amount_minor, currency), money=True, digits=digits),
        Column("source_currency", _("Source currency"), lambda e: e.source_currency),
        Column(
            "source_amount",
            _("Source amount"),
            lambda e: e.source_amount.amount,
            money=True,
            digits=lambda e: currency_digits(e.source_currency),
        ),
        Column("rate", _("Rate"), lambda e: e.rate.normalize()),  # as the API writes it: 11.25, 1
        Column("requisition_number", _("Requisition"), lambda e: e.requisition.number if e.requisition else None),
        Column(
            "purchase_order_number",
            _("Order"),
            lambda e: e.purchase_order.number if e.purchase_order else None,
        ),
        Column("invoice_number", _("Invoice"), lambda e: e.invoice.number if e.invoice else None),
        Column("variance", _("Variance"), lambda e: from_minor(e.variance_minor, currency), money=True, digits=digits),
        Column("over_limit", _("Over the limit"), lambda e: e.over_limit),
        Column("note", _("Note"), lambda e: e.note),
    ]


def budgets_filtered(*, employee: Employee, params: Mapping[str, str]) -> QuerySet[Budget]:
    """The budgets the API list (and a scheduled report) selects: `legal_entity`, `cost_centre`; by entity, cost
    centre and period."""
    budgets = Budget.objects.filter(legal_entity__in=legal_entities_for_employee(employee=employee))
    if params.get("legal_entity"):
        budgets = budgets.filter(legal_entity=legal_entity_for_user(user=employee.user, code=params["legal_entity"]))
    if params.get("cost_centre"):
        budgets = budgets.filter(cost_centre__code__iexact=params["cost_centre"])
    return budgets_with_use(budgets.select_related("legal_entity", "cost_centre")).order_by(
        "legal_entity__code", "cost_centre__code", "period_start"
    )
