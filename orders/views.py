"""Purchase order pages: the list, one order with everything that happened to it, its PDF, and buyer actions;
and the endpoint where suppliers send confirmations and ship notices."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from p2p.close_out import purchase_order_buyer_close
from p2p.submit_to_order import purchase_order_change
from procurement.exports import list_export
from procurement.machine_endpoints import cxml_endpoint
from procurement.models import Employee
from procurement.money import Money
from procurement.taxes import REVERSE_CHARGE_NOTE
from procurement.web import acting_legal_entity, employee_required
from punchout import cxml
from punchout.request_bodies import BodyTooLarge, BodyUnreadable, request_body_read

from .buyers import is_buyer
from .error_codes import OrderErrorCode
from .errors import OrderError
from .exports import ORDER_COLUMNS
from .models import PurchaseOrder, Transmission
from .order_changes import LineChange, purchase_order_cancel
from .order_contracts import payment_terms_text
from .order_documents import order_pdf
from .selectors import order_tax_breakdown, purchase_orders_visible
from .services import purchase_order_issue
from .supplier_answers import supplier_document_receive
from .transitions import OPEN
from .transmission import transmission_mark_sent, transmission_resend

MAX_INBOUND_BYTES = 10 * 1024 * 1024
CXML_TYPE = "text/xml; charset=utf-8"


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    entity = acting_legal_entity(request)
    orders = (
        purchase_orders_visible(employee=employee)
        .filter(legal_entity=entity)
        .select_related("supplier", "requisition")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status", "")
    if status:
        orders = orders.filter(status=status)
    download = list_export(request, name="purchase-orders", columns=ORDER_COLUMNS, rows=lambda: orders)
    if download is not None:
        return download
    return render(
        request,
        "orders/index.html",
        {"orders": orders[:500], "statuses": PurchaseOrder.Status.choices, "status": status},
    )


def _order(employee: Employee, pk: int) -> PurchaseOrder:
    return get_object_or_404(
        purchase_orders_visible(employee=employee).select_related(
            "supplier", "requisition__requester__user", "legal_entity", "ship_to", "bill_to", "contract"
        ),
        pk=pk,
    )


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    order = _order(employee, pk)
    lines = list(order.lines.select_related("cost_centre").order_by("line_number"))
    transmissions = list(order.transmissions.select_related("revision", "sent_by").order_by("revision__revision"))
    latest = transmissions[-1] if transmissions else None
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "lines": lines,
            "short_lines": [line for line in lines if line.shortfall_quantity],
            "over_lines": [line for line in lines if line.over_confirmed_quantity],
            "tax_rows": [
                {
                    "label": row.label,
                    "rate": row.rate,
                    "tax": Money.from_minor(row.tax_minor, order.currency),
                    "taxable": Money.from_minor(row.taxable_minor, order.currency),
                }
                for row in order_tax_breakdown(lines)
            ],
            "reverse_charge": any(row.reverse_charge for row in order_tax_breakdown(lines)),
            "reverse_charge_note": REVERSE_CHARGE_NOTE,
            "payment_terms": payment_terms_text(order),
            "revisions": order.revisions.select_related("transmission__sent_by").prefetch_related(
                "transmission__attempt_log"
            ),
            "manual_pending": latest is not None and latest.status == Transmission.Status.MANUAL,
            "sent_by_hand": [t for t in transmissions if t.sent_by_id is not None],
            "documents": order.supplier_documents.order_by("received_at"),
            "shipments": order.shipments.all(),
            "status_history": order.events.select_related("by__user").order_by("created_at", "id"),
            "buyer": is_buyer(employee, order.legal_entity_id),
            "may_close": order.status in OPEN,
        },
    )


@employee_required
def pdf(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    order = _order(employee, pk)
    response = HttpResponse(order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
    return response


# Actions that ask first: the order page links to a confirmation page (no script needed: the CSP forbids
# inline scripts, and a page works without any), whose form posts the action with confirm=yes.
CONFIRMED_ACTIONS = {
    "resend": (
        gettext_lazy("Resend {number}?"),
        gettext_lazy(
            "The latest revision goes to {supplier} again, as the same document with the same payloadID "
            "(a supplier that keeps payloadIDs does not create a second order)."
        ),
        gettext_lazy("Yes, resend"),
    ),
    "mark_sent": (
        gettext_lazy("Mark {number} as sent?"),
        gettext_lazy(
            "{supplier} takes no electronic orders: confirm that you sent revision {revision} yourself (e-mail, "
            "portal, phone). Your name and the time are recorded."
        ),
        gettext_lazy("Yes, I sent it"),
    ),
    "close": (
        gettext_lazy("Close {number}?"),
        gettext_lazy(
            "Nothing more will be received or invoiced on it. What it still holds on budgets is released, and the "
            "requisition closes once all its orders are closed."
        ),
        gettext_lazy("Yes, close the order"),
    ),
}


@employee_required
def confirm(request: HttpRequest, employee: Employee, pk: int, name: str) -> HttpResponse:
    order = _order(employee, pk)
    if name not in CONFIRMED_ACTIONS:
        raise Http404(_("No such action."))
    title, text, button = CONFIRMED_ACTIONS[name]
    facts = {"number": order.number, "supplier": order.supplier.name, "revision": order.revision}
    return render(
        request,
        "orders/confirm.html",
        {
            "order": order,
            "name": name,
            "title": title.format(**facts),
            "text": text.format(**facts),
            "button": button,
            "buyer": is_buyer(employee, order.legal_entity_id),
        },
    )


@require_POST
@employee_required
def action(request: HttpRequest, employee: Employee, pk: int, name: str) -> HttpResponse:
    order = _order(employee, pk)
    if name in CONFIRMED_ACTIONS and request.POST.get("confirm") != "yes":
        return redirect("orders:confirm", pk=order.pk, name=name)  # asked first, then done
    try:
        if name == "mark_sent":
            sent = transmission_mark_sent(order=order, by=employee, note=request.POST.get("note", ""))
            messages.success(
                request,
                _("%(number)s revision %(revision)s is marked as sent by %(display_name)s.")
                % {"number": order.number, "revision": sent.revision.revision, "display_name": employee.display_name},
            )
        elif name == "issue":
            purchase_order_issue(order=order, by=employee)
            messages.success(
                request,
                _("%(number)s is issued and on its way to %(name)s.")
                % {"number": order.number, "name": order.supplier.name},
            )
        elif name == "resend":
            transmission_resend(order=order, by=employee)
            messages.success(
                request, _("%(number)s is being sent again (same document, same payloadID).") % {"number": order.number}
            )
        elif name == "cancel":
            purchase_order_cancel(order=order, by=employee, note=request.POST.get("note", ""))
            messages.success(request, _("%(number)s is cancelled; the supplier is told.") % {"number": order.number})
        elif name == "close":
            purchase_order_buyer_close(order=order, by=employee, comment=request.POST.get("comment", ""))
            messages.success(
                request,
                _("%(number)s is closed; what it still held on budgets is released.") % {"number": order.number},
            )
        elif name == "change":
            changes = _changes(request, order)
            revision = order.revision
            changed = purchase_order_change(
                order=order, by=employee, changes=changes, note=request.POST.get("note", "")
            )
            pending = changed.changes.filter(status="pending").order_by("-created_at").first()
            if changed.revision > revision:
                messages.success(
                    request,
                    _("%(number)s revision sent to %(name)s.") % {"number": order.number, "name": order.supplier.name},
                )
            if pending is not None:
                messages.info(
                    request,
                    _(
                        "The higher quantities wait for approval in %(number)s; the supplier hears of them once "
                        "approved."
                    )
                    % {"number": pending.requisition.number},
                )
        else:
            raise OrderError(_("Unknown action %(name)s.") % {"name": name})
    except OrderError as error:
        messages.error(request, error.message)
    return redirect("orders:detail", pk=order.pk)


def _changes(request: HttpRequest, order: PurchaseOrder) -> list[LineChange]:
    changes = []
    for line in order.lines.all():
        raw_quantity = request.POST.get(f"quantity-{line.line_number}", "").strip()
        raw_date = request.POST.get(f"needed_by-{line.line_number}", "").strip()
        quantity = None
        if raw_quantity:
            try:
                quantity = Decimal(raw_quantity.replace(",", "."))
            except InvalidOperation:
                raise OrderError(
                    _("Line %(line_number)s: %(raw_quantity)s is not a quantity.")
                    % {"line_number": line.line_number, "raw_quantity": repr(raw_quantity)},
                    code=OrderErrorCode.INVALID,
                ) from None
        needed_by: date | None = None
        if raw_date:
            try:
                needed_by = date.fromisoformat(raw_date)
            except ValueError:
                raise OrderError(
                    _("Line %(line_number)s: %(raw_date)s is not a date (YYYY-MM-DD).")
                    % {"line_number": line.line_number, "raw_date": repr(raw_date[:40])},
                    code=OrderErrorCode.INVALID,
                ) from None
        if (quantity is not None and quantity != line.quantity) or (needed_by and needed_by != line.needed_by):
            changes.append(LineChange(line.line_number, quantity=quantity, needed_by=needed_by))
    return changes


@csrf_exempt  # a machine endpoint: the supplier is authenticated by its cXML credentials
@cxml_endpoint  # an unexpected error is answered as a cXML Status 500, never an HTML page
def cxml_inbound(request: HttpRequest) -> HttpResponse:
    """Suppliers post ConfirmationRequest and ShipNoticeRequest; the answer is always a cXML Response."""
    if request.method != "POST":
        wrong = cxml.InvalidDocument("Post a cXML ConfirmationRequest or ShipNoticeRequest.")
        return HttpResponse(cxml.error_response(wrong), content_type=CXML_TYPE, status=405)
    try:
        body = request_body_read(request, max_bytes=MAX_INBOUND_BYTES)
    except BodyTooLarge as too_large:
        error: cxml.CXMLError = cxml.DocumentTooLarge(too_large.message)
        return HttpResponse(cxml.error_response(error), content_type=CXML_TYPE, status=error.status_code)
    except BodyUnreadable as unreadable:
        error = cxml.CXMLError(400, unreadable.message)
        return HttpResponse(cxml.error_response(error), content_type=CXML_TYPE, status=error.status_code)
    answer = supplier_document_receive(data=body)
    response = HttpResponse(answer.body, content_type=CXML_TYPE, status=answer.status)
    if answer.retry_after:
        response["Retry-After"] = str(answer.retry_after)
    return response
