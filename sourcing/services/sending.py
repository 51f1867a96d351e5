"""Send a request to its suppliers (each with its own link) and its committee; cancel it, telling them."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notify
from procurement.events import audit_event_record
from procurement.models import Employee

from ..error_codes import SourcingErrorCode
from ..errors import RFQInvalid
from ..links import quote_link_make
from ..models import (
    Invitation,
    RequestForQuotation,
)
from ..selectors import buyer_check, due_text
from ..transitions import rfq_status_move
from .shared import (
    TEXT_MAX,
    S,
    draft_check,
    rfq_locked,
    supplier_address,
    supplier_email_queue,
    text_checked,
)


@transaction.atomic
def rfq_send(*, rfq: RequestForQuotation, by: Employee) -> RequestForQuotation:
    """Send a draft: each invited supplier gets an e-mail with its own link to the quote page (valid until the due
    date), each evaluator an e-mail saying that scoring opens at the due date."""
    locked = rfq_locked(rfq)
    buyer_check(employee=by, rfq=locked)
    draft_check(locked)
    now = timezone.now()
    if locked.due_at <= now:
        raise RFQInvalid(_("The due date has passed: set a new one before sending."), field="due_at")
    invitations = list(locked.invitations.select_related("supplier"))
    if len(invitations) < 2:
        raise RFQInvalid(_("Invite at least two suppliers."), code=SourcingErrorCode.TOO_FEW_SUPPLIERS)
    evaluators = list(locked.evaluators.select_related("employee__user"))
    if not evaluators:
        raise RFQInvalid(_("Name at least one evaluator."), code=SourcingErrorCode.NO_EVALUATORS)
    if not locked.lines.exists():
        raise RFQInvalid(_("Add at least one line to quote."))
    unreachable = [invitation.supplier.name for invitation in invitations if not supplier_address(invitation)]
    if unreachable:
        raise RFQInvalid(
            _("These suppliers have no e-mail address to send the invitation to: %(names)s.")
            % {"names": ", ".join(unreachable)},
            field="suppliers",
        )
    for invitation in invitations:
        link = quote_link_make(invitation=invitation)
        invitation.token_hash = link.token_hash
        invitation.expires_at = locked.due_at
        invitation.sent_at = now
        supplier_email_queue(
            invitation,
            template="invitation",
            context={"rfq": locked, "supplier": invitation.supplier, "url": link.url, "due": due_text(locked)},
        )
    Invitation.objects.bulk_update(invitations, ["token_hash", "expires_at", "sent_at"])
    notify(
        recipients=[evaluator.employee.user for evaluator in evaluators],
        kind=Kind.RFQ_EVALUATION,
        legal_entity=locked.legal_entity,
        message="rfq_evaluator",
        context={"number": locked.number, "title": locked.title, "due": due_text(locked)},
        link=reverse("sourcing:score", args=[locked.pk]),
        obj=locked,
        data={"rfq": locked.number, "due_at": locked.due_at.isoformat()},
    )
    locked.sent_at = now
    rfq_status_move(rfq=locked, to_status=S.SENT, by=by, also=["sent_at"])
    audit_event_record(
        event_type="sourcing.rfq.sent",
        actor=by.user,
        legal_entity=locked.legal_entity,
        obj=locked,
        data={
            "suppliers": [invitation.supplier.code for invitation in invitations],
            "due_at": locked.due_at.isoformat(),
        },
    )
    return locked


@transaction.atomic
def rfq_cancel(*, rfq: RequestForQuotation, by: Employee, reason: str) -> RequestForQuotation:
    """Cancel a draft or a sent request (the reason is required); invited suppliers of a sent one are told."""
    locked = rfq_locked(rfq)
    buyer_check(employee=by, rfq=locked)
    reason = text_checked(reason, limit=TEXT_MAX, label=_("The reason"), field_name="reason", required=True)
    was_sent = locked.status == S.SENT
    rfq_status_move(rfq=locked, to_status=S.CANCELLED, by=by, comment=reason)
    if was_sent:
        now = timezone.now()
        for invitation in locked.invitations.select_related("supplier"):
            invitation.outcome, invitation.told_at, invitation.expires_at = Invitation.Outcome.DECLINED, now, now
            invitation.save(update_fields=["outcome", "told_at", "expires_at"])
            supplier_email_queue(
                invitation, template="cancelled", context={"rfq": locked, "supplier": invitation.supplier}
            )
    return locked
