"""A cXML InvoiceDetailRequest (read by `punchout.cxml`) as a `SupplierInvoiceDocument`. No Django here.

- The invoice's currency is the summary's; every amount must be in it.
- A credit memo (purpose creditMemo or lineLevelCreditMemo) carries negative numbers in cXML; the document
  holds them positive, as a UBL credit note does (suppliers that send positive numbers mean the same).
- Each InvoiceDetailOrder names the order its lines bill (orderID, else our OrderRequest's payloadID); a
  block that names only a contract or the supplier's own order is unbacked, and its lines say why.
- A header invoice (InvoiceDetailHeaderOrder) becomes one line per order, for the order's whole amount.
- Shipping and special handling are document charges, the summary discount an allowance; the tax
  breakdown is the summary's TaxDetails, else the lines' (tax at line).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from babel.numbers import get_currency_precision

from punchout.cxml import InvoiceDetailRequest, InvoiceTax, Money

from .arithmetic import plain, with_arithmetic_notes
from .document import (
    AllowanceCharge,
    InvoiceFormatError,
    Party,
    SupplierInvoiceDocument,
    SupplierInvoiceLine,
    TaxBreakdown,
    Totals,
)
from .values import check_currency

__all__ = ["TAX_ID_DOMAINS", "document_from_cxml"]

# IdReference domains suppliers use for their VAT or tax number.
TAX_ID_DOMAINS = ("vatID", "taxNumber", "supplierTaxID", "gstID", "taxID", "buyerTaxID")

_ZERO = Decimal(0)


class _Amounts:
    """Reads Money in the invoice's currency, turned positive for a credit memo."""

    def __init__(self, currency: str, sign: int) -> None:
        self.currency = currency
        self.sign = sign

    def of(self, money: Money | None, what: str) -> Decimal | None:
        if money is None:
            return None
        if money.currency != self.currency:
            raise InvoiceFormatError(
                f"{what} is in {money.currency[:20]}, but the invoice is in {self.currency}", field=what
            )
        return money.amount * self.sign

    def tax(self, tax: InvoiceTax | None, what: str) -> Decimal | None:
        if tax is None:
            return None
        total = self.of(tax.total, f"the Tax of {what}")
        if total is not None:
            return total
        amounts = [self.of(d.tax_amount, f"the TaxAmount of {what}") for d in tax.details]
        known = [value for value in amounts if value is not None]
        return sum(known, _ZERO) if known else None


def _currency(invoice: InvoiceDetailRequest) -> str:
    for money in (invoice.summary.subtotal, invoice.summary.net, invoice.summary.due):
        if money is not None:
            return check_currency(money.currency, "the currency of the InvoiceDetailSummary")
    for line in invoice.lines:
        for money in (line.subtotal, line.unit_price):
            if money is not None:
                return check_currency(money.currency, f"the currency of InvoiceDetailItem {line.invoice_line_number}")
    raise InvoiceFormatError("the invoice states no amount with a currency", field="InvoiceDetailSummary")


def _sign(invoice: InvoiceDetailRequest) -> int:
    if not invoice.credit:
        return 1
    stated = [invoice.summary.subtotal, invoice.summary.net, *(line.subtotal for line in invoice.lines)]
    return -1 if any(money is not None and money.amount < 0 for money in stated) else 1


def _party(invoice: InvoiceDetailRequest, roles: tuple[str, ...], identities: tuple[str, ...]) -> Party | None:
    partner = next((p for role in roles if (p := invoice.partner(role)) is not None), None)
    if partner is None and not identities:
        return None
    vat_id = None
    if partner is not None:
        vat_id = next((partner.identifiers[d] for d in TAX_ID_DOMAINS if partner.identifiers.get(d)), None)
    return Party(
        name="" if partner is None else partner.name,
        vat_id=None if vat_id is None else vat_id.replace(" ", "").upper(),
        country=None if partner is None else (partner.country_code or None),
        identifiers=identities,
    )


def _lines(invoice: InvoiceDetailRequest, amounts: _Amounts) -> list[SupplierInvoiceLine]:
    lines = []
    for order in invoice.orders:
        reference = order.reference
        unbacked = ""
        if not reference.backed:
            if reference.agreement_id or reference.agreement_payload_id:
                agreement = reference.agreement_id or reference.agreement_payload_id
                unbacked = f"billed against contract {agreement}, not against an order"
            elif reference.supplier_order_id:
                unbacked = f"billed against the supplier's order {reference.supplier_order_id}, not against ours"
            else:
                unbacked = "the invoice names no order for this line"
        for line in order.lines:
            what = f"InvoiceDetailItem {line.invoice_line_number}"
            price = amounts.of(line.unit_price, f"the UnitPrice of {what}")
            basis = line.price_basis_quantity
            base = Decimal(1) if basis is None else basis.quantity / basis.conversion_factor
            subtotal = amounts.of(line.subtotal, f"the SubtotalAmount of {what}")
            quantity = line.quantity
            if quantity is None:  # a service billed by amount
                quantity, price = Decimal(1), (price if price is not None else subtotal)
            quantity = quantity * amounts.sign
            if price is not None and amounts.sign < 0:
                price = abs(price)  # a price is what one unit costs: positive in a credit memo too
            net = subtotal if subtotal is not None else quantity * (price or _ZERO) / base
            detail = line.tax.details[0] if line.tax is not None and line.tax.details else None
            lines.append(
                SupplierInvoiceLine(
                    line_id=str(line.invoice_line_number),
                    quantity=quantity,
                    unit_code=line.unit_of_measure,
                    net_amount=net,
                    net_price=price,
                    price_base_quantity=base,
                    description=line.description[:500],
                    seller_item_id=line.supplier_part_id,
                    order_reference=reference.label or None,
                    order_line_reference=None
                    if line.line_number is None or not reference.backed
                    else str(line.line_number),
                    tax_category=None if detail is None else detail.category,
                    tax_rate=None if detail is None else detail.rate,
                    tax_amount=amounts.tax(line.tax, what),
                    unbacked_reason=unbacked,
                )
            )
    for header_order in invoice.header_orders:
        what = f"InvoiceDetailHeaderOrder {header_order.invoice_line_number}"
        subtotal = amounts.of(header_order.subtotal, f"the SubtotalAmount of {what}") or _ZERO
        detail = header_order.tax.details[0] if header_order.tax is not None and header_order.tax.details else None
        label = header_order.reference.label
        lines.append(
            SupplierInvoiceLine(
                line_id=str(header_order.invoice_line_number),
                quantity=Decimal(1),
                unit_code="",
                net_amount=subtotal,
                net_price=subtotal,
                description=f"order {label}, as a whole" if label else "the whole invoice",
                order_reference=label or None,
                tax_category=None if detail is None else detail.category,
                tax_rate=None if detail is None else detail.rate,
                tax_amount=amounts.tax(header_order.tax, what),
                unbacked_reason="" if header_order.reference.backed else "the invoice names no order",
            )
        )
    return lines


def _tax_breakdown(
    invoice: InvoiceDetailRequest, amounts: _Amounts, lines: list[SupplierInvoiceLine]
) -> tuple[TaxBreakdown, ...]:
    summary_tax = invoice.summary.tax
    rows: dict[tuple[str, Decimal | None], list[Decimal]] = defaultdict(lambda: [_ZERO, _ZERO])
    if summary_tax is not None and summary_tax.details:
        for number, detail in enumerate(summary_tax.details, 1):
            what = f"TaxDetail {number} of the InvoiceDetailSummary"
            row = rows[(detail.category, detail.rate)]
            row[0] += amounts.of(detail.taxable_amount, f"the TaxableAmount of {what}") or _ZERO
            row[1] += amounts.of(detail.tax_amount, f"the TaxAmount of {what}") or _ZERO
    else:
        for line in lines:
            if line.tax_category is None and line.tax_amount is None:
                continue
            row = rows[(line.tax_category or "", line.tax_rate)]
            row[0] += line.net_amount
            row[1] += line.tax_amount or _ZERO
    return tuple(
        TaxBreakdown(category=category, rate=rate, taxable_amount=taxable, tax_amount=tax)
        for (category, rate), (taxable, tax) in rows.items()
    )


def document_from_cxml(invoice: InvoiceDetailRequest) -> SupplierInvoiceDocument:
    """The neutral document of a parsed InvoiceDetailRequest; an `InvoiceFormatError` naming the cXML field
    for an unreadable invoiceDate, a currency that is not ISO 4217 or an amount in another currency."""
    if invoice.invoice_date is None:
        raise InvoiceFormatError(
            f"the invoiceDate {invoice.invoice_date_text[:40]!r} of the InvoiceDetailRequestHeader is not a date",
            field="invoiceDate",
        )
    issue_date = invoice.invoice_date.date()  # the day in the supplier's own offset, as printed
    currency = _currency(invoice)
    amounts = _Amounts(currency, _sign(invoice))
    lines = _lines(invoice, amounts)
    summary = invoice.summary
    shipping = amounts.of(summary.shipping, "the ShippingAmount of the InvoiceDetailSummary") or _ZERO
    handling = amounts.of(summary.special_handling, "the SpecialHandlingAmount of the InvoiceDetailSummary") or _ZERO
    discount = amounts.of(summary.discount, "the InvoiceDetailDiscount of the InvoiceDetailSummary") or _ZERO
    charges = [
        AllowanceCharge(charge=True, amount=value, reason=reason, reason_code=code)
        for value, reason, code in ((shipping, "Shipping", "FC"), (handling, "Special handling", "SH"))
        if value
    ]
    if discount:
        charges.append(AllowanceCharge(charge=False, amount=abs(discount), reason="Discount", reason_code="95"))
    breakdown = _tax_breakdown(invoice, amounts, lines)
    line_total = amounts.of(summary.subtotal, "the SubtotalAmount of the InvoiceDetailSummary")
    if line_total is None:
        line_total = sum((line.net_amount for line in lines), _ZERO)
    tax_total = amounts.tax(summary.tax, "the InvoiceDetailSummary")
    if tax_total is None:
        tax_total = sum((row.tax_amount for row in breakdown), _ZERO)
    exclusive = line_total - abs(discount) + shipping + handling
    inclusive = exclusive + tax_total
    stated = amounts.of(summary.due, "the DueAmount of the InvoiceDetailSummary")
    if stated is None:
        stated = amounts.of(summary.net, "the NetAmount of the InvoiceDetailSummary")
    deposit = amounts.of(summary.deposit, "the DepositAmount of the InvoiceDetailSummary") or _ZERO
    notes = []
    if stated is not None and stated != inclusive - deposit:
        digits = get_currency_precision(currency)
        notes.append(
            f"the amounts add up to {plain(inclusive - deposit, digits)} {currency}, but the invoice says "
            f"{plain(stated, digits)} {currency} is due"
        )
    if invoice.information_only:
        notes.append("the supplier marked this invoice as for information only")
    identities = tuple(dict.fromkeys(c.identity for c in (*invoice.header.from_credentials, invoice.header.sender)))
    seller = _party(invoice, ("invoiceFrom", "remitTo", "from"), identities)
    assert seller is not None  # the header always has a From
    terms = ""
    if invoice.payment_term_days is not None:
        terms = f"{invoice.payment_term_days} days"
        if invoice.payment_discount_percent:
            terms += f", {plain(invoice.payment_discount_percent)} % discount"
    order_references = tuple(dict.fromkeys(line.order_reference for line in lines if line.order_reference))
    document = SupplierInvoiceDocument(
        format="cxml",
        kind="credit_note" if invoice.credit else "invoice",
        number=invoice.invoice_id,
        issue_date=issue_date,
        due_date=None if invoice.payment_term_days is None else issue_date + timedelta(days=invoice.payment_term_days),
        currency=currency,
        type_code=invoice.purpose,
        seller=seller,
        buyer=_party(invoice, ("billTo", "soldTo"), ()),
        lines=tuple(lines),
        totals=Totals(
            line_net_total=line_total,
            allowance_total=abs(discount),
            charge_total=shipping + handling,
            tax_exclusive=exclusive,
            tax_total=tax_total,
            tax_inclusive=inclusive,
            prepaid=deposit,
            payable=inclusive - deposit,
        ),
        order_reference=order_references[0] if len(order_references) == 1 else None,
        order_references=order_references,
        corrected_invoice=invoice.original_invoice_id,
        allowances_charges=tuple(charges),
        tax_breakdown=breakdown,
        payment_terms=terms,
        message_id=invoice.payload_id,
        notes=tuple(notes),
    )
    return with_arithmetic_notes(document)
