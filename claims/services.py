"""Writes of claims: raise one on a goods receipt line, the supplier's acknowledgement and answer through its link,
the buyer's close, and a new link for the supplier.

Raising holds the order's row lock while it counts what is claimed already, so two claims at once cannot claim
more than arrived. A credit-note answer takes a credit note in on the invoice side (`invoices.ingestion`): it
names the original invoice of the order line when there is one and is matched as any credit note, which, once
accepted, books the negative actual on the order's budgets (`budgets.actuals`) — the reversal of the actual.
E-mails go after commit (`procurement.task_queue`).
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoices.errors import InvoiceError
from invoices.formats import Party, SupplierInvoiceDocument, SupplierInvoiceLine, Totals
from invoices.ingestion import invoice_receive
from invoices.models import Invoice, InvoiceLine
from invoices.transitions import ACCEPTED
from notifications.services import message_render
from orders.lock_objects import purchase_orders_qs_select_for_update
from orders.models import QUANTITY_MAX
from procurement.events import audit_event_record
from procurement.i18n import supplier_language
from procurement.models import Employee
from procurement.money import (
    Money,
    MoneyError,
    currency_digits,
    decimal_text,
    line_total_minor,
    tax_amount_minor,
    to_minor,
)
from procurement.services import document_number_next
from procurement.task_queue import task_enqueue_on_commit
from receiving.models import GoodsReceipt, GoodsReceiptLine

from .answer_notices import ACKNOWLEDGED, claim_answer_notify
from .errors import ClaimInvalid, ClaimNotAllowed, ClaimTransitionNotAllowed
from .links import claim_link_make
from .lock_objects import claims_qs_select_for_update
from .models import COMMENT_MAX, REASON_MAX, Claim, ClaimPhoto
from .photos import photos_check
from .selectors import claimable_quantity, may_close, may_raise
from .tasks import claim_supplier_email_send
from .transitions import ANSWERABLE, claim_status_move

C = Claim.Status
QUANTITY_PLACES = 3
CREDIT_NUMBER_MAX = 60


def _quantity(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise ClaimInvalid(_("The quantity claimed is more than 0."), field="quantity")
    if value != value.quantize(Decimal(1).scaleb(-QUANTITY_PLACES), rounding=ROUND_DOWN):
        raise ClaimInvalid(_("The quantity has more than 3 decimals."), field="quantity")
    if value > QUANTITY_MAX:
        raise ClaimInvalid(_("The quantity is too large."), field="quantity")
    return value


@transaction.atomic
def claim_raise(
    *,
    receipt_line: GoodsReceiptLine,
    kind: str,
    quantity: Decimal,
    comment: str,
    photos: list[UploadedFile],
    by: Employee,
) -> Claim:
    """Raise a claim on a receipt line: its kind, the quantity (more than 0 and at most `claimable_quantity`), a
    comment and photos. The supplier is e-mailed a link to answer it (when it has an address).

    Refused with nothing written: someone who may not raise it (`ClaimNotAllowed`), a reversed receipt, a line
    received by amount, a bad kind, quantity, comment or photo (`ClaimInvalid` naming the field).
    """
    order = (
        purchase_orders_qs_select_for_update()
        .select_related("legal_entity", "supplier")
        .get(pk=receipt_line.receipt.purchase_order_id)
    )
    line = GoodsReceiptLine.objects.select_related("receipt", "po_line").get(pk=receipt_line.pk)
    receipt = line.receipt
    receipt.purchase_order = order
    if not may_raise(employee=by, receipt=receipt):
        raise ClaimNotAllowed(
            _("You may not raise claims on %(number)s: its receivers and the buyers of %(entity)s may.")
            % {"number": receipt.number, "entity": order.legal_entity.code}
        )
    if receipt.status != GoodsReceipt.Status.POSTED:
        raise ClaimInvalid(_("%(number)s is reversed: nothing can be claimed on it.") % {"number": receipt.number})
    if line.po_line.receipt_by_amount:
        raise ClaimInvalid(
            _("Line %(number)s is a service received by amount: it cannot be claimed by quantity.")
            % {"number": line.po_line.line_number},
            field="line",
        )
    if kind not in Claim.Kind.values:
        raise ClaimInvalid(
            _("Choose what is wrong: %(kinds)s.") % {"kinds": ", ".join(Claim.Kind.values)}, field="kind"
        )
    quantity = _quantity(quantity)
    most = claimable_quantity(receipt_line=line, kind=kind)
    if quantity > most:
        if kind == Claim.Kind.SHORT:
            message = _("At most %(most)s can be claimed short on line %(number)s: that is what is still missing.")
        else:
            message = _(
                "At most %(most)s can be claimed on line %(number)s: what was received less what is claimed already."
            )
        raise ClaimInvalid(message % {"most": decimal_text(most), "number": line.po_line.line_number}, field="quantity")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ClaimInvalid(_("The comment is longer than %(max)s characters.") % {"max": COMMENT_MAX}, field="comment")
    checked = photos_check(photos)
    entity = order.legal_entity
    number = document_number_next(legal_entity=entity, kind="claim")
    po_line = line.po_line
    claim = Claim.objects.create(
        legal_entity=entity,
        number=f"CL-{entity.code}-{number:06d}",
        receipt=receipt,
        receipt_line=line,
        purchase_order=order,
        supplier=order.supplier,
        kind=kind,
        quantity=quantity,
        currency=order.currency,
        value_minor=line_total_minor(
            quantity=quantity,
            unit_price_minor=po_line.unit_price_minor,
            price_basis_quantity=po_line.price_basis_quantity,
        ),
        comment=comment,
        raised_by=by,
    )
    for photo in checked:
        row = ClaimPhoto(
            claim=claim, content_type=photo.content_type, size=photo.upload.size or 0, original_name=photo.original_name
        )
        row.file.save(photo.stored_name, photo.upload, save=False)
        row.save()
    audit_event_record(
        event_type="claims.claim.raised",
        actor=by.user,
        legal_entity=entity,
        obj=claim,
        data={
            "number": claim.number,
            "receipt": receipt.number,
            "order": order.number,
            "line": po_line.line_number,
            "kind": kind,
            "quantity": decimal_text(quantity),
            "photos": len(checked),
        },
    )
    _link_send(claim)
    return claim


def _link_send(claim: Claim) -> bool:
    """Make the claim's supplier link (replacing any before) and e-mail it after commit; False without an address."""
    supplier = claim.supplier
    address = supplier.contact_email or supplier.order_email
    link = claim_link_make(claim=claim)
    claim.link_token_hash, claim.link_expires_at = link.token_hash, link.expires_at
    claim.save(update_fields=["link_token_hash", "link_expires_at"])
    if not address:
        return False
    po_line = claim.receipt_line.po_line
    # In the supplier's language (its own, else its entity's country's), as its purchase orders.
    message = message_render(
        message="claim_raised",
        context={
            "entity": claim.legal_entity.name,
            "number": claim.number,
            "order": claim.purchase_order.number,
            "receipt": claim.receipt.number,
            "line": po_line.line_number,
            "description": po_line.description,
            "kind": Claim.Kind(claim.kind).label,
            "quantity": decimal_text(claim.quantity),
            "value": claim.value,
            "comment": claim.comment,
            "link": link.url,
            "expires": link.expires_at.date().isoformat(),
        },
        language=supplier_language(supplier, claim.legal_entity),
    )
    task_enqueue_on_commit(
        claim_supplier_email_send.name,
        kwargs={"claim_id": claim.pk, "subject": message.title, "body": message.email_body},
    )
    return True


@transaction.atomic
def claim_link_renew(*, claim: Claim, by: Employee) -> Claim:
    """A buyer sends the supplier a new link (the one before stops working), while the claim waits for an answer."""
    order = purchase_orders_qs_select_for_update().get(pk=claim.purchase_order_id)
    locked = (
        claims_qs_select_for_update()
        .select_related("legal_entity", "supplier", "receipt", "receipt_line__po_line")
        .get(pk=claim.pk)
    )
    locked.purchase_order = order
    if not may_close(employee=by, claim=locked):
        raise ClaimNotAllowed(
            _("Only the buyers of %(entity)s may send a new link.") % {"entity": locked.legal_entity.code}
        )
    if locked.status not in ANSWERABLE:
        raise ClaimTransitionNotAllowed(_("%(number)s is answered already.") % {"number": locked.number})
    sent = _link_send(locked)
    audit_event_record(
        event_type="claims.claim.link_sent",
        actor=by.user,
        legal_entity=locked.legal_entity,
        obj=locked,
        data={"number": locked.number, "e_mailed": sent},
    )
    return locked


def _locked(claim: Claim) -> Claim:
    order = purchase_orders_qs_select_for_update().get(pk=claim.purchase_order_id)
    locked = (
        claims_qs_select_for_update()
        .select_related("legal_entity", "supplier", "receipt", "receipt_line__po_line")
        .get(pk=claim.pk)
    )
    locked.purchase_order = order
    return locked


@transaction.atomic
def claim_acknowledge(*, claim: Claim) -> Claim:
    """The supplier has seen the claim (through its link): open → acknowledged. Seen twice, nothing changes."""
    locked = _locked(claim)
    if locked.status == C.OPEN:
        claim_status_move(claim=locked, to_status=C.ACKNOWLEDGED, actor=None, comment="Acknowledged by the supplier")
        claim_answer_notify(claim=locked, event=ACKNOWLEDGED)
    return locked


@dataclass(frozen=True)
class ClaimAnswer:
    """The supplier's answer, as read from its page: `answer` is replacement, credit_note or rejection."""

    answer: str
    replacement_date: date | None = None
    credit_amount: Decimal | None = None
    credit_number: str = ""
    reason: str = ""
    note: str = ""


def _credit_minor(claim: Claim, amount: Decimal | None) -> int:
    if amount is None:
        raise ClaimInvalid(_("Enter the amount of the credit note."), field="credit_amount")
    if not amount.is_finite() or amount <= 0:
        raise ClaimInvalid(_("The credit is more than 0."), field="credit_amount")
    try:
        minor = to_minor(amount, claim.currency)
    except MoneyError:
        raise ClaimInvalid(_("The credit is too large."), field="credit_amount") from None
    if Money.from_minor(minor, claim.currency).amount != amount:
        raise ClaimInvalid(
            _("%(amount)s has more decimals than %(currency)s has.")
            % {"amount": decimal_text(amount), "currency": claim.currency},
            field="credit_amount",
        )
    if minor > claim.value_minor:
        raise ClaimInvalid(
            _("The credit is at most the claimed value, %(value)s.") % {"value": claim.value}, field="credit_amount"
        )
    return minor


def original_invoice_line(*, claim: Claim) -> InvoiceLine | None:
    """The accepted invoice line that billed the claim's order line, the latest one when there are several."""
    return (
        InvoiceLine.objects.filter(
            po_line_id=claim.receipt_line.po_line_id,
            invoice__kind=Invoice.Kind.INVOICE,
            invoice__status__in=ACCEPTED,
            invoice__supplier_id=claim.supplier_id,
        )
        .select_related("invoice")
        .order_by("-invoice__invoice_date", "-invoice_id")
        .first()
    )


def _credit_note_take(*, claim: Claim, credit_minor: int, number: str, today: date) -> Invoice:
    """The credit note of the answer, taken in as any supplier document: one line crediting the claimed quantity of
    the order line for the credit amount (price basis = quantity, so the line's net is the amount exactly), VAT at the
    original invoice line's rate (else the order line's), naming the original invoice when there is one."""
    po_line = claim.receipt_line.po_line
    order = claim.purchase_order
    original = original_invoice_line(claim=claim)
    rate = original.tax_rate if original is not None else po_line.tax_rate
    rate = Decimal(rate) if rate is not None else None
    digits = currency_digits(claim.currency)
    tax_minor = tax_amount_minor(net_minor=credit_minor, rate_percent=rate) if rate else 0
    net = Decimal(credit_minor).scaleb(-digits)
    tax = Decimal(tax_minor).scaleb(-digits)
    document = SupplierInvoiceDocument(
        format="claim",
        kind="credit_note",
        number=number,
        issue_date=today,
        due_date=None,
        currency=claim.currency,
        seller=Party(name=claim.supplier.name, vat_id=claim.supplier.tax_id or None),
        buyer=None,
        lines=(
            SupplierInvoiceLine(
                line_id="1",
                quantity=claim.quantity,
                unit_code=po_line.unit,
                net_amount=net,
                net_price=net,
                price_base_quantity=claim.quantity,
                description=f"{claim.number}: {po_line.description}"[:500],
                seller_item_id=po_line.supplier_part_id or None,
                order_reference=order.number,
                order_line_reference=str(po_line.line_number),
                tax_category=(original.tax_category if original is not None else po_line.tax_category) or None,
                tax_rate=rate,
                tax_amount=tax,
            ),
        ),
        totals=Totals(
            line_net_total=net,
            allowance_total=Decimal(0),
            charge_total=Decimal(0),
            tax_exclusive=net,
            tax_total=tax,
            tax_inclusive=net + tax,
            prepaid=Decimal(0),
            payable=net + tax,
        ),
        order_reference=order.number,
        order_references=(order.number,),
        corrected_invoice=original.invoice.number if original is not None else None,
    )
    try:
        received = invoice_receive(document=document, supplier=claim.supplier, legal_entity=claim.legal_entity)
    except InvoiceError as error:
        raise ClaimInvalid(error.message, field="credit_number") from None
    return received.invoice


@transaction.atomic
def claim_answer(*, claim: Claim, given: ClaimAnswer, now: date | None = None) -> Claim:
    """The supplier answers through its link (which this spends): a replacement by a date, a credit note of at most
    the claimed value (taken in on the invoice side and linked; the claim is resolved), or a rejection with its
    reason. An open claim is acknowledged first (both moves logged)."""
    locked = _locked(claim)
    if locked.status not in ANSWERABLE:
        raise ClaimTransitionNotAllowed(_("%(number)s is answered already.") % {"number": locked.number})
    today = now or timezone.localdate()
    note = given.note.strip()
    if len(note) > COMMENT_MAX:
        raise ClaimInvalid(_("The note is longer than %(max)s characters.") % {"max": COMMENT_MAX}, field="note")
    fields = ["answer", "answered_at", "supplier_note", "link_token_hash"]
    if given.answer == Claim.Answer.REPLACEMENT:
        if given.replacement_date is None:
            raise ClaimInvalid(_("Enter the day the replacement arrives."), field="replacement_date")
        if given.replacement_date < today:
            raise ClaimInvalid(_("The replacement date is in the past."), field="replacement_date")
        locked.replacement_date = given.replacement_date
        fields.append("replacement_date")
        to_status, words = C.RESOLVED, f"Replacement by {given.replacement_date.isoformat()}"
    elif given.answer == Claim.Answer.CREDIT_NOTE:
        credit_minor = _credit_minor(locked, given.credit_amount)
        number = given.credit_number.strip() or locked.number
        if len(number) > CREDIT_NUMBER_MAX:
            raise ClaimInvalid(
                _("A credit note number has at most %(max)s characters.") % {"max": CREDIT_NUMBER_MAX},
                field="credit_number",
            )
        locked.credit_minor = credit_minor
        locked.credit_note = _credit_note_take(claim=locked, credit_minor=credit_minor, number=number, today=today)
        fields += ["credit_minor", "credit_note"]
        to_status, words = C.RESOLVED, f"Credit note {number} of {Money.from_minor(credit_minor, locked.currency)}"
    elif given.answer == Claim.Answer.REJECTION:
        reason = given.reason.strip()
        if not reason:
            raise ClaimInvalid(_("Say why the claim is rejected."), field="reason")
        if len(reason) > REASON_MAX:
            raise ClaimInvalid(_("The reason is longer than %(max)s characters.") % {"max": REASON_MAX}, field="reason")
        locked.rejection_reason = reason
        fields.append("rejection_reason")
        to_status, words = C.REJECTED, f"Rejected: {reason}"
    else:
        raise ClaimInvalid(_("Choose a replacement, a credit note or a rejection."), field="answer")
    if locked.status == C.OPEN:
        claim_status_move(claim=locked, to_status=C.ACKNOWLEDGED, actor=None, comment="Acknowledged by the supplier")
    locked.answer = given.answer
    locked.answered_at = timezone.now()
    locked.supplier_note = note
    locked.link_token_hash = ""  # the link is spent
    claim_status_move(claim=locked, to_status=to_status, actor=None, comment=words, also=fields)
    claim_answer_notify(claim=locked, event=given.answer)
    return locked


CLOSE_NOTE_MAX = 500


@transaction.atomic
def claim_close(*, claim: Claim, by: Employee, comment: str = "") -> Claim:
    """A buyer of the entity closes a resolved or rejected claim."""
    locked = _locked(claim)
    if not may_close(employee=by, claim=locked):
        raise ClaimNotAllowed(
            _("Only the buyers of %(entity)s may close claims.") % {"entity": locked.legal_entity.code}
        )
    comment = comment.strip()
    if len(comment) > CLOSE_NOTE_MAX:
        raise ClaimInvalid(
            _("The comment is longer than %(max)s characters.") % {"max": CLOSE_NOTE_MAX}, field="comment"
        )
    locked.closed_at = timezone.now()
    locked.closed_by = by
    claim_status_move(
        claim=locked, to_status=C.CLOSED, actor=by.user, comment=comment or "Closed", also=["closed_at", "closed_by"]
    )
    return locked
