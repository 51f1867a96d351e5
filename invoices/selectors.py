"""Reads of invoices: who sees which, the buyers' queue of invoices on hold, one invoice with its match."""

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Prefetch, Q, QuerySet

from orders.selectors import purchase_orders_visible
from procurement.models import AuditEvent, Employee, Role
from procurement.money import Money, decimal_text

from .matching import per_unit, percent_text, unit_price_text
from .models import Invoice, InvoiceAttachment, InvoiceLine


def invoices_visible(*, employee: Employee) -> QuerySet[Invoice]:
    """Buyers, finance and admins see every invoice of their legal entities; others those of the orders they
    may see (their requisitions'). Nobody sees another entity's invoices."""
    entities = employee.legal_entities.filter(is_active=True).values("pk")
    invoices = Invoice.objects.filter(legal_entity__in=entities)
    if employee.user.is_superuser or employee.roles.filter(code__in=[Role.BUYER, Role.FINANCE, Role.ADMIN]).exists():
        return invoices
    orders = purchase_orders_visible(employee=employee).values("pk")
    return invoices.filter(Q(purchase_orders__in=orders) | Q(lines__po_line__purchase_order__in=orders)).distinct()


def invoices_of_order(*, order_id: int) -> QuerySet[Invoice, int]:
    """The ids of the invoices that bill an order: named in their header, or on a line."""
    return (
        Invoice.objects.filter(Q(purchase_orders=order_id) | Q(lines__po_line__purchase_order=order_id))
        .values_list("pk", flat=True)
        .distinct()
    )


def invoice_lines_prefetch() -> Prefetch:
    return Prefetch(
        "lines",
        InvoiceLine.objects.select_related("po_line__purchase_order").order_by("line_number"),
    )


def invoices_for_list(*, invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """With what a list shows (supplier, the invoice it corrects, lines with their order lines, orders, files
    without their content): five queries for a page."""
    return invoices.select_related("supplier", "legal_entity", "corrects").prefetch_related(
        invoice_lines_prefetch(),
        "purchase_orders",
        Prefetch("attachments", queryset=InvoiceAttachment.objects.defer("content")),
    )


def invoices_sorted(*, invoices: QuerySet[Invoice], sort: str) -> QuerySet[Invoice]:
    """Newest first; `sort="due"`: the soonest due first (those without a due date last)."""
    if sort == "due":
        return invoices.order_by(F("due_date").asc(nulls_last=True), "id")
    return invoices.order_by("-received_at", "-id")


def invoices_due_by(*, invoices: QuerySet[Invoice], day: date) -> QuerySet[Invoice]:
    """The invoices due on or before `day`."""
    return invoices.filter(due_date__lte=day)


def invoices_on_hold(*, employee: Employee, legal_entity_id: int) -> QuerySet[Invoice]:
    """The buyers' queue: invoices of the entity on hold with their reasons, oldest first (they wait longest)."""
    return invoices_for_list(
        invoices=invoices_visible(employee=employee).filter(
            legal_entity_id=legal_entity_id, status=Invoice.Status.EXCEPTION
        )
    ).order_by("received_at", "id")


def invoice_history(*, invoice: Invoice) -> QuerySet[AuditEvent]:
    """What happened to the invoice: its status moves and requests, oldest first."""
    return (
        AuditEvent.objects.filter(object_type=Invoice._meta.label, object_id=str(invoice.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class MatchRow:
    """One invoice line beside its order line, as the invoice page shows it."""

    line: InvoiceLine
    quantity: str
    order: str
    order_line: str
    ordered: str
    received: str
    invoiced: str
    price_ordered: str
    price_invoiced: str
    tax_expected: str
    tax_invoiced: str
    net: Money
    variance: Money


def invoice_match_rows(*, invoice: Invoice, lines: list[InvoiceLine]) -> list[MatchRow]:
    """The match line by line for the page: quantities (or amounts, for services), prices, VAT expected and
    invoiced. Reads nothing more than the lines loaded with their order lines."""
    currency = invoice.currency
    rows = []
    for line in lines:
        po_line = line.po_line
        invoiced_price = unit_price_text(per_unit(line.unit_price_minor, line.price_basis_quantity, currency), currency)
        tax_invoiced = "—" if line.tax_rate is None else f"{percent_text(line.tax_rate)} %"
        if po_line is None:
            rows.append(
                MatchRow(
                    line,
                    decimal_text(line.quantity),
                    line.order_reference or "—",
                    str(line.order_line_number or "—"),
                    "—",
                    "—",
                    "—",
                    "—",
                    invoiced_price,
                    "—",
                    tax_invoiced,
                    line.net,
                    Money.from_minor(line.variance_minor, currency),
                )
            )
            continue
        order = po_line.purchase_order
        if po_line.receipt_by_amount:
            ordered = str(Money.from_minor(po_line.total_minor, order.currency))
            received = str(Money.from_minor(po_line.received_amount_minor, order.currency))
            invoiced = str(Money.from_minor(po_line.invoiced_amount_minor, order.currency))
        else:
            ordered, received, invoiced = (
                decimal_text(po_line.quantity),
                decimal_text(po_line.received_quantity),
                decimal_text(po_line.invoiced_quantity),
            )
        expected_rate = getattr(po_line, "tax_rate", None)
        rows.append(
            MatchRow(
                line=line,
                quantity=decimal_text(line.quantity),
                order=order.number,
                order_line=str(po_line.line_number),
                ordered=ordered,
                received=received,
                invoiced=invoiced,
                price_ordered=unit_price_text(
                    per_unit(po_line.unit_price_minor, po_line.price_basis_quantity, order.currency), order.currency
                ),
                price_invoiced=invoiced_price,
                tax_expected="—" if expected_rate is None else f"{percent_text(expected_rate)} %",
                tax_invoiced=tax_invoiced,
                net=line.net,
                variance=Money.from_minor(line.variance_minor, currency),
            )
        )
    return rows
