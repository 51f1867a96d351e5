"""The API's shape of an invoice: money as {"amount", "currency"}, quantities as plain decimal strings."""

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from procurement.money import Money, decimal_text

from .models import Invoice, InvoiceLine
from .payment_terms import discount_text

MoneySchema = inline_serializer(
    "InvoiceMoney", {"amount": serializers.CharField(), "currency": serializers.CharField()}
)
InvoiceLineSchema = inline_serializer(
    "InvoiceLine",
    {
        "line_number": serializers.IntegerField(),
        "po_line": serializers.IntegerField(allow_null=True),
        "order": serializers.CharField(allow_null=True),
        "order_line_number": serializers.IntegerField(allow_null=True),
        "order_reference": serializers.CharField(),
        "link": serializers.CharField(),
        "description": serializers.CharField(),
        "supplier_part_id": serializers.CharField(),
        "quantity": serializers.CharField(),
        "unit": serializers.CharField(),
        "unit_price": MoneySchema,
        "price_basis_quantity": serializers.CharField(),
        "net": MoneySchema,
        "tax_category": serializers.CharField(),
        "tax_rate": serializers.CharField(allow_null=True),
        "tax": MoneySchema,
        "match": serializers.ChoiceField(choices=["", "ok", "exception"]),
        "reasons": serializers.ListField(child=serializers.CharField()),
        "variance": MoneySchema,
    },
)
InvoiceSchema = inline_serializer(
    "Invoice",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=Invoice.Kind.values),
        "number": serializers.CharField(),
        "supplier": serializers.CharField(),
        "supplier_name": serializers.CharField(),
        "legal_entity": serializers.CharField(),
        "status": serializers.ChoiceField(choices=Invoice.Status.values),
        "status_text": serializers.CharField(),
        "invoice_date": serializers.DateField(),
        "due_date": serializers.DateField(allow_null=True),
        "due_date_from_order": serializers.BooleanField(),
        "discount_percent": serializers.CharField(allow_null=True),
        "discount_until": serializers.DateField(allow_null=True),
        "discount": MoneySchema,
        "currency": serializers.CharField(),
        "net": MoneySchema,
        "tax": MoneySchema,
        "charges": MoneySchema,
        "total": MoneySchema,
        "match_mode": serializers.CharField(),
        "reasons": serializers.ListField(child=serializers.CharField()),
        "purchase_orders": serializers.ListField(child=serializers.IntegerField()),
        "purchase_order_numbers": serializers.ListField(child=serializers.CharField()),
        "corrects": serializers.IntegerField(allow_null=True),
        "corrects_number": serializers.CharField(allow_null=True),
        "attachments": serializers.ListField(child=serializers.DictField()),
        "possible_duplicate_of": serializers.IntegerField(allow_null=True),
        "source": serializers.CharField(),
        "paid_at": serializers.DateTimeField(allow_null=True),
        "payment_reference": serializers.CharField(),
        "lines": serializers.ListField(child=InvoiceLineSchema),
    },
)


def line_data(line: InvoiceLine, currency: str) -> dict[str, Any]:
    def money(minor: int) -> dict[str, str]:
        return Money.from_minor(minor, currency).as_api()

    po_line = line.po_line
    return {
        "line_number": line.line_number,
        "po_line": line.po_line_id,
        "order": po_line.purchase_order.number if po_line is not None else None,
        "order_line_number": po_line.line_number if po_line is not None else line.order_line_number,
        "order_reference": line.order_reference,
        "link": line.link_note,
        "description": line.description,
        "supplier_part_id": line.supplier_part_id,
        "quantity": decimal_text(line.quantity),
        "unit": line.unit,
        "unit_price": money(line.unit_price_minor),
        "price_basis_quantity": decimal_text(line.price_basis_quantity),
        "net": money(line.net_minor),
        "tax_category": line.tax_category,
        "tax_rate": None if line.tax_rate is None else decimal_text(line.tax_rate),
        "tax": money(line.tax_minor),
        "match": line.match,
        "reasons": list(line.reasons or []),
        "variance": money(line.variance_minor),
    }


def invoice_data(invoice: Invoice) -> dict[str, Any]:
    """One invoice as the API answers it (the invoice loaded with `invoices_for_list`)."""
    currency = invoice.currency
    return {
        "id": invoice.pk,
        "kind": invoice.kind,
        "number": invoice.number,
        "supplier": invoice.supplier.code,
        "supplier_name": invoice.supplier.name,
        "legal_entity": invoice.legal_entity.code,
        "status": invoice.status,
        "status_text": invoice.get_status_display(),
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "due_date_from_order": invoice.due_date_from_order,
        "discount_percent": discount_text(invoice) or None,
        "discount_until": invoice.discount_until.isoformat() if invoice.discount_until else None,
        "discount": invoice.discount.as_api(),
        "currency": currency,
        "net": invoice.net.as_api(),
        "tax": invoice.tax.as_api(),
        "charges": Money.from_minor(invoice.charges_minor, currency).as_api(),
        "total": invoice.total.as_api(),
        "match_mode": invoice.match_mode,
        "reasons": list(invoice.reasons or []),
        "purchase_orders": sorted(order.pk for order in invoice.purchase_orders.all()),
        "purchase_order_numbers": sorted(order.number for order in invoice.purchase_orders.all()),
        "corrects": invoice.corrects_id,
        "corrects_number": invoice.corrects.number if invoice.corrects_id and invoice.corrects else None,
        "possible_duplicate_of": invoice.possible_duplicate_of_id,
        "source": invoice.source,
        "paid_at": invoice.paid_at.isoformat() if invoice.paid_at else None,
        "payment_reference": invoice.payment_reference,
        "attachments": [
            {"id": attachment.pk, "filename": attachment.filename, "size": attachment.size}
            for attachment in invoice.attachments.all()
        ],
        "lines": [line_data(line, currency) for line in invoice.lines.all()],
    }
