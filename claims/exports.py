"""Claims as a download (CSV for machines, XLSX for people), and the one function of the list's filters, shared by
the page, the API and their downloads."""

from collections.abc import Mapping
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.exports import Cell, Column
from procurement.models import Employee
from procurement.money import currency_digits, from_minor

from .models import Claim
from .selectors import claims_visible


def _credit(claim: Claim) -> Cell:
    return None if claim.credit_minor is None else from_minor(claim.credit_minor, claim.currency)


CLAIM_COLUMNS: list[Column[Claim]] = [
    Column("id", _("Claim id"), lambda c: c.pk),
    Column("number", _("Claim"), lambda c: c.number),
    Column("status", _("Status"), lambda c: c.status),
    Column("kind", _("Kind"), lambda c: c.kind),
    Column("raised_at", _("Raised"), lambda c: c.raised_at),
    Column("raised_by", _("Raised by"), lambda c: c.raised_by.display_name if c.raised_by else None),
    Column("legal_entity", _("Legal entity"), lambda c: c.legal_entity.code),
    Column("supplier", _("Supplier"), lambda c: c.supplier.code),
    Column("purchase_order_number", _("Order"), lambda c: c.purchase_order.number),
    Column("receipt_number", _("Receipt"), lambda c: c.receipt.number),
    Column("line_number", _("Order line"), lambda c: c.receipt_line.po_line.line_number),
    Column("description", _("Description"), lambda c: c.receipt_line.po_line.description),
    Column("quantity", _("Quantity"), lambda c: c.quantity.normalize()),
    Column("currency", _("Currency"), lambda c: c.currency),
    Column(
        "value",
        _("Claimed value"),
        lambda c: from_minor(c.value_minor, c.currency),
        money=True,
        digits=lambda c: currency_digits(c.currency),
    ),
    Column("answer", _("Answer"), lambda c: c.answer),
    Column("replacement_date", _("Replacement by"), lambda c: c.replacement_date),
    Column("credit", _("Credit"), _credit, money=True, digits=lambda c: currency_digits(c.currency)),
    Column("credit_note", _("Credit note"), lambda c: c.credit_note.number if c.credit_note else None),
    Column("rejection_reason", _("Why rejected"), lambda c: c.rejection_reason),
    Column("comment", _("Comment"), lambda c: c.comment),
]


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) <= 10 else None
    except ValueError:
        return None


def claims_filtered(*, employee: Employee, params: Mapping[str, str]) -> QuerySet[Claim]:
    """The claims a list selects: `status`, `kind`, `supplier` (code), `purchase_order` (id), `legal_entity` (code),
    `raised_from` / `raised_to` (ISO days, inclusive). Values that are not one of the choices select nothing."""
    claims = claims_visible(employee=employee)
    if params.get("status"):
        claims = claims.filter(status=params["status"][:20])
    if params.get("kind"):
        claims = claims.filter(kind=params["kind"][:20])
    if params.get("supplier"):
        claims = claims.filter(supplier__code__iexact=params["supplier"][:40])
    if params.get("purchase_order"):
        value = params["purchase_order"]
        claims = claims.filter(purchase_order_id=int(value)) if value.isdigit() and len(value) < 19 else claims.none()
    if params.get("legal_entity"):
        claims = claims.filter(legal_entity__code__iexact=params["legal_entity"][:40])
    start, end = _day(params.get("raised_from", "")), _day(params.get("raised_to", ""))
    if start is not None:
        claims = claims.filter(raised_at__date__gte=start)
    if end is not None:
        claims = claims.filter(raised_at__date__lte=end)
    return claims.select_related(
        "legal_entity",
        "supplier",
        "purchase_order",
        "receipt",
        "receipt_line__po_line",
        "raised_by__user",
        "credit_note",
    ).order_by("-raised_at", "-id")
