"""Awards per line (split allowed): the awarded quote lines become requisition lines at the quoted price."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notify
from procurement.events import audit_event_record
from procurement.models import Employee
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_quoted, requisition_lines_remove

from ..errors import RFQInvalid
from ..models import (
    Award,
    Invitation,
    QuoteLine,
    RequestForQuotation,
)
from ..selectors import buyer_check, quotes_unsealed
from ..transitions import rfq_status_move
from .quotes import due_check
from .shared import (
    TEXT_MAX,
    AwardChoice,
    S,
    rfq_locked,
    supplier_email_queue,
    text_checked,
)


def _award_requisition(rfq: RequestForQuotation) -> Requisition:
    """The originating requisition while its requester can still change it, else a new one of theirs."""
    origin = rfq.requisition
    if origin is not None and origin.is_editable:
        return origin
    return requisition_create(
        by=rfq.requester,
        legal_entity=rfq.legal_entity,
        title=f"{rfq.number}: {rfq.title}"[:200],
        justification=rfq.award_justification,
    )


@transaction.atomic
def rfq_award(
    *,
    rfq: RequestForQuotation,
    by: Employee,
    choices: Sequence[AwardChoice],
    justification: str,
    now: datetime | None = None,
) -> RequestForQuotation:
    """Award lines to quotes (a split award gives lines to different suppliers), with a justification.

    Each awarded line becomes a requisition line at the quoted price (source "quote", the quote referenced) in
    the originating requisition while it is a draft (its lines sent out for quotation are replaced), else in a new
    requisition of the request's requester, which then goes through the ordinary submission, approval and budgets.
    Suppliers without an awarded line are told by e-mail that they were not chosen.
    """
    locked = rfq_locked(rfq)
    buyer_check(employee=by, rfq=locked)
    now = now or timezone.now()
    due_check(locked, now)
    justification = text_checked(
        justification, limit=TEXT_MAX, label=_("The justification"), field_name="justification", required=True
    )
    quotes = quotes_unsealed(rfq=locked, employee=by, now=now)
    quote_lines = {quote_line.pk: quote_line for quote in quotes for quote_line in quote.lines.all()}
    for quote in quotes:
        for quote_line in quote.lines.all():
            quote_line.quote = quote
    rfq_lines = {line.pk: line for line in locked.lines.all()}
    if not choices:
        raise RFQInvalid(_("Choose a quote for at least one line."), field="lines")
    picked: dict[int, QuoteLine] = {}
    for choice in choices:
        line = rfq_lines.get(choice.rfq_line)
        if line is None:
            raise RFQInvalid(_("%(number)s has no line %(id)s.") % {"number": locked.number, "id": choice.rfq_line})
        if line.pk in picked:
            raise RFQInvalid(_("Line %(number)s is awarded twice.") % {"number": line.line_number})
        chosen = quote_lines.get(choice.quote_line)
        if chosen is None or chosen.rfq_line_id != line.pk:
            raise RFQInvalid(
                _("Line %(number)s: that quote does not price this line.") % {"number": line.line_number},
                field=f"award-{line.pk}",
            )
        picked[line.pk] = chosen
    locked.award_justification = justification
    requisition = _award_requisition(locked)
    awards = []
    for line_pk, quote_line in sorted(picked.items(), key=lambda item: rfq_lines[item[0]].line_number):
        line = rfq_lines[line_pk]
        supplier = quote_line.quote.invitation.supplier
        added = requisition_line_add_quoted(
            requisition=requisition,
            by=locked.requester,
            description=quote_line.alternative_description or line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=quote_line.unit_price,
            supplier=supplier,
            lead_time_days=quote_line.lead_time_days,
            quote={
                "rfq": locked.number,
                "rfq_id": locked.pk,
                "rfq_line": line.line_number,
                "quote_id": quote_line.quote_id,
                "quote_line_id": quote_line.pk,
                "valid_until": quote_line.valid_until.isoformat(),
            },
        )
        awards.append(
            Award(
                rfq=locked, rfq_line=line, quote_line=quote_line, requisition_line=added, awarded_by=by, awarded_at=now
            )
        )
    Award.objects.bulk_create(awards)
    replaced = [line_id for line_pk in picked if (line_id := rfq_lines[line_pk].requisition_line_id) is not None]
    if replaced and requisition.pk == locked.requisition_id:
        requisition_lines_remove(requisition=requisition, by=locked.requester, line_ids=replaced)
    winners = {quote_line.quote.invitation_id for quote_line in picked.values()}
    invitations = list(locked.invitations.select_related("supplier"))
    quoted = {quote.invitation_id for quote in quotes}
    for invitation in invitations:
        invitation.outcome = Invitation.Outcome.AWARDED if invitation.pk in winners else Invitation.Outcome.DECLINED
        if invitation.pk not in winners and invitation.pk in quoted:
            invitation.told_at = now
            supplier_email_queue(
                invitation, template="declined", context={"rfq": locked, "supplier": invitation.supplier}
            )
    Invitation.objects.bulk_update(invitations, ["outcome", "told_at"])
    locked.awarded_at = now
    locked.award_requisition = requisition
    rfq_status_move(
        rfq=locked,
        to_status=S.AWARDED,
        by=by,
        comment=justification,
        also=["awarded_at", "award_requisition", "award_justification"],
    )
    audit_event_record(
        event_type="sourcing.rfq.awarded",
        actor=by.user,
        legal_entity=locked.legal_entity,
        obj=locked,
        data={
            "justification": justification,
            "requisition": requisition.number,
            "lines": [
                {
                    "line": rfq_lines[line_pk].line_number,
                    "supplier": quote_line.quote.invitation.supplier.code,
                    "unit_price_minor": quote_line.unit_price_minor,
                    "currency": locked.currency,
                }
                for line_pk, quote_line in sorted(picked.items(), key=lambda item: rfq_lines[item[0]].line_number)
            ],
            "declined": [inv.supplier.code for inv in invitations if inv.pk not in winners],
        },
    )
    if locked.requester_id != by.pk:
        notify(
            recipients=[locked.requester.user],
            kind=Kind.RFQ_AWARDED,
            legal_entity=locked.legal_entity,
            message="rfq_awarded",
            context={"number": locked.number, "requisition_number": requisition.number},
            link=reverse("requisitions:detail", args=[requisition.pk]),
            obj=locked,
            data={"rfq": locked.number, "requisition": requisition.number},
        )
    return locked
