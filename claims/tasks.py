"""Background work of claims: the supplier's e-mail, sent after the write that asked for it commits."""

from celery import shared_task

from procurement.tasks import EMAIL_TASK_OPTIONS, supplier_email_deliver

from .models import Claim


@shared_task(name="claims.supplier_email_send", **EMAIL_TASK_OPTIONS)
def claim_supplier_email_send(*, claim_id: int, subject: str, body: str) -> bool:
    """E-mail the claim's supplier; skipped when it has no address."""
    claim = Claim.objects.select_related("supplier").filter(pk=claim_id).first()
    if claim is None:
        return False
    return supplier_email_deliver(supplier=claim.supplier, subject=subject, body=body, about=f"claim {claim_id}")
