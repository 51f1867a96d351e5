"""Periodic work of budgets, run by Celery beat."""

import logging

from celery import shared_task

from .ledger import budget_balances_drift

logger = logging.getLogger(__name__)


@shared_task(name="budgets.budget_balances_reconcile", time_limit=1800, soft_time_limit=1740)
def budget_balances_reconcile_task() -> int:
    """Prove that every budget's running balances equal the sums of its ledger; log each drift found.

    Nothing is changed: a drift means a ledger entry was written around `budgets.ledger.ledger_write`, which a
    person should look at before `manage.py budget_balances_reconcile --fix` sets the balances to the ledger."""
    drift = budget_balances_drift()
    for found in drift:
        logger.error(
            "budget balance drift",
            extra={
                "budget_id": found.budget_id,
                "field": found.field,
                "stored_minor": found.stored_minor,
                "ledger_minor": found.ledger_minor,
            },
        )
    return len(drift)
