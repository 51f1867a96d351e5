"""Writes of goods receipts: post one against an order's lines, and reverse one.

Both take the order's row lock first (then the receipt's), so two receipts of one order at once are checked
one after the other against what is outstanding; the counts on the order lines and the order's status are
recorded through `orders.order_progress`, never written here. Re-matching the order's invoices after a
receipt is the caller's step (`p2p.receipts`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, localcontext

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from orders.lock_objects import purchase_orders_qs_select_for_update
from orders.models import QUANTITY_MAX, PurchaseOrder, PurchaseOrderLine, Shipment
from orders.order_progress import LineProgress, purchase_order_progress_record
from orders.transitions import OPEN
from procurement.events import audit_event_record
from procurement.models import Employee
from procurement.money import Money, MoneyError, decimal_text, over_receipt_limit_minor, to_minor
from procurement.services import document_number_next

from .error_codes import ReceivingErrorCode
from .errors import (
    GoodsReceiptTransitionNotAllowed,
    NotAllowedToReceive,
    OrderNotReceivable,
    OverReceipt,
    ReceiptInvalid,
)
from .lock_objects import goods_receipts_qs_select_for_update
from .models import GoodsReceipt, GoodsReceiptLine
from .selectors import may_receive, over_receipt_percent, receivable_check
from .transitions import goods_receipt_status_move

ZERO = Decimal(0)
QUANTITY_PLACES = 3
NOTE_MAX = 1000
REASON_TEXT_MAX = 300
REVERSAL_REASON_MAX = 500
REASONS = frozenset(GoodsReceiptLine.Reason.values)


@dataclass(frozen=True)
class ReceiptLineInput:
    """What arrived on one order line (`line` is the order line's id): accepted, rejected with a reason, or
    for a line received by amount (a service) the amount, in major units of the order's currency."""

    line: int
    quantity: Decimal = ZERO
    rejected: Decimal = ZERO
    reason: str = ""
    reason_text: str = ""
    amount: Decimal = ZERO

    @property
    def empty(self) -> bool:
        return not (self.quantity or self.rejected or self.amount)


def over_receipt_limit_quantity(*, ordered: Decimal, tolerance_percent: Decimal) -> Decimal:
    """How much of a line may be accepted in all: ordered plus the tolerance, to 3 decimals, rounded down."""
    with localcontext() as context:
        context.prec = 60
        limit = ordered * (100 + Decimal(tolerance_percent)) / 100
        return limit.quantize(Decimal(1).scaleb(-QUANTITY_PLACES), rounding=ROUND_DOWN)


def _quantity_check(value: Decimal, *, what: str, line: PurchaseOrderLine, field: str) -> Decimal:
    label = _("Line %(number)s") % {"number": line.line_number}
    if not value.is_finite() or value < 0:
        raise ReceiptInvalid(
            _("%(label)s: the %(what)s quantity cannot be negative.") % {"label": label, "what": what}, field=field
        )
    if value != value.quantize(Decimal(1).scaleb(-QUANTITY_PLACES), rounding=ROUND_DOWN):
        raise ReceiptInvalid(
            _("%(label)s: the %(what)s quantity has more than 3 decimals.") % {"label": label, "what": what},
            field=field,
        )
    if value > QUANTITY_MAX:
        raise ReceiptInvalid(
            _("%(label)s: the %(what)s quantity is too large.") % {"label": label, "what": what}, field=field
        )
    return value


def _amount_minor(value: Decimal, *, line: PurchaseOrderLine, currency: str) -> int:
    field = f"amount-{line.pk}"
    label = _("Line %(number)s") % {"number": line.line_number}
    if not value.is_finite() or value < 0:
        raise ReceiptInvalid(_("%(label)s: the amount cannot be negative.") % {"label": label}, field=field)
    try:
        minor = to_minor(value, currency)
    except MoneyError:
        raise ReceiptInvalid(_("%(label)s: the amount is too large.") % {"label": label}, field=field) from None
    if Money.from_minor(minor, currency).amount != value:
        raise ReceiptInvalid(
            _("%(label)s: %(decimal_text)s has more decimals than %(currency)s has.")
            % {"label": label, "decimal_text": decimal_text(value), "currency": currency},
            field=field,
        )
    if minor > QUANTITY_MAX * 10**6:  # far beyond any order, and within a BIGINT when added up
        raise ReceiptInvalid(_("%(label)s: the amount is too large.") % {"label": label}, field=field)
    return minor


def _tolerance_clause(percent: Decimal, allowed: str) -> str:
    return (
        _(" (%(allowed)s with the %(decimal_text)s %% over-receipt tolerance)")
        % {"allowed": allowed, "decimal_text": decimal_text(percent)}
        if percent
        else ""
    )


@dataclass(frozen=True)
class _Checked:
    line: PurchaseOrderLine
    given: ReceiptLineInput
    amount_minor: int


def _line_check(
    given: ReceiptLineInput, line: PurchaseOrderLine, *, order: PurchaseOrder, percent: Decimal
) -> _Checked:
    label = _("Line %(number)s") % {"number": line.line_number}
    quantity = _quantity_check(
        given.quantity, what=pgettext("quantity", "received"), line=line, field=f"quantity-{line.pk}"
    )
    rejected = _quantity_check(
        given.rejected, what=pgettext("quantity", "rejected"), line=line, field=f"rejected-{line.pk}"
    )
    if line.status == PurchaseOrderLine.Status.CANCELLED:
        raise ReceiptInvalid(
            _("%(label)s is cancelled: nothing is expected on it.") % {"label": label}, field=f"quantity-{line.pk}"
        )
    if rejected:
        if given.reason and given.reason not in REASONS:
            raise ReceiptInvalid(
                _("%(label)s: %(reason)s is not a reason for rejecting (%(reasons)s).")
                % {"label": label, "reason": repr(given.reason[:40]), "reasons": ", ".join(sorted(REASONS))},
                field=f"reason-{line.pk}",
            )
        if not given.reason:
            raise ReceiptInvalid(
                _("%(label)s: say why %(decimal_text)s was rejected.")
                % {"label": label, "decimal_text": decimal_text(rejected)},
                field=f"reason-{line.pk}",
            )
        if len(given.reason_text) > REASON_TEXT_MAX:
            raise ReceiptInvalid(
                _("%(label)s: the reason is longer than %(reason_text_max)s characters.")
                % {"label": label, "reason_text_max": REASON_TEXT_MAX},
                field=f"reason-{line.pk}",
            )
    if line.receipt_by_amount:
        if quantity or rejected:
            raise ReceiptInvalid(
                _("%(label)s is a service received by amount: give the amount that was delivered, not a quantity.")
                % {"label": label},
                field=f"amount-{line.pk}",
            )
        amount_minor = _amount_minor(given.amount, line=line, currency=order.currency)
        limit = over_receipt_limit_minor(ordered_minor=line.total_minor, tolerance_percent=percent)
        if line.received_amount_minor + amount_minor > limit:
            outstanding = max(line.total_minor - line.received_amount_minor, 0)
            allowed = max(limit - line.received_amount_minor, 0)

            def money(minor: int) -> str:
                return str(Money.from_minor(minor, order.currency))

            raise OverReceipt(
                _("%(label)s: %(received)s received, only %(outstanding)s outstanding%(tolerance)s.")
                % {
                    "label": label,
                    "received": money(amount_minor),
                    "outstanding": money(outstanding),
                    "tolerance": _tolerance_clause(percent, money(allowed)),
                },
                field=f"amount-{line.pk}",
            )
        return _Checked(line=line, given=given, amount_minor=amount_minor)
    if given.amount:
        raise ReceiptInvalid(
            _("%(label)s is received by quantity, not by amount.") % {"label": label}, field=f"quantity-{line.pk}"
        )
    limit_quantity = over_receipt_limit_quantity(ordered=line.quantity, tolerance_percent=percent)
    if line.received_quantity + quantity > limit_quantity:
        allowed_quantity = max(limit_quantity - line.received_quantity, ZERO)
        raise OverReceipt(
            _("%(label)s: %(received)s received, only %(outstanding)s outstanding%(tolerance)s.")
            % {
                "label": label,
                "received": decimal_text(quantity),
                "outstanding": decimal_text(line.outstanding_quantity),
                "tolerance": _tolerance_clause(percent, decimal_text(allowed_quantity)),
            },
            field=f"quantity-{line.pk}",
        )
    return _Checked(line=line, given=given, amount_minor=0)


@transaction.atomic
def goods_receipt_create(
    *,
    order: PurchaseOrder,
    lines: Sequence[ReceiptLineInput],
    note: str,
    by: Employee,
    shipment: Shipment | None = None,
) -> GoodsReceipt:
    """Post a goods receipt: what arrived on the order's lines, accepted and rejected (with a reason), or the
    amount of a service. The order's line counts and status (partly received, received) follow.

    Refused with nothing written: an order held, cancelled or closed (`OrderNotReceivable`), someone who may not
    receive it (`NotAllowedToReceive`), a bad line (`ReceiptInvalid`), nothing received, or more than is
    outstanding beyond the entity's over-receipt tolerance (`OverReceipt`: "Line 2: 7 received, only 5
    outstanding.").
    """
    locked = purchase_orders_qs_select_for_update().select_related("legal_entity").get(pk=order.pk)
    receivable_check(locked)
    if not may_receive(employee=by, order=locked):
        raise NotAllowedToReceive(_("You may not receive goods for %(number)s.") % {"number": locked.number})
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ReceiptInvalid(
            _("The note is longer than %(note_max)s characters.") % {"note_max": NOTE_MAX}, field="note"
        )
    if shipment is not None and shipment.purchase_order_id != locked.pk:
        raise ReceiptInvalid(
            _("Shipment %(shipment_id)s is not one of %(number)s.")
            % {"shipment_id": shipment.shipment_id, "number": locked.number},
            field="shipment",
        )
    # Every writer of the line counts holds the order's lock: what is read here stays true until commit.
    order_lines = {line.pk: line for line in PurchaseOrderLine.objects.filter(purchase_order=locked)}
    percent = over_receipt_percent(legal_entity_id=locked.legal_entity_id)
    checked: list[_Checked] = []
    seen: set[int] = set()
    for given in lines:
        line = order_lines.get(given.line)
        if line is None:
            raise ReceiptInvalid(
                _("%(number)s has no line with id %(line)s.") % {"number": locked.number, "line": given.line}
            )
        if given.line in seen:
            raise ReceiptInvalid(_("Line %(line_number)s is given twice.") % {"line_number": line.line_number})
        seen.add(given.line)
        if given.empty:
            continue
        checked.append(_line_check(given, line, order=locked, percent=percent))
    if not checked:
        raise ReceiptInvalid(
            _("Nothing to receive: enter what arrived on at least one line."), code=ReceivingErrorCode.NOTHING_RECEIVED
        )

    entity = locked.legal_entity
    number = document_number_next(legal_entity=entity, kind="goods_receipt")
    receipt = GoodsReceipt.objects.create(
        legal_entity=entity,
        number=f"GR-{entity.code}-{number:06d}",
        purchase_order=locked,
        received_by=by,
        note=note,
        shipment=shipment,
    )
    GoodsReceiptLine.objects.bulk_create(
        GoodsReceiptLine(
            receipt=receipt,
            po_line=item.line,
            quantity=item.given.quantity,
            rejected_quantity=item.given.rejected,
            rejection_reason=item.given.reason if item.given.rejected else "",
            rejection_note=item.given.reason_text.strip() if item.given.rejected else "",
            amount_minor=item.amount_minor,
        )
        for item in sorted(checked, key=lambda item: item.line.line_number)
    )
    progress = purchase_order_progress_record(
        order=locked,
        changes={
            item.line.pk: LineProgress(
                received_quantity=item.given.quantity,
                rejected_quantity=item.given.rejected,
                received_amount_minor=item.amount_minor,
            )
            for item in checked
        },
        by=by,
        comment=f"Goods receipt {receipt.number}",
    )
    receipt.purchase_order = progress.order  # with the status the receipt moved it to
    audit_event_record(
        event_type="receiving.goods_receipt.posted",
        actor=by.user,
        legal_entity=entity,
        obj=receipt,
        data={
            "order": locked.number,
            "number": receipt.number,
            "shipment": shipment.shipment_id if shipment else "",
            "lines": [
                {
                    "line": item.line.line_number,
                    "quantity": decimal_text(item.given.quantity),
                    "rejected": decimal_text(item.given.rejected),
                    "reason": item.given.reason if item.given.rejected else "",
                    "amount_minor": item.amount_minor,
                }
                for item in checked
            ],
        },
    )
    return receipt


@transaction.atomic
def goods_receipt_reverse(*, receipt: GoodsReceipt, reason: str, by: Employee) -> GoodsReceipt:
    """Reverse a posted receipt (it was wrong): its counts come off the order's lines, the order and its
    requisition move back (received → partly received → where the order was), and the move is logged with the
    reason. The receipt stays, marked reversed. Refused on a closed or cancelled order."""
    reason = reason.strip()
    if not reason:
        raise ReceiptInvalid(_("Say why the receipt is reversed."), field="reason")
    if len(reason) > REVERSAL_REASON_MAX:
        raise ReceiptInvalid(
            _("The reason is longer than %(reversal_reason_max)s characters.")
            % {"reversal_reason_max": REVERSAL_REASON_MAX},
            field="reason",
        )
    order = purchase_orders_qs_select_for_update().get(pk=receipt.purchase_order_id)
    locked = goods_receipts_qs_select_for_update().select_related("legal_entity").get(pk=receipt.pk)
    if not may_receive(employee=by, order=order):
        raise NotAllowedToReceive(_("You may not reverse receipts of %(number)s.") % {"number": order.number})
    if locked.status == GoodsReceipt.Status.REVERSED:
        raise GoodsReceiptTransitionNotAllowed(
            _("%(number)s is reversed already.") % {"number": locked.number}, code=ReceivingErrorCode.ALREADY_REVERSED
        )
    if order.status not in OPEN:
        status = PurchaseOrder.Status(order.status).label.lower()
        raise OrderNotReceivable(
            _("%(number)s is %(status)s: its receipts can no longer be reversed.")
            % {"number": order.number, "status": status}
        )
    receipt_lines = list(locked.lines.all())
    progress = purchase_order_progress_record(
        order=order,
        changes={
            line.po_line_id: LineProgress(
                received_quantity=-line.quantity,
                rejected_quantity=-line.rejected_quantity,
                received_amount_minor=-line.amount_minor,
            )
            for line in receipt_lines
        },
        by=by,
        comment=f"Goods receipt {locked.number} reversed: {reason}",
    )
    locked.purchase_order = progress.order
    locked.reversed_at = timezone.now()
    locked.reversed_by = by
    locked.reversal_reason = reason
    goods_receipt_status_move(
        receipt=locked,
        to_status=GoodsReceipt.Status.REVERSED,
        by=by,
        comment=reason,
        also=["reversed_at", "reversed_by", "reversal_reason"],
    )
    return locked
