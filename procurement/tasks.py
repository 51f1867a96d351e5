"""Celery tasks of the core app: take ids, load, call one service; idempotent and time-limited."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage

from .health import worker_heartbeat_record

logger = logging.getLogger(__name__)


@shared_task(
    name="procurement.notification_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def notification_email_send(*, user_id: int, subject: str, body: str, language: str = "", email: str = "") -> bool:
    """Send one notification e-mail; a user who has gone or has no address is skipped. `language` is the one it
    was written in (notifications.services renders it in the recipient's), sent as Content-Language. `email`: the
    active recipient's address as the queueing transaction read it (the user is not read again); without it, the
    user is read here."""
    if not email:
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None or not user.email:
            return False
        email = user.email
    headers = {"Content-Language": language[:16]} if language else {}
    EmailMessage(subject, body, None, [email], headers=headers).send()
    logger.info("notification e-mail sent to user %s", user_id)
    return True


@shared_task(name="procurement.worker_heartbeat", time_limit=30, soft_time_limit=20, ignore_result=True)
def worker_heartbeat() -> float:
    """Beat, every 30 seconds: a worker notes that it runs tasks; `/readyz` reads how long ago."""
    return worker_heartbeat_record()
