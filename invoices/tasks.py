"""Background work of invoices: e-mails to suppliers, sent after the write that asked for them commits."""

import logging

from celery import shared_task
from django.core.mail import send_mail

from .models import Invoice

logger = logging.getLogger(__name__)


@shared_task(
    name="invoices.supplier_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def supplier_email_send(*, invoice_id: int, subject: str, body: str) -> bool:
    """E-mail the invoice's supplier (its contact address, else its order address); skipped when it has none."""
    invoice = Invoice.objects.select_related("supplier").filter(pk=invoice_id).first()
    if invoice is None:
        return False
    address = invoice.supplier.contact_email or invoice.supplier.order_email
    if not address:
        return False
    send_mail(subject, body, None, [address])
    logger.info("invoice %s: e-mail sent to supplier %s", invoice_id, invoice.supplier_id)
    return True
