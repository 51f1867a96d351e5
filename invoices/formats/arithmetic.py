"""What does not add up in an invoice, in words a clerk understands. No Django here.

A supplier's arithmetic is checked, not trusted and not refused: each difference above half a minor unit
of the currency becomes a note ("line 1: 3 × 100 = 300.00, but the line says 200.00") that travels with the
invoice to the match and the buyer. The amounts the supplier stated are kept as stated.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from babel.numbers import get_currency_precision

from .document import SupplierInvoiceDocument

__all__ = ["plain", "with_arithmetic_notes"]


def plain(value: Decimal, places: int | None = None) -> str:
    """Plain digits, never exponent form; `places` fixes the decimals (amounts in the currency's digits)."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = format(value.normalize() if places is None else value, "f")
    return "0" if text in ("-0", "+0") else text


def with_arithmetic_notes(document: SupplierInvoiceDocument) -> SupplierInvoiceDocument:
    """The document with a note for each stated amount that is not what its parts add up to."""
    digits = get_currency_precision(document.currency)
    slack = Decimal(1).scaleb(-digits) / 2

    def money(value: Decimal) -> str:
        return plain(value, digits)

    notes = list(document.notes)
    for line in document.lines:
        if line.net_price is None or not line.price_base_quantity:
            continue
        expected = line.quantity * line.net_price / line.price_base_quantity
        expected = expected - line.allowance_total + line.charge_total
        if abs(expected - line.net_amount) > slack:
            basis = "" if line.price_base_quantity == 1 else f" ÷ {plain(line.price_base_quantity)}"
            extras = "".join(
                f" {sign} {word} {money(value)}"
                for sign, word, value in (
                    ("−", "allowances", line.allowance_total),
                    ("+", "charges", line.charge_total),
                )
                if value
            )
            notes.append(
                f"line {line.line_id}: {plain(line.quantity)} × {plain(line.net_price)}{basis}{extras} = "
                f"{money(expected)}, but the line says {money(line.net_amount)}"
            )
    totals = document.totals
    lines_sum = sum((line.net_amount for line in document.lines), Decimal(0))
    if document.lines and abs(lines_sum - totals.line_net_total) > slack:
        notes.append(f"the lines add up to {money(lines_sum)}, but the invoice says {money(totals.line_net_total)}")
    exclusive = totals.line_net_total - totals.allowance_total + totals.charge_total
    if abs(exclusive - totals.tax_exclusive) > slack:
        notes.append(
            f"lines {money(totals.line_net_total)} − allowances {money(totals.allowance_total)} + charges "
            f"{money(totals.charge_total)} = {money(exclusive)}, but the total without tax says "
            f"{money(totals.tax_exclusive)}"
        )
    inclusive = totals.tax_exclusive + totals.tax_total
    if abs(inclusive - totals.tax_inclusive) > slack:
        notes.append(
            f"{money(totals.tax_exclusive)} + tax {money(totals.tax_total)} = {money(inclusive)}, but the total "
            f"with tax says {money(totals.tax_inclusive)}"
        )
    breakdown_tax = sum((row.tax_amount for row in document.tax_breakdown), Decimal(0))
    if document.tax_breakdown and abs(breakdown_tax - totals.tax_total) > slack:
        notes.append(
            f"the tax breakdown adds up to {money(breakdown_tax)}, but the tax total says {money(totals.tax_total)}"
        )
    for row in document.tax_breakdown:
        if row.rate is None:
            continue
        expected_tax = row.taxable_amount * row.rate / 100
        # A rounding per line may move the tax of a rate by a few minor units: one unit per line is allowed.
        allowed = max(slack, Decimal(1).scaleb(-digits) * max(len(document.lines), 1))
        if abs(expected_tax - row.tax_amount) > allowed:
            notes.append(
                f"tax {plain(row.rate)} % of {money(row.taxable_amount)} is {money(expected_tax)}, "
                f"but the invoice says {money(row.tax_amount)}"
            )
    return replace(document, notes=tuple(dict.fromkeys(notes)))
