"""Budget plans as finance writes them (the admin form, imports): checked, then created or changed under the
budget's row lock."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import is_currency
from django.db import transaction
from django.utils.translation import gettext as _

from procurement.errors import ProcurementError
from procurement.events import audit_changes, audit_event_record
from procurement.models import CostCentre, LegalEntity
from procurement.money import Money, to_minor

from .error_codes import BudgetErrorCode
from .lock_objects import budgets_qs_select_for_update
from .models import Budget
from .periods import Period, PeriodError, period_parse

MAX_AMOUNT = Decimal(10) ** 13  # minor units stay well inside a BIGINT whatever the currency


class BudgetInvalid(ProcurementError):
    code = BudgetErrorCode.INVALID_BUDGET


@dataclass(frozen=True)
class BudgetSpec:
    """One budget as finance writes it: a row of an import, or the admin form."""

    legal_entity: LegalEntity
    cost_centre: CostCentre
    period: str
    amount: Money
    control: str = Budget.Control.HARD
    gl_account: str = ""
    unspsc_prefix: str = ""
    tolerance_percent: Decimal = Decimal(0)
    tolerance_amount: Decimal = Decimal(0)


def budget_spec_check(spec: BudgetSpec) -> Period:
    """The period the spec names; BudgetInvalid with a readable message for anything wrong."""
    if spec.cost_centre.legal_entity_id != spec.legal_entity.pk:
        raise BudgetInvalid(
            _("Cost centre %(code)s does not belong to %(code2)s.")
            % {"code": spec.cost_centre.code, "code2": spec.legal_entity.code}
        )
    if not is_currency(spec.amount.currency):
        raise BudgetInvalid(
            _("%(currency)s is not an ISO 4217 currency code.") % {"currency": repr(spec.amount.currency)}
        )
    if spec.amount.amount < 0:
        raise BudgetInvalid(_("The amount must not be negative."))
    if spec.amount.amount >= MAX_AMOUNT or spec.tolerance_amount >= MAX_AMOUNT:
        raise BudgetInvalid(_("The amount must be below %(max_amount)s.") % {"max_amount": f"{MAX_AMOUNT:,}"})
    if spec.control not in Budget.Control.values:
        raise BudgetInvalid(_("Control %(control)s is not one of hard, warn, none.") % {"control": repr(spec.control)})
    if not Decimal(0) <= spec.tolerance_percent <= Decimal(100):
        raise BudgetInvalid(_("The tolerance percentage is between 0 and 100."))
    if spec.tolerance_amount < 0:
        raise BudgetInvalid(_("The tolerance amount must not be negative."))
    if spec.unspsc_prefix and not spec.unspsc_prefix.isdigit():
        raise BudgetInvalid(
            _("UNSPSC prefix %(unspsc_prefix)s is not digits.") % {"unspsc_prefix": repr(spec.unspsc_prefix)}
        )
    try:
        return period_parse(spec.period, start_month=spec.legal_entity.fiscal_year_start_month)
    except PeriodError as exc:
        raise BudgetInvalid(str(exc)) from exc


@transaction.atomic
def budget_save(*, spec: BudgetSpec, by: Any = None) -> tuple[Budget, bool]:
    """Create the budget, or change the one with the same scope and period; returns (budget, created).

    Under the budget's row lock, so an amount cannot drop below what is already held while a submission runs.
    """
    period = budget_spec_check(spec)
    scope = {
        "legal_entity": spec.legal_entity,
        "cost_centre": spec.cost_centre,
        "gl_account": spec.gl_account.strip(),
        "unspsc_prefix": spec.unspsc_prefix.strip(),
        "period_start": period.start,
        "period_end": period.end,
    }
    values = {
        "period_kind": period.kind,
        "period_label": period.label,
        "amount_minor": spec.amount.minor,
        "currency": spec.amount.currency,
        "control": spec.control,
        "tolerance_percent": spec.tolerance_percent,
        "tolerance_minor": to_minor(spec.tolerance_amount, spec.amount.currency),
    }
    budget = budgets_qs_select_for_update().filter(**scope).first()
    before = {name: getattr(budget, name) for name in values} if budget is not None else {}
    if budget is None:
        budget = Budget.objects.create(**scope, **values)
        created = True
    else:
        if budget.currency != spec.amount.currency and budget.entries.exists():
            raise BudgetInvalid(
                _(
                    "Budget %(code)s %(period_label)s has entries in %(currency)s: its currency cannot "
                    "change to %(currency2)s."
                )
                % {
                    "code": budget.cost_centre.code,
                    "period_label": budget.period_label,
                    "currency": budget.currency,
                    "currency2": spec.amount.currency,
                }
            )
        used = budget.used_minor  # the running balances, read under the row lock
        if spec.control == Budget.Control.HARD and spec.amount.minor < used:
            raise BudgetInvalid(
                _(
                    "Budget %(code)s %(period_label)s already holds %(from_minor)s: a hard stop cannot be "
                    "set below that."
                )
                % {
                    "code": budget.cost_centre.code,
                    "period_label": budget.period_label,
                    "from_minor": Money.from_minor(used, budget.currency),
                }
            )
        for name, value in values.items():
            setattr(budget, name, value)
        budget.save()
        created = False
    audit_event_record(
        event_type="budget.created" if created else "budget.changed",
        actor=getattr(by, "user", by),
        legal_entity=spec.legal_entity,
        obj=budget,
        data={
            "cost_centre": spec.cost_centre.code,
            "period": period.label,
            "amount": str(spec.amount.amount),
            "currency": spec.amount.currency,
            # Per field {from, to}: amounts in minor units of the currency, as stored.
            "changes": audit_changes(before, values) if not created else {},
        },
    )
    return budget, created
