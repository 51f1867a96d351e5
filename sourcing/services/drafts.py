"""A buyer's draft request for quotation: create, edit, attach files (checked and bounded)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.events import audit_event_record
from procurement.models import Employee, LegalEntity, Supplier
from procurement.money import decimal_text, is_currency
from procurement.services import document_number_next

from ..error_codes import SourcingErrorCode
from ..errors import NotAllowed, RFQInvalid
from ..models import (
    QUANTITY_MAX,
    Criterion,
    Evaluator,
    Invitation,
    RequestForQuotation,
    RFQAttachment,
    RFQLine,
)
from ..selectors import buyer_check, is_buyer
from .shared import (
    ATTACHMENT_BYTES_MAX,
    ATTACHMENTS_MAX,
    DESCRIPTION_MAX,
    DUE_DAYS_MAX,
    EVALUATORS_MAX,
    LINES_MAX,
    QUANTITY_STEP,
    SUPPLIERS_MAX,
    TEXT_MAX,
    TITLE_MAX,
    RFQLineInput,
    RFQSpec,
    draft_check,
    rfq_locked,
    text_checked,
)


@dataclass
class _Checked:
    lines: list[RFQLineInput] = field(default_factory=list)
    suppliers: list[Supplier] = field(default_factory=list)
    evaluators: list[Employee] = field(default_factory=list)


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
        description = text_checked(
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
        specification = text_checked(
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
    title = text_checked(spec.title, limit=TITLE_MAX, label=_("The title"), field_name="title", required=True)
    description = text_checked(spec.description, limit=TEXT_MAX, label=_("The description"), field_name="description")
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


@transaction.atomic
def rfq_update(*, rfq: RequestForQuotation, by: Employee, spec: RFQSpec) -> RequestForQuotation:
    """Change a draft request (its lines, suppliers, committee, weights, due date); refused once sent."""
    locked = rfq_locked(rfq)
    buyer_check(employee=by, rfq=locked)
    draft_check(locked)
    locked.title = text_checked(spec.title, limit=TITLE_MAX, label=_("The title"), field_name="title", required=True)
    locked.description = text_checked(
        spec.description, limit=TEXT_MAX, label=_("The description"), field_name="description"
    )
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
    locked = rfq_locked(rfq)
    buyer_check(employee=by, rfq=locked)
    draft_check(locked)
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
