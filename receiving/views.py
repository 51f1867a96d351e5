"""Receiving pages: the orders to receive, the receive page of one order (made for a phone at the loading dock),
and a receipt with its reversal. Posting and reversing go through `p2p.receipts`, which also re-matches the
order's invoices."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from orders.errors import OrderError
from orders.models import PurchaseOrder, PurchaseOrderLine
from p2p.receipts import goods_receipt_post, goods_receipt_reverse_post
from procurement.exports import list_export
from procurement.idempotency import once_per_form
from procurement.models import Employee
from procurement.money import Money, decimal_text
from procurement.web import acting_legal_entity, employee_required

from .errors import NotAllowedToReceive, OrderNotReceivable, ReceiptInvalid, ReceivingError
from .exports import RECEIPT_LINE_COLUMNS, receipt_lines_for_export
from .models import GoodsReceipt, GoodsReceiptLine
from .receipt_input import number_read, reason_read
from .selectors import (
    ShipmentPending,
    may_receive,
    purchase_order_for_receiving,
    purchase_orders_to_receive,
    receipt_get,
    receipts_visible,
    receivable_check,
    shipments_pending,
)
from .services import ReceiptLineInput

ZERO = Decimal(0)


def _forbidden(request: HttpRequest, error: ReceivingError) -> HttpResponse:
    return render(request, "receiving/forbidden.html", {"message": error.message}, status=error.status)


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """Orders of the acting entity that the employee may receive and that still expect something."""
    entity = acting_legal_entity(request)
    orders = list(purchase_orders_to_receive(employee=employee, legal_entity=entity)[:200])
    download = list_export(
        request,
        name="receipts",
        columns=RECEIPT_LINE_COLUMNS,
        rows=lambda: receipt_lines_for_export(receipts_visible(employee=employee).filter(legal_entity=entity)),
    )
    if download is not None:
        return download
    receipts = (
        receipts_visible(employee=employee)
        .filter(legal_entity=entity)
        .select_related("purchase_order__supplier", "received_by__user")
        .order_by("-received_at", "-id")[:20]
    )
    return render(request, "receiving/index.html", {"orders": orders, "receipts": receipts})


@dataclass
class LineCard:
    """One order line on the receive page: its counts and what the receiver typed (or the defaults)."""

    line: PurchaseOrderLine
    currency: str
    quantity: str = ""
    rejected: str = ""
    reason: str = ""
    reason_text: str = ""
    amount: str = ""
    shipped: Decimal = ZERO  # what the chosen ship notice announced and has not arrived yet
    error: str = ""
    error_field: str = ""

    @property
    def ordered(self) -> str:
        if self.line.receipt_by_amount:
            return str(Money.from_minor(self.line.total_minor, self.currency))
        return decimal_text(self.line.quantity)

    @property
    def received(self) -> str:
        if self.line.receipt_by_amount:
            return str(self.received_amount)
        return decimal_text(self.line.received_quantity)

    @property
    def rejected_so_far(self) -> str:
        return decimal_text(self.line.rejected_quantity)

    @property
    def shipped_text(self) -> str:
        return decimal_text(self.shipped)

    @property
    def outstanding(self) -> str:
        if self.line.receipt_by_amount:
            return str(self.outstanding_amount)
        return decimal_text(self.line.outstanding_quantity)

    @property
    def outstanding_amount(self) -> Money:
        return Money.from_minor(max(self.line.total_minor - self.line.received_amount_minor, 0), self.currency)

    @property
    def received_amount(self) -> Money:
        return Money.from_minor(self.line.received_amount_minor, self.currency)


@dataclass
class ReceivePage:
    order: PurchaseOrder
    cards: list[LineCard]
    pending: list[ShipmentPending]
    shipment: ShipmentPending | None
    note: str = ""
    errors: list[str] = field(default_factory=list)


def _page(order: PurchaseOrder, shipment_choice: str | None) -> ReceivePage:
    lines = [line for line in order.lines.order_by("line_number") if line.status != PurchaseOrderLine.Status.CANCELLED]
    pending = [item for item in shipments_pending(order=order, lines=lines) if item.pending]
    if shipment_choice is None:  # first visit: the oldest ship notice that has not all arrived
        chosen = pending[0] if pending else None
    else:
        chosen = next((item for item in pending if str(item.shipment.pk) == shipment_choice), None)
    cards = []
    for line in lines:
        shipped = chosen.pending.get(line.pk, ZERO) if chosen else ZERO
        cards.append(
            LineCard(
                line=line, currency=order.currency, shipped=shipped, quantity=decimal_text(shipped) if shipped else ""
            )
        )
    return ReceivePage(order=order, cards=cards, pending=pending, shipment=chosen)


def _render(request: HttpRequest, page: ReceivePage, status: int = 200) -> HttpResponse:
    receivable_error = ""
    try:
        receivable_check(page.order)
    except OrderNotReceivable as error:
        receivable_error = error.message
    return render(
        request,
        "receiving/receive.html",
        {
            "order": page.order,
            "cards": page.cards,
            "pending": page.pending,
            "shipment": page.shipment,
            "note": page.note,
            "errors": page.errors,
            "receivable_error": receivable_error,
            "reasons": GoodsReceiptLine.Reason.choices,
            "receipts": page.order.receipts.order_by("-received_at", "-id")[:10],
        },
        status=status,
    )


@once_per_form(gettext_lazy("Already posted: the receipt was not posted a second time."))
@employee_required
def receive(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """The receive page: one card per line (ordered, received, outstanding), the quantity that arrived, what was
    rejected and why, a note; "Receive all outstanding" fills every line with what is still expected."""
    try:
        order = purchase_order_for_receiving(employee=employee, pk=pk)
    except NotAllowedToReceive as error:
        return _forbidden(request, error)
    if request.method != "POST":
        return _render(request, _page(order, request.GET.get("shipment")))

    page = _page(order, request.POST.get("shipment", ""))
    page.note = request.POST.get("note", "")[:2000]
    for card in page.cards:
        pk_ = card.line.pk
        card.quantity = request.POST.get(f"quantity-{pk_}", "")[:40]
        card.rejected = request.POST.get(f"rejected-{pk_}", "")[:40]
        card.reason = request.POST.get(f"reason-{pk_}", "")[:20]
        card.reason_text = request.POST.get(f"reason_text-{pk_}", "")[:400]
        card.amount = request.POST.get(f"amount-{pk_}", "")[:40]
    if request.POST.get("fill") == "outstanding":
        for card in page.cards:
            if card.line.receipt_by_amount:
                card.amount = decimal_text(card.outstanding_amount.amount)
            else:
                card.quantity = decimal_text(card.line.outstanding_quantity)
        return _render(request, page)

    inputs = []
    for card in page.cards:
        label = _("Line %(number)s") % {"number": card.line.line_number}
        values = {}
        for name, what in (("quantity", _("quantity")), ("rejected", _("rejected quantity")), ("amount", _("amount"))):
            try:
                values[name] = number_read(getattr(card, name), label=label, what=what, field=name)
            except ReceiptInvalid as error:
                if not card.error:
                    card.error, card.error_field = error.message, name
                values[name] = ZERO
        reason, reason_text = reason_read(card.reason, card.reason_text)
        inputs.append(ReceiptLineInput(line=card.line.pk, reason=reason, reason_text=reason_text, **values))
    if any(card.error for card in page.cards):
        page.errors.append(_("Some lines could not be read: see below."))
        return _render(request, page, status=400)

    shipment = page.shipment.shipment if page.shipment else None
    try:
        receipt = goods_receipt_post(order=order, lines=inputs, note=page.note, by=employee, shipment=shipment)
    except ReceiptInvalid as error:
        _error_on_card(page, error)
        return _render(request, page, status=400)
    except (ReceivingError, OrderError) as error:
        page.errors.append(error.message)
        return _render(request, page, status=error.status)
    # Where the order stands now: the receipt may have let an invoice match and the order close.
    order.refresh_from_db(fields=["status"])
    messages.success(
        request,
        _("%(receipt)s posted: %(order)s is %(status)s.")
        % {"receipt": receipt.number, "order": order.number, "status": order.get_status_display().lower()},
    )
    return redirect("receiving:detail", pk=receipt.pk)


def _error_on_card(page: ReceivePage, error: ReceiptInvalid) -> None:
    """Show a refusal on the line's card when it names a field of a line ("quantity-12"), else at the top."""
    name, _sep, line_id = error.field.rpartition("-")
    for card in page.cards:
        if name and str(card.line.pk) == line_id:
            card.error, card.error_field = error.message, name
            page.errors.append(
                _("Line %(number)s could not be received: see below.") % {"number": card.line.line_number}
            )
            return
    page.errors.append(error.message)


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    receipt = receipt_get(employee=employee, pk=pk)
    return _detail(request, employee, receipt)


def _detail(
    request: HttpRequest,
    employee: Employee,
    receipt: GoodsReceipt,
    *,
    error: str = "",
    reason: str = "",
    status: int = 200,
) -> HttpResponse:
    order = receipt.purchase_order
    reversible = (
        receipt.status == GoodsReceipt.Status.POSTED
        and order.status not in {PurchaseOrder.Status.CLOSED, PurchaseOrder.Status.CANCELLED}
        and may_receive(employee=employee, order=order)
    )
    lines = [
        {
            "po_line": line.po_line,
            "accepted": str(Money.from_minor(line.amount_minor, order.currency))
            if line.po_line.receipt_by_amount
            else decimal_text(line.quantity),
            "rejected": "—" if line.po_line.receipt_by_amount else decimal_text(line.rejected_quantity),
            "why": line.rejection_text,
        }
        for line in receipt.lines.all()
    ]
    return render(
        request,
        "receiving/detail.html",
        {
            "receipt": receipt,
            "order": order,
            "lines": lines,
            "reversible": reversible,
            "error": error,
            "reason": reason,
        },
        status=status,
    )


@require_POST
@once_per_form(gettext_lazy("Already reversed."))
@employee_required
def reverse(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """Reverse a receipt: the reason is required; the order's counts and status move back."""
    receipt = receipt_get(employee=employee, pk=pk)
    reason = request.POST.get("reason", "")[:600]
    try:
        goods_receipt_reverse_post(receipt=receipt, reason=reason, by=employee)
    except (ReceivingError, OrderError) as error:
        receipt = receipt_get(employee=employee, pk=pk)
        return _detail(request, employee, receipt, error=error.message, reason=reason, status=error.status)
    messages.success(request, _("%(receipt)s is reversed.") % {"receipt": receipt.number})
    return redirect("receiving:detail", pk=receipt.pk)
