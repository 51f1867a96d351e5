"""Background work of invoices: e-mails to suppliers, sent after the write that asked for them commits."""

from celery import shared_task

from procurement.tasks import EMAIL_TASK_OPTIONS, supplier_email_deliver

from .models import Invoice


@shared_task(name="invoices.supplier_email_send", **EMAIL_TASK_OPTIONS)
def supplier_email_send(*, invoice_id: int, subject: str, body: str) -> bool:
    """E-mail the invoice's supplier; skipped when it has no address."""
    invoice = Invoice.objects.select_related("supplier").filter(pk=invoice_id).first()
    if invoice is None:
        return False
    return supplier_email_deliver(supplier=invoice.supplier, subject=subject, body=body, about=f"invoice {invoice_id}")
