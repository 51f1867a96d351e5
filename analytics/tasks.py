"""Celery tasks of analytics: take nothing or ids, call one service; safe to run twice."""

from celery import shared_task
from django.utils import timezone

from procurement.task_queue import task_enqueue

from .services import scheduled_report_send, scheduled_reports_due


@shared_task(name="analytics.scheduled_reports_send", time_limit=120, soft_time_limit=100)
def scheduled_reports_send() -> int:
    """Beat, hourly: queue today's weekly reports not sent yet; how many were queued."""
    queued = 0
    for report_id in scheduled_reports_due(today=timezone.localdate()):
        queued += task_enqueue("analytics.scheduled_report_send", kwargs={"report_id": report_id})
    return queued


@shared_task(
    name="analytics.scheduled_report_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=300,
    soft_time_limit=240,
)
def scheduled_report_send_task(*, report_id: int) -> bool:
    """Build one report's file as its owner would download it and e-mail it to its recipients."""
    return scheduled_report_send(report_id=report_id)


@shared_task(name="analytics.spend_refresh", time_limit=600, soft_time_limit=540)
def spend_refresh_task() -> int:
    """Beat, every minute: recompute the spend facts of the months the changes since the last run touch; how many
    rows changed (docs/analytics.md, "Spend")."""
    from .spend import spend_refresh

    result = spend_refresh()
    return result.created + result.updated + result.deleted


@shared_task(name="analytics.cycle_refresh", time_limit=1800, soft_time_limit=1700)
def cycle_refresh_task() -> dict[str, int]:
    """Beat, every 10 minutes: recompute the cycle-time and turnaround rows of what changed since the last run."""
    from .cycle_refresh import cycle_refresh

    return cycle_refresh()
