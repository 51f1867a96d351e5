"""What the writes of requests for quotation share: bounds, the typed inputs, the lock, text checks, e-mails."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from procurement.task_queue import task_enqueue_on_commit
from requisitions.models import Requisition

from ..error_codes import SourcingErrorCode
from ..errors import RFQInvalid, RFQStateConflict
from ..lock_objects import rfqs_qs_select_for_update
from ..models import (
    Invitation,
    RequestForQuotation,
)
from ..tasks import supplier_email_send

S = RequestForQuotation.Status
TITLE_MAX = 200
TEXT_MAX = 4000
DESCRIPTION_MAX = 500
COMMENT_MAX = 1000
NOTE_MAX = 2000
LINES_MAX = 200
SUPPLIERS_MAX = 50
EVALUATORS_MAX = 20
ATTACHMENTS_MAX = 10
ATTACHMENT_BYTES_MAX = 5 * 1024 * 1024
DUE_DAYS_MAX = 366
VALIDITY_DAYS_MAX = 5 * 366
QUANTITY_STEP = Decimal("0.001")


@dataclass(frozen=True)
class RFQLineInput:
    description: str
    quantity: Decimal
    unit: str = "EA"
    specification: str = ""
    requisition_line_id: int | None = None


@dataclass(frozen=True)
class RFQSpec:
    """What a buyer types for a request: its lines, suppliers, committee and criteria weights (summing to 100)."""

    title: str
    due_at: datetime
    lines: Sequence[RFQLineInput]
    supplier_ids: Sequence[int]
    evaluator_ids: Sequence[int]
    weights: Mapping[str, int]
    currency: str = ""
    description: str = ""
    requisition: Requisition | None = None


@dataclass(frozen=True)
class QuoteLineInput:
    """The supplier's answer for one line (`rfq_line` is its id); a line without a price is not quoted."""

    rfq_line: int
    unit_price: Decimal | None
    lead_time_days: int | None = None
    valid_until: date | None = None
    alternative_description: str = ""
    comment: str = ""


@dataclass(frozen=True)
class AwardChoice:
    rfq_line: int
    quote_line: int


def text_checked(value: str, *, limit: int, label: str, field_name: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RFQInvalid(_("%(label)s is required.") % {"label": label}, field=field_name)
    if len(value) > limit:
        raise RFQInvalid(
            _("%(label)s is longer than %(limit)s characters.") % {"label": label, "limit": limit}, field=field_name
        )
    return value


def rfq_locked(rfq: RequestForQuotation) -> RequestForQuotation:
    return rfqs_qs_select_for_update().select_related("legal_entity").get(pk=rfq.pk)


def draft_check(rfq: RequestForQuotation) -> None:
    if rfq.status != S.DRAFT:
        raise RFQStateConflict(
            _("%(number)s has been sent: it can no longer be changed.") % {"number": rfq.number},
            code=SourcingErrorCode.NOT_EDITABLE,
        )


def supplier_email_queue(invitation: Invitation, *, template: str, context: dict) -> None:
    """Queue an e-mail to the supplier's contact (else its order address), written in the site's language:
    suppliers have none on file."""
    with override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"sourcing/email/{template}.subject.txt", context).split())
        body = render_to_string(f"sourcing/email/{template}.body.txt", context)
    task_enqueue_on_commit(
        supplier_email_send.name, kwargs={"invitation_id": invitation.pk, "subject": subject, "body": body}
    )


def supplier_address(invitation: Invitation) -> str:
    return invitation.supplier.contact_email or invitation.supplier.order_email
