"""Invoice pages: the list (by status, supplier, order), the buyers' queue of invoices on hold with their reasons,
one invoice with its match line by line, and its attachments (only for the people of its legal entity)."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from orders.buyers import is_buyer
from procurement.exports import list_export
from procurement.models import Employee, Supplier
from procurement.web import acting_legal_entity, employee_required

from .exports import INVOICE_COLUMNS, invoices_for_export
from .models import Invoice, InvoiceAttachment
from .selectors import (
    invoice_history,
    invoice_match_rows,
    invoices_due_by,
    invoices_for_list,
    invoices_of_order,
    invoices_on_hold,
    invoices_sorted,
    invoices_visible,
)

PAGE_SIZE = 500


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    entity = acting_legal_entity(request)
    invoices = invoices_visible(employee=employee).filter(legal_entity=entity)
    status = request.GET.get("status", "")
    supplier = request.GET.get("supplier", "")
    order = request.GET.get("order", "")
    if status:
        invoices = invoices.filter(status=status)
    if supplier:
        invoices = invoices.filter(supplier__code__iexact=supplier)
    if order.isdigit():
        invoices = invoices.filter(pk__in=invoices_of_order(order_id=int(order)))
    sort = "due" if request.GET.get("sort") == "due" else ""
    due_by = request.GET.get("due_by", "").strip()[:10]
    due_by_error = ""
    if due_by:
        try:
            invoices = invoices_due_by(invoices=invoices, day=date.fromisoformat(due_by))
        except ValueError:
            due_by_error = _("Give the date as YYYY-MM-DD, e.g. 2026-12-31.")
    download = (
        None
        if due_by_error
        else list_export(
            request,
            name="invoices",
            columns=INVOICE_COLUMNS,
            rows=lambda: invoices_sorted(invoices=invoices_for_export(invoices), sort=sort),
        )
    )
    if download is not None:
        return download
    page = invoices_sorted(invoices=invoices_for_list(invoices=invoices), sort=sort)[:PAGE_SIZE]
    return render(
        request,
        "invoices/index.html",
        {
            "invoices": page,
            "statuses": Invoice.Status.choices,
            "status": status,
            "supplier": supplier,
            "order": order if order.isdigit() else "",
            "sort": sort,
            "due_by": due_by,
            "due_by_error": due_by_error,
            "suppliers": Supplier.objects.filter(invoices__legal_entity=entity).distinct().order_by("name"),
        },
    )


@employee_required
def on_hold(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Invoices on hold, with why: what a buyer clears (or sends on to the approval that decides)."""
    entity = acting_legal_entity(request)
    return render(
        request,
        "invoices/on_hold.html",
        {
            "invoices": invoices_on_hold(employee=employee, legal_entity_id=entity.pk),
            "buyer": is_buyer(employee, entity.pk),
        },
    )


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    invoice = get_object_or_404(
        invoices_for_list(invoices=invoices_visible(employee=employee)).select_related(
            "corrects", "possible_duplicate_of"
        ),
        pk=pk,
    )
    lines = list(invoice.lines.all())
    for line in lines:
        line.invoice = invoice  # the lines' money is in the invoice's currency: no query per line
    return render(
        request,
        "invoices/detail.html",
        {
            "invoice": invoice,
            "rows": invoice_match_rows(invoice=invoice, lines=lines),
            "attachments": invoice.attachments.only("id", "filename", "content_type", "size", "uploaded_at"),
            "history": invoice_history(invoice=invoice),
            "credit_notes": invoice.credit_notes.all(),
        },
    )


@employee_required
def attachment(request: HttpRequest, employee: Employee, pk: int, attachment_id: int) -> HttpResponse:
    """A file that came with the invoice, as it came; only for people who may see the invoice."""
    invoice = get_object_or_404(invoices_visible(employee=employee), pk=pk)
    document = get_object_or_404(InvoiceAttachment, pk=attachment_id, invoice=invoice)
    response = HttpResponse(bytes(document.content), content_type=document.content_type or "application/octet-stream")
    safe_name = "".join(c for c in document.filename if c.isalnum() or c in "._- ") or _("attachment")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
