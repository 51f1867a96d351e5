"""Celery tasks of the core app: take ids, load, call one service; idempotent and time-limited."""

import logging
from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, send_mail

from .health import worker_heartbeat_record

logger = logging.getLogger(__name__)

# The retry policy of an e-mail task (a person's notification; a supplier's from invoices, sourcing and claims): an
# SMTP server away is retried with backoff.
EMAIL_TASK_OPTIONS: dict[str, Any] = {
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "time_limit": 60,
    "soft_time_limit": 50,
}


@shared_task(name="procurement.notification_email_send", **EMAIL_TASK_OPTIONS)
def notification_email_send(*, user_id: int, subject: str, body: str, language: str = "", email: str = "") -> bool:
    """Send one notification e-mail. `email` is the active user's address when the message was queued (whoever
    queues it has the user in hand: no read here); a message queued without it (before the address was passed) reads
    the user, and one who has gone or has no address is skipped. `language` is the one it was written in
    (notifications.services renders it in the recipient's), sent as Content-Language."""
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


def supplier_email_deliver(*, supplier: Any, subject: str, body: str, about: str) -> bool:
    """E-mail a supplier (its contact address, else its order address); False, and nothing sent, when it has none.
    `about` names the document in the log line ("claim 12")."""
    address = supplier.contact_email or supplier.order_email
    if not address:
        return False
    send_mail(subject, body, None, [address])
    logger.info("%s: e-mail sent to supplier %s", about, supplier.pk)
    return True
