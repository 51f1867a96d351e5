"""Celery tasks of contracts: take nothing or ids, call one service; safe to run twice."""

from celery import shared_task

from .alerts import contract_alerts_send


@shared_task(name="contracts.contract_alerts_send", time_limit=300, soft_time_limit=240)
def contract_alerts() -> int:
    """Beat, daily: contracts ending within 30 days and framework agreements at 80 % of their cap."""
    return contract_alerts_send()
