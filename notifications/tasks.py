"""Celery tasks of notifications: take ids, call one service. Webhooks are posted here, outside any transaction."""

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .services import digest_send, digest_users_due
from .webhooks import webhook_deliver, webhook_deliveries_sweep


@shared_task(name="notifications.webhook_deliver", time_limit=60, soft_time_limit=45, ignore_result=True)
def webhook_deliver_task(*, delivery_id: int) -> str:
    """Post one webhook delivery that is due (retries are scheduled by the delivery itself)."""
    return webhook_deliver(delivery_id=delivery_id)


@shared_task(name="notifications.webhook_deliveries_sweep", time_limit=120, soft_time_limit=100)
def webhook_deliveries_sweep_task() -> int:
    """Beat, every minute: queue pending deliveries whose retry is due (a timed task lost with a worker)."""
    return webhook_deliveries_sweep()


@shared_task(name="notifications.daily_digest", time_limit=600, soft_time_limit=540)
def daily_digest_task(now: str | None = None) -> int:
    """Beat, hourly: from settings.NOTIFICATIONS_DIGEST_HOUR (local time) on, each person who asked for a daily
    digest and has notifications waiting gets one e-mail a day. Returns how many e-mails were queued."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    if timezone.localtime(moment).hour < int(getattr(settings, "NOTIFICATIONS_DIGEST_HOUR", 7)):
        return 0
    return sum(1 for user_id in digest_users_due(now=moment) if digest_send(user_id=user_id, now=moment))
