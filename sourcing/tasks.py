"""Background work of requests for quotation: e-mails to suppliers, sent after the write that asked for them
commits."""

import logging

from celery import shared_task
from django.core.mail import send_mail

from .models import Invitation

logger = logging.getLogger(__name__)


@shared_task(
    name="sourcing.supplier_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def supplier_email_send(*, invitation_id: int, subject: str, body: str) -> bool:
    """E-mail the invited supplier (its contact address, else its order address); skipped when it has none."""
    invitation = Invitation.objects.select_related("supplier").filter(pk=invitation_id).first()
    if invitation is None:
        return False
    address = invitation.supplier.contact_email or invitation.supplier.order_email
    if not address:
        return False
    send_mail(subject, body, None, [address])
    logger.info("invitation %s: e-mail sent to supplier %s", invitation_id, invitation.supplier_id)
    return True
