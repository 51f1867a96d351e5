"""Writes of requests for quotation: save a draft, attach a file, send the invitations, take a supplier's quote,
record an evaluator's scores, reveal them, award per line (the award becomes requisition lines), cancel.

Each write locks the request first (`lock_objects`), owns its transaction and records an audit event in it;
e-mails are queued on commit. Audit rows of quotes never carry prices: they are sealed until the due date.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from procurement.events import audit_event_record
from procurement.models import Employee, LegalEntity, Supplier
from procurement.money import Money, MoneyError, decimal_text, is_currency, to_minor, typed_price_check
from procurement.services import document_number_next
from procurement.task_queue import task_enqueue_on_commit
from procurement.tasks import notification_email_send
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_quoted, requisition_lines_remove

from .error_codes import SourcingErrorCode
from .errors import NotAllowed, QuoteRefused, RFQInvalid, RFQStateConflict
from .links import quote_link_make
from .lock_objects import rfqs_qs_select_for_update
from .models import (
    LEAD_TIME_DAYS_MAX,
    QUANTITY_MAX,
    SCORE_MAX,
    Award,
    Criterion,
    Evaluator,
    Invitation,
    Quote,
    QuoteLine,
    RequestForQuotation,
    RFQAttachment,
    RFQLine,
    Score,
)
from .selectors import buyer_check, due_text, is_buyer, quotes_unsealed
from .tasks import supplier_email_send
from .transitions import rfq_status_move

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


@dataclass
class _Checked:
    lines: list[RFQLineInput] = field(default_factory=list)
    suppliers: list[Supplier] = field(default_factory=list)
    evaluators: list[Employee] = field(default_factory=list)


def _text(value: str, *, limit: int, label: str, field_name: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RFQInvalid(_("%(label)s is required.") % {"label": label}, field=field_name)
    if len(value) > limit:
        raise RFQInvalid(
            _("%(label)s is longer than %(limit)s characters.") % {"label": label, "limit": limit}, field=field_name
        )
    return value


def _check_spec(spec: RFQSpec, *, legal_entity: LegalEntity, now: datetime) -> _Checked:
    checked = _Checked()
    if timezone.is_naive(spec.due_at):
        raise RFQInvalid(_("The due date needs a time zone."), field="due_at")
    if spec.due_at <= now:
        raise RFQInvalid(_("The due date must be in the future."), field="due_at")
    if spec.due_at > now + timedelta(days=DUE_DAYS_MAX):
        raise RFQInvalid(_("The due date must be within a year."), field="due_at")
    if not spec.lines:
        raise RFQInvalid(_("Add at least one line to quote."), field="lines")
    if len(spec.lines) > LINES_MAX:
        raise RFQInvalid(_("A request has at most %(max)s lines.") % {"max": LINES_MAX}, field="lines")
    for number, line in enumerate(spec.lines, 1):
        label = _("Line %(number)s") % {"number": number}
        description = _text(
            line.description,
            limit=DESCRIPTION_MAX,
            label=_("%(label)s: the description") % {"label": label},
            field_name=f"line-{number}-description",
            required=True,
        )
        quantity = line.quantity
        if not quantity.is_finite() or quantity <= 0 or quantity > QUANTITY_MAX:
            raise RFQInvalid(
                _("%(label)s: the quantity must be more than 0 and at most %(max)s.")
                % {"label": label, "max": decimal_text(QUANTITY_MAX)},
                field=f"line-{number}-quantity",
            )
        if quantity != quantity.quantize(QUANTITY_STEP):
            raise RFQInvalid(
                _("%(label)s: the quantity has more than 3 decimals.") % {"label": label},
                field=f"line-{number}-quantity",
            )
        unit = (line.unit or "").strip().upper()
        if not (2 <= len(unit) <= 3 and unit.isalnum() and unit.isascii()):
            raise RFQInvalid(
                _("%(label)s: use a UN/CEFACT unit code such as EA or C62.") % {"label": label},
                field=f"line-{number}-unit",
            )
        specification = _text(
            line.specification,
            limit=TEXT_MAX,
            label=_("%(label)s: the specification") % {"label": label},
            field_name=f"line-{number}-specification",
        )
        checked.lines.append(
            RFQLineInput(
                description=description,
                quantity=quantity,
                unit=unit,
                specification=specification,
                requisition_line_id=line.requisition_line_id,
            )
        )
    supplier_ids = list(dict.fromkeys(spec.supplier_ids))
    if len(supplier_ids) < 2:
        raise RFQInvalid(
            _("Invite at least two suppliers."), code=SourcingErrorCode.TOO_FEW_SUPPLIERS, field="suppliers"
        )
    if len(supplier_ids) > SUPPLIERS_MAX:
        raise RFQInvalid(_("Invite at most %(max)s suppliers.") % {"max": SUPPLIERS_MAX}, field="suppliers")
    suppliers = {supplier.pk: supplier for supplier in Supplier.objects.filter(pk__in=supplier_ids, is_active=True)}
    missing = [str(pk) for pk in supplier_ids if pk not in suppliers]
    if missing:
        raise RFQInvalid(_("No active supplier has the id %(ids)s.") % {"ids": ", ".join(missing)}, field="suppliers")
    checked.suppliers = [suppliers[pk] for pk in supplier_ids]
    evaluator_ids = list(dict.fromkeys(spec.evaluator_ids))
    if not evaluator_ids:
        raise RFQInvalid(_("Name at least one evaluator."), code=SourcingErrorCode.NO_EVALUATORS, field="evaluators")
    if len(evaluator_ids) > EVALUATORS_MAX:
        raise RFQInvalid(_("Name at most %(max)s evaluators.") % {"max": EVALUATORS_MAX}, field="evaluators")
    people = {
        person.pk: person
        for person in Employee.objects.filter(
            pk__in=evaluator_ids, legal_entities=legal_entity, user__is_active=True
        ).select_related("user")
    }
    missing = [str(pk) for pk in evaluator_ids if pk not in people]
    if missing:
        raise RFQInvalid(
            _("Evaluators must be active colleagues of %(code)s (not: %(ids)s).")
            % {"code": legal_entity.code, "ids": ", ".join(missing)},
            field="evaluators",
        )
    checked.evaluators = [people[pk] for pk in evaluator_ids]
    weights = {criterion: spec.weights.get(criterion, 0) for criterion in Criterion.values}
    unknown = set(spec.weights) - set(Criterion.values)
    if unknown:
        raise RFQInvalid(_("Unknown criteria: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="weights")
    for criterion, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
            raise RFQInvalid(
                _("The weight of %(criterion)s must be a whole number from 0 to 100.")
                % {"criterion": Criterion(criterion).label.lower()},
                field=f"weight-{criterion}",
            )
    if sum(weights.values()) != 100:
        raise RFQInvalid(
            _("The weights add up to %(sum)s: they must add up to 100.") % {"sum": sum(weights.values())},
            code=SourcingErrorCode.WEIGHTS_NOT_100,
            field="weights",
        )
    return checked


def _write_parts(rfq: RequestForQuotation, checked: _Checked) -> None:
    rfq.lines.all().delete()
    RFQLine.objects.bulk_create(
        RFQLine(
            rfq=rfq,
            line_number=number,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            specification=line.specification,
            requisition_line_id=line.requisition_line_id,
        )
        for number, line in enumerate(checked.lines, 1)
    )
    rfq.invitations.exclude(supplier__in=checked.suppliers).delete()
    kept = set(rfq.invitations.values_list("supplier_id", flat=True))
    Invitation.objects.bulk_create(
        Invitation(rfq=rfq, supplier=supplier) for supplier in checked.suppliers if supplier.pk not in kept
    )
    rfq.evaluators.exclude(employee__in=checked.evaluators).delete()
    kept = set(rfq.evaluators.values_list("employee_id", flat=True))
    Evaluator.objects.bulk_create(
        Evaluator(rfq=rfq, employee=person) for person in checked.evaluators if person.pk not in kept
    )


def _spec_data(rfq: RequestForQuotation, checked: _Checked) -> dict:
    return {
        "number": rfq.number,
        "title": rfq.title,
        "due_at": rfq.due_at.isoformat(),
        "lines": len(checked.lines),
        "suppliers": [supplier.code for supplier in checked.suppliers],
        "evaluators": [person.user.username for person in checked.evaluators],
        "weights": rfq.weights,
    }


@transaction.atomic
def rfq_create(*, by: Employee, legal_entity: LegalEntity, spec: RFQSpec) -> RequestForQuotation:
    """Make a draft request for an entity the buyer buys for: lines, at least two suppliers, a committee of at
    least one colleague and criteria weights adding up to 100. From a requisition, its requester gets the award."""
    if not is_buyer(employee=by, legal_entity_id=legal_entity.pk):
        raise NotAllowed(
            _("Only a buyer of %(code)s may ask suppliers for quotes.") % {"code": legal_entity.code},
            code=SourcingErrorCode.NOT_A_BUYER,
        )
    title = _text(spec.title, limit=TITLE_MAX, label=_("The title"), field_name="title", required=True)
    description = _text(spec.description, limit=TEXT_MAX, label=_("The description"), field_name="description")
    currency = (spec.currency or legal_entity.currency).upper()
    if not is_currency(currency):
        raise RFQInvalid(_("%(currency)s is not a currency code.") % {"currency": currency[:3]}, field="currency")
    if spec.requisition is not None and spec.requisition.legal_entity_id != legal_entity.pk:
        raise RFQInvalid(_("The requisition belongs to another legal entity."), field="requisition")
    checked = _check_spec(spec, legal_entity=legal_entity, now=timezone.now())
    number = document_number_next(legal_entity=legal_entity, kind="rfq")
    rfq = RequestForQuotation.objects.create(
        legal_entity=legal_entity,
        number=f"RFQ-{legal_entity.code}-{number:06d}",
        title=title,
        description=description,
        currency=currency,
        due_at=spec.due_at,
        buyer=by,
        requester=spec.requisition.requester if spec.requisition is not None else by,
        requisition=spec.requisition,
        weight_price=spec.weights.get(Criterion.PRICE, 0),
        weight_delivery=spec.weights.get(Criterion.DELIVERY, 0),
        weight_quality=spec.weights.get(Criterion.QUALITY, 0),
        weight_terms=spec.weights.get(Criterion.TERMS, 0),
    )
    _write_parts(rfq, checked)
    audit_event_record(
        event_type="sourcing.rfq.created",
        actor=by.user,
        legal_entity=legal_entity,
        obj=rfq,
        data=_spec_data(rfq, checked),
    )
    return rfq


def _locked(rfq: RequestForQuotation) -> RequestForQuotation:
    return rfqs_qs_select_for_update().select_related("legal_entity").get(pk=rfq.pk)


def _draft_check(rfq: RequestForQuotation) -> None:
    if rfq.status != S.DRAFT:
        raise RFQStateConflict(
            _("%(number)s has been sent: it can no longer be changed.") % {"number": rfq.number},
            code=SourcingErrorCode.NOT_EDITABLE,
        )


@transaction.atomic
def rfq_update(*, rfq: RequestForQuotation, by: Employee, spec: RFQSpec) -> RequestForQuotation:
    """Change a draft request (its lines, suppliers, committee, weights, due date); refused once sent."""
    locked = _locked(rfq)
    buyer_check(employee=by, rfq=locked)
    _draft_check(locked)
    locked.title = _text(spec.title, limit=TITLE_MAX, label=_("The title"), field_name="title", required=True)
    locked.description = _text(spec.description, limit=TEXT_MAX, label=_("The description"), field_name="description")
    checked = _check_spec(spec, legal_entity=locked.legal_entity, now=timezone.now())
    locked.due_at = spec.due_at
    locked.weight_price = spec.weights.get(Criterion.PRICE, 0)
    locked.weight_delivery = spec.weights.get(Criterion.DELIVERY, 0)
    locked.weight_quality = spec.weights.get(Criterion.QUALITY, 0)
    locked.weight_terms = spec.weights.get(Criterion.TERMS, 0)
    locked.save()
    _write_parts(locked, checked)
    audit_event_record(
        event_type="sourcing.rfq.changed",
        actor=by.user,
        legal_entity=locked.legal_entity,
        obj=locked,
        data=_spec_data(locked, checked),
    )
    return locked


@transaction.atomic
def rfq_attachment_add(
    *, rfq: RequestForQuotation, by: Employee, filename: str, content_type: str, content: bytes
) -> RFQAttachment:
    """Attach a drawing or a specification to a draft request (at most 10 files of 5 MB)."""
    locked = _locked(rfq)
    buyer_check(employee=by, rfq=locked)
    _draft_check(locked)
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    if not name:
        raise RFQInvalid(_("The file has no name."), field="attachment")
    if not content:
        raise RFQInvalid(_("%(name)s is empty.") % {"name": name}, field="attachment")
    if len(content) > ATTACHMENT_BYTES_MAX:
        raise RFQInvalid(_("%(name)s is larger than 5 MB.") % {"name": name}, field="attachment")
    if locked.attachments.count() >= ATTACHMENTS_MAX:
        raise RFQInvalid(_("A request has at most %(max)s files.") % {"max": ATTACHMENTS_MAX}, field="attachment")
    attachment = RFQAttachment.objects.create(
        rfq=locked,
        filename=name,
        content_type=(content_type or "application/octet-stream")[:100],
        content=content,
        size=len(content),
    )
    audit_event_record(
        event_type="sourcing.rfq.attachment_added",
        actor=by.user,
        legal_entity=locked.legal_entity,
        obj=locked,
        data={"filename": name, "size": len(content)},
    )
    return attachment


def _supplier_email(invitation: Invitation, *, template: str, context: dict) -> None:
    """Queue an e-mail to the supplier's contact (else its order address), written in the site's language:
    suppliers have none on file."""
    with override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"sourcing/email/{template}.subject.txt", context).split())
        body = render_to_string(f"sourcing/email/{template}.body.txt", context)
    task_enqueue_on_commit(
        supplier_email_send.name, kwargs={"invitation_id": invitation.pk, "subject": subject, "body": body}
    )


def _person_email(person: Employee, *, template: str, context: dict) -> None:
    with override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"sourcing/email/{template}.subject.txt", context).split())
        body = render_to_string(f"sourcing/email/{template}.body.txt", context)
    task_enqueue_on_commit(
        notification_email_send.name, kwargs={"user_id": person.user_id, "subject": subject, "body": body}
    )


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def rfq_send(*, rfq: RequestForQuotation, by: Employee) -> RequestForQuotation:
    """Send a draft: each invited supplier gets an e-mail with its own link to the quote page (valid until the due
    date), each evaluator an e-mail saying that scoring opens at the due date."""
    locked = _locked(rfq)
    buyer_check(employee=by, rfq=locked)
    _draft_check(locked)
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
    unreachable = [invitation.supplier.name for invitation in invitations if not _supplier_address(invitation)]
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
        _supplier_email(
            invitation,
            template="invitation",
            context={"rfq": locked, "supplier": invitation.supplier, "url": link.url, "due": due_text(locked)},
        )
    Invitation.objects.bulk_update(invitations, ["token_hash", "expires_at", "sent_at"])
    for evaluator in evaluators:
        _person_email(
            evaluator.employee,
            template="evaluator",
            context={
                "rfq": locked,
                "due": due_text(locked),
                "url": _site_url(reverse("sourcing:score", args=[locked.pk])),
            },
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


def _supplier_address(invitation: Invitation) -> str:
    return invitation.supplier.contact_email or invitation.supplier.order_email


def _price_minor(value: Decimal, *, currency: str, label: str, field_name: str) -> int:
    try:
        typed_price_check(value, currency)
        minor = to_minor(value, currency)
    except MoneyError as error:
        raise RFQInvalid(f"{label}: {error}", field=field_name) from None
    if Money.from_minor(minor, currency).amount != value:
        raise RFQInvalid(
            _("%(label)s: %(price)s has more decimals than %(currency)s has.")
            % {"label": label, "price": decimal_text(value), "currency": currency},
            field=field_name,
        )
    return minor


@transaction.atomic
def quote_submit(
    *, invitation: Invitation, lines: Sequence[QuoteLineInput], note: str = "", now: datetime | None = None
) -> Quote:
    """Save the supplier's quote (a new one, or a revision replacing the one before), until the due date.

    Refused after the due date or on a request no longer open (`QuoteRefused`), and for a bad line (`RFQInvalid`:
    a price out of bounds or with too many decimals, a lead time, a validity date in the past). At least one line
    must be priced; a line left without a price is not quoted.
    """
    locked = _locked(invitation.rfq)
    now = now or timezone.now()
    if locked.status != S.SENT or locked.is_due(now):
        raise QuoteRefused(
            _("The due date of %(number)s (%(due)s) has passed: quotes are no longer accepted.")
            % {"number": locked.number, "due": due_text(locked)}
            if locked.status == S.SENT or locked.status == S.AWARDED
            else _("%(number)s is no longer open for quotes.") % {"number": locked.number}
        )
    invitation = Invitation.objects.select_related("supplier").get(pk=invitation.pk, rfq=locked)
    note = _text(note, limit=NOTE_MAX, label=_("The note"), field_name="note")
    rfq_lines = {line.pk: line for line in locked.lines.all()}
    today = timezone.localdate(now)
    given: dict[int, QuoteLine] = {}
    for item in lines:
        line = rfq_lines.get(item.rfq_line)
        if line is None:
            raise RFQInvalid(_("%(number)s has no line %(id)s.") % {"number": locked.number, "id": item.rfq_line})
        if line.pk in given:
            raise RFQInvalid(_("Line %(number)s is given twice.") % {"number": line.line_number})
        label = _("Line %(number)s") % {"number": line.line_number}
        if item.unit_price is None:
            continue
        minor = _price_minor(item.unit_price, currency=locked.currency, label=label, field_name=f"price-{line.pk}")
        if item.lead_time_days is None or not 0 <= item.lead_time_days <= LEAD_TIME_DAYS_MAX:
            raise RFQInvalid(
                _("%(label)s: give the lead time in days, from 0 to %(max)s.")
                % {"label": label, "max": LEAD_TIME_DAYS_MAX},
                field=f"lead_time-{line.pk}",
            )
        if item.valid_until is None or item.valid_until < today:
            raise RFQInvalid(
                _("%(label)s: give the date until which the price is valid, today or later.") % {"label": label},
                field=f"valid_until-{line.pk}",
            )
        if item.valid_until > today + timedelta(days=VALIDITY_DAYS_MAX):
            raise RFQInvalid(
                _("%(label)s: the price can be valid for at most five years.") % {"label": label},
                field=f"valid_until-{line.pk}",
            )
        given[line.pk] = QuoteLine(
            rfq_line=line,
            unit_price_minor=minor,
            lead_time_days=item.lead_time_days,
            valid_until=item.valid_until,
            alternative_description=_text(
                item.alternative_description,
                limit=DESCRIPTION_MAX,
                label=_("%(label)s: the alternative") % {"label": label},
                field_name=f"alternative-{line.pk}",
            ),
            comment=_text(
                item.comment,
                limit=COMMENT_MAX,
                label=_("%(label)s: the comment") % {"label": label},
                field_name=f"comment-{line.pk}",
            ),
        )
    if not given:
        raise RFQInvalid(_("Give a price for at least one line."), field="lines")
    quote = Quote.objects.filter(invitation=invitation).first()
    if quote is None:
        quote = Quote.objects.create(
            invitation=invitation, rfq=locked, currency=locked.currency, note=note, submitted_at=now
        )
    else:
        quote.lines.all().delete()
        quote.note, quote.submitted_at, quote.revision = note, now, quote.revision + 1
        quote.save(update_fields=["note", "submitted_at", "revision"])
    for quote_line in given.values():
        quote_line.quote = quote
    QuoteLine.objects.bulk_create(given.values())
    # Sealed: the audit row says that a quote came, never what it says.
    audit_event_record(
        event_type="sourcing.quote.submitted",
        legal_entity=locked.legal_entity,
        obj=quote,
        data={
            "rfq": locked.number,
            "supplier": invitation.supplier.code,
            "lines": len(given),
            "revision": quote.revision,
        },
    )
    return quote


def _due_check(rfq: RequestForQuotation, now: datetime) -> None:
    if rfq.status != S.SENT:
        raise RFQStateConflict(
            _("%(number)s is %(status)s.") % {"number": rfq.number, "status": rfq.get_status_display().lower()}
        )
    if not rfq.is_due(now):
        raise RFQStateConflict(
            _("%(number)s is open for quotes until %(due)s: evaluation starts then.")
            % {"number": rfq.number, "due": due_text(rfq)},
            code=SourcingErrorCode.QUOTES_SEALED,
        )


@transaction.atomic
def scores_submit(
    *, rfq: RequestForQuotation, by: Employee, scores: Mapping[tuple[int, str], int], now: datetime | None = None
) -> Evaluator:
    """Record an evaluator's scores (0–10 for every quote on every criterion), alone: nobody sees them until
    every evaluator has scored (then they are revealed together) or the buyer reveals them. An evaluator may
    change their scores until then."""
    locked = _locked(rfq)
    now = now or timezone.now()
    _due_check(locked, now)
    evaluator = Evaluator.objects.filter(rfq=locked, employee=by).first()
    if evaluator is None:
        raise NotAllowed(
            _("You are not on the committee of %(number)s.") % {"number": locked.number},
            code=SourcingErrorCode.NOT_AN_EVALUATOR,
        )
    if locked.scores_revealed_at is not None:
        raise RFQStateConflict(
            _("The scores of %(number)s have been revealed: they can no longer be changed.") % {"number": locked.number}
        )
    quotes = quotes_unsealed(rfq=locked, employee=by, now=now)
    if not quotes:
        raise RFQStateConflict(_("No supplier quoted: there is nothing to score."), code=SourcingErrorCode.NO_QUOTES)
    quote_ids = {quote.pk: quote for quote in quotes}
    unknown = [key for key in scores if key[0] not in quote_ids or key[1] not in Criterion.values]
    if unknown:
        raise RFQInvalid(
            _("Scores are given for quotes or criteria that %(number)s does not have.") % {"number": locked.number}
        )
    rows = []
    for quote in quotes:
        for criterion in Criterion.values:
            value = scores.get((quote.pk, criterion))
            name = quote.invitation.supplier.name
            if value is None:
                raise RFQInvalid(
                    _("Score %(supplier)s on %(criterion)s.")
                    % {"supplier": name, "criterion": Criterion(criterion).label.lower()},
                    field=f"score-{quote.pk}-{criterion}",
                )
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SCORE_MAX:
                raise RFQInvalid(
                    _("%(supplier)s, %(criterion)s: a score is a whole number from 0 to 10.")
                    % {"supplier": name, "criterion": Criterion(criterion).label.lower()},
                    field=f"score-{quote.pk}-{criterion}",
                )
            rows.append(Score(evaluator=evaluator, quote=quote, criterion=criterion, value=value))
    evaluator.scores.all().delete()
    Score.objects.bulk_create(rows)
    evaluator.submitted_at = now
    evaluator.save(update_fields=["submitted_at"])
    audit_event_record(
        event_type="sourcing.scores.submitted",
        actor=by.user,
        legal_entity=locked.legal_entity,
        obj=locked,
        data={"evaluator": by.user.username, "quotes": len(quotes)},
    )
    if not locked.evaluators.filter(submitted_at__isnull=True).exists():
        _reveal(locked, by=None, now=now, reason="all scored")
    return evaluator


def _reveal(rfq: RequestForQuotation, *, by: Employee | None, now: datetime, reason: str) -> None:
    rfq.scores_revealed_at = now
    rfq.save(update_fields=["scores_revealed_at"])
    audit_event_record(
        event_type="sourcing.scores.revealed",
        actor=by.user if by else None,
        legal_entity=rfq.legal_entity,
        obj=rfq,
        data={
            "reason": reason,
            "scored": list(
                rfq.evaluators.filter(submitted_at__isnull=False).values_list("employee__user__username", flat=True)
            ),
        },
    )


@transaction.atomic
def scores_reveal(*, rfq: RequestForQuotation, by: Employee, now: datetime | None = None) -> RequestForQuotation:
    """The buyer reveals the committee's scores before everyone has scored (someone is away)."""
    locked = _locked(rfq)
    buyer_check(employee=by, rfq=locked)
    now = now or timezone.now()
    _due_check(locked, now)
    if locked.scores_revealed_at is None:
        _reveal(locked, by=by, now=now, reason="revealed by the buyer")
    return locked


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
    locked = _locked(rfq)
    buyer_check(employee=by, rfq=locked)
    now = now or timezone.now()
    _due_check(locked, now)
    justification = _text(
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
            _supplier_email(invitation, template="declined", context={"rfq": locked, "supplier": invitation.supplier})
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
        _person_email(
            locked.requester,
            template="awarded",
            context={
                "rfq": locked,
                "requisition": requisition,
                "url": _site_url(reverse("requisitions:detail", args=[requisition.pk])),
            },
        )
    return locked


@transaction.atomic
def rfq_cancel(*, rfq: RequestForQuotation, by: Employee, reason: str) -> RequestForQuotation:
    """Cancel a draft or a sent request (the reason is required); invited suppliers of a sent one are told."""
    locked = _locked(rfq)
    buyer_check(employee=by, rfq=locked)
    reason = _text(reason, limit=TEXT_MAX, label=_("The reason"), field_name="reason", required=True)
    was_sent = locked.status == S.SENT
    rfq_status_move(rfq=locked, to_status=S.CANCELLED, by=by, comment=reason)
    if was_sent:
        now = timezone.now()
        for invitation in locked.invitations.select_related("supplier"):
            invitation.outcome, invitation.told_at, invitation.expires_at = Invitation.Outcome.DECLINED, now, now
            invitation.save(update_fields=["outcome", "told_at", "expires_at"])
            _supplier_email(invitation, template="cancelled", context={"rfq": locked, "supplier": invitation.supplier})
    return locked
