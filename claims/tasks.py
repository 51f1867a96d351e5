"""Background work of claims: the supplier's e-mail, sent after the write that asked for it commits."""

import logging

from celery import shared_task
from django.core.mail import send_mail

from .models import Claim

logger = logging.getLogger(__name__)


@shared_task(
    name="claims.supplier_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def claim_supplier_email_send(*, claim_id: int, subject: str, body: str) -> bool:
    """E-mail the claim's supplier (its contact address, else its order address); skipped when it has none."""
    claim = Claim.objects.select_related("supplier").filter(pk=claim_id).first()
    if claim is None:
        return False
    address = claim.supplier.contact_email or claim.supplier.order_email
    if not address:
        return False
    send_mail(subject, body, None, [address])
    logger.info("claim %s: e-mail sent to supplier %s", claim_id, claim.supplier_id)
    return True
