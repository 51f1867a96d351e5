"""Background work of requests for quotation: e-mails to suppliers, sent after the write that asked for them
commits."""

from celery import shared_task

from procurement.tasks import EMAIL_TASK_OPTIONS, supplier_email_deliver

from .models import Invitation


@shared_task(name="sourcing.supplier_email_send", **EMAIL_TASK_OPTIONS)
def supplier_email_send(*, invitation_id: int, subject: str, body: str) -> bool:
    """E-mail the invited supplier; skipped when it has no address."""
    invitation = Invitation.objects.select_related("supplier").filter(pk=invitation_id).first()
    if invitation is None:
        return False
    return supplier_email_deliver(
        supplier=invitation.supplier, subject=subject, body=body, about=f"invitation {invitation_id}"
    )
