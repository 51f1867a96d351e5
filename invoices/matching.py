"""The match: each invoice line against its order line (two-way) and what was received (three-way).

Which way a line is matched, and how far it may differ, comes from the `MatchTolerance` of the invoice's legal
entity (the supplier's own row wins): three-way unless the row says two-way or the order line's UNSPSC starts
with one of its `two_way_unspsc_prefixes` (services, subscriptions). Tolerances are in major units:

- price: the invoiced unit price may exceed the ordered one by `price_percent` % or by `price_amount` per unit
  (either is enough; both 0: the price must not be higher). A lower price is never an exception;
- quantity: what the order line has been invoiced in all (accepted invoices, `invoiced_quantity`, plus this
  invoice) may exceed what was ordered — and, three-way, what was received — by `quantity_percent` %. Lines
  received by amount (services) compare amounts the same way.

Each line gets `match` ok or exception and plain `reasons` ("invoiced 5, received 3"); the invoice gets its own
reasons (totals that do not add up, a possible duplicate). A matched invoice is accepted at once
(`invoices.services`); one with any reason goes on hold (`exception`). The number of queries is the same
whatever the number of lines.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db import transaction
from django.db.models import Q

from orders.models import PurchaseOrder, PurchaseOrderLine
from procurement.money import Money, currency_digits, decimal_text, line_total_minor, tax_amount_minor

from .lock_objects import invoice_orders_lock, invoices_qs_select_for_update
from .models import Invoice, InvoiceLine, MatchTolerance
from .payment_terms import invoice_terms_apply
from .services import invoice_lines_with_orders, invoice_match_outcome
from .transitions import ACCEPTED, MATCHABLE

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# A supplier's line amount or tax may differ from ours by a rounding of one minor unit.
ROUNDING_SLACK_MINOR = 1
# Tax categories (UNCL5305) that are not charged by the supplier, with how a clerk calls them.
UNTAXED_CATEGORIES = {"AE": "reverse charge", "K": "intra-community supply", "G": "export", "E": "exempt"}


@dataclass(frozen=True)
class Tolerance:
    price_percent: Decimal = ZERO
    price_amount: Decimal = ZERO
    quantity_percent: Decimal = ZERO
    match_mode: str = Invoice.MatchMode.THREE_WAY
    two_way_prefixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: MatchTolerance | None) -> "Tolerance":
        if row is None:
            return cls()
        prefixes = tuple(part for part in row.two_way_unspsc_prefixes.replace(",", " ").split() if part)
        return cls(row.price_percent, row.price_amount, row.quantity_percent, row.match_mode, prefixes)

    def mode_for(self, po_line: PurchaseOrderLine) -> str:
        if self.match_mode == Invoice.MatchMode.TWO_WAY:
            return Invoice.MatchMode.TWO_WAY
        if po_line.unspsc and any(po_line.unspsc.startswith(prefix) for prefix in self.two_way_prefixes):
            return Invoice.MatchMode.TWO_WAY
        return Invoice.MatchMode.THREE_WAY

    def quantity_limit(self, base: Decimal) -> Decimal:
        with localcontext() as context:
            context.prec = 60
            return base + base * self.quantity_percent / HUNDRED


def match_tolerance_for(*, invoice: Invoice) -> Tolerance:
    """The supplier's row of the invoice's entity, else the entity's row, else exact (three-way, no slack)."""
    rows = list(
        MatchTolerance.objects.filter(legal_entity_id=invoice.legal_entity_id).filter(
            Q(supplier__isnull=True) | Q(supplier_id=invoice.supplier_id)
        )
    )
    rows.sort(key=lambda row: row.supplier_id is None)  # the supplier's row first
    return Tolerance.of(rows[0] if rows else None)


def percent_text(value: Decimal) -> str:
    """A percentage as a clerk reads it: 5, 5.25, 0.5 (two decimals at most, never exponent form)."""
    return decimal_text(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def unit_price_text(price: Decimal, currency: str) -> str:
    """A price per unit: the currency's digits (8.40), more when the price has them (0.125)."""
    digits = currency_digits(currency)
    at_digits = price.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if at_digits == price:
        return decimal_text(price, digits)
    return decimal_text(price.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize())


def per_unit(unit_price_minor: int, basis: Decimal, currency: str) -> Decimal:
    """A quoted price (per `basis` units, in minor units) as a price per unit in major units, exact."""
    with localcontext() as context:
        context.prec = 60
        return Decimal(unit_price_minor) / Decimal(basis) / Decimal(10) ** currency_digits(currency)


@dataclass
class LineResult:
    mode: str
    reasons: list[str] = field(default_factory=list)
    variance_minor: int = 0


@dataclass
class MatchResult:
    """What the match found: the invoice's own reasons, and each line's."""

    reasons: list[str]
    lines: dict[int, LineResult]
    mode: str

    @property
    def ok(self) -> bool:
        return not self.reasons and not any(result.reasons for result in self.lines.values())


def _invoice_reasons(invoice: Invoice, lines: list[InvoiceLine]) -> list[str]:
    reasons = []
    currency = invoice.currency
    if not lines:
        reasons.append("the invoice has no lines")
    lines_net = sum((line.net_minor for line in lines), 0)
    if lines and lines_net + invoice.charges_minor != invoice.net_minor:
        charges = f" and charges {Money.from_minor(invoice.charges_minor, currency)}" if invoice.charges_minor else ""
        reasons.append(
            f"net {Money.from_minor(invoice.net_minor, currency)} is not the sum of the lines "
            f"{Money.from_minor(lines_net, currency)}{charges}"
        )
    if invoice.net_minor + invoice.tax_minor != invoice.total_minor:
        reasons.append(
            f"total {invoice.total} is not net {invoice.net} plus tax {invoice.tax}",
        )
    rates = [line.tax_rate for line in lines]
    if lines and not invoice.charges_minor and all(rate is not None for rate in rates):
        # Tax per rate on the sum of its lines (EN 16931); per-line rounding may differ by a cent a line.
        by_rate: dict[Decimal, int] = defaultdict(int)
        for line in lines:
            by_rate[Decimal(line.tax_rate or 0)] += line.net_minor
        expected = sum(tax_amount_minor(net_minor=net, rate_percent=rate) for rate, net in by_rate.items())
        if abs(expected - invoice.tax_minor) > len(lines) * ROUNDING_SLACK_MINOR:
            reasons.append(f"tax {invoice.tax} where the lines' rates make {Money.from_minor(expected, currency)}")
    duplicate = invoice.possible_duplicate_of
    if duplicate is not None:
        reasons.append(
            f"possibly a duplicate of invoice {duplicate.number} of {duplicate.invoice_date.isoformat()} "
            f"(same supplier, amount and date)"
        )
    return reasons


def _numbers(numbers: set[str]) -> str:
    ordered = sorted(numbers)
    return f" (invoice {', '.join(ordered)})" if len(ordered) == 1 else f" (invoices {', '.join(ordered)})"


def _line_reasons(
    invoice: Invoice,
    line: InvoiceLine,
    tolerance: Tolerance,
    before: dict[int, tuple[Decimal, int]],
    others: dict[int, set[str]],
) -> LineResult:
    """One line's match; `before` holds what earlier lines of this invoice billed on each order line."""
    po_line = line.po_line
    if po_line is None:
        if line.order_reference and line.order_line_number:
            where = f"order {line.order_reference} line {line.order_line_number} is not on the order"
        elif line.order_reference:
            where = f"order {line.order_reference} has no line for {line.supplier_part_id or line.description}"
        else:
            where = line.link_note or "the line names no order"
        return LineResult(mode="", reasons=[f"no order line: {where}"])
    order = po_line.purchase_order
    mode = tolerance.mode_for(po_line)
    result = LineResult(mode=mode)
    reasons = result.reasons
    # A credit note answering a claim on a delivery (claims) takes back part of what a closed order invoiced: the
    # claim bounded it by what was received and its value; any other document on a closed order waits for a person.
    answers_claim = invoice.is_credit_note and invoice.source == Invoice.Source.CLAIM
    if order.status == PurchaseOrder.Status.CANCELLED or (
        order.status == PurchaseOrder.Status.CLOSED and not answers_claim
    ):
        reasons.append(f"order {order.number} is {PurchaseOrder.Status(order.status).label.lower()}")
    elif po_line.status == PurchaseOrderLine.Status.CANCELLED:
        reasons.append(f"order {order.number} line {po_line.line_number} is cancelled")
    same_currency = invoice.currency == order.currency
    if not same_currency:
        reasons.append(f"currency {invoice.currency} where order {order.number} is in {order.currency}")
    billed_quantity, billed_amount = before.get(po_line.pk, (ZERO, 0))
    before[po_line.pk] = (billed_quantity + line.quantity, billed_amount + line.net_minor)
    expected_net = line_total_minor(
        quantity=line.quantity, unit_price_minor=line.unit_price_minor, price_basis_quantity=line.price_basis_quantity
    )
    if abs(expected_net - line.net_minor) > ROUNDING_SLACK_MINOR:
        price = per_unit(line.unit_price_minor, line.price_basis_quantity, invoice.currency)
        reasons.append(
            f"line amount {line.net} where {decimal_text(line.quantity)} × {unit_price_text(price, invoice.currency)}"
            f" makes {Money.from_minor(expected_net, invoice.currency)}"
        )
    if invoice.is_credit_note:
        _credit_reasons(line, po_line, billed_quantity, billed_amount, reasons)
    elif po_line.receipt_by_amount:
        if same_currency:
            _amount_reasons(line, po_line, mode, tolerance, billed_amount, others, reasons)
    else:
        _quantity_reasons(line, po_line, mode, tolerance, billed_quantity, others, reasons)
        if same_currency:
            result.variance_minor = _price_reasons(invoice, line, po_line, tolerance, reasons)
    _tax_reasons(invoice, line, po_line, reasons)
    return result


def _quantity_reasons(
    line: InvoiceLine,
    po_line: PurchaseOrderLine,
    mode: str,
    tolerance: Tolerance,
    billed_before: Decimal,
    others: dict[int, set[str]],
    reasons: list[str],
) -> None:
    prior = po_line.invoiced_quantity + billed_before
    billed = prior + line.quantity
    ordered, received = po_line.quantity, po_line.received_quantity
    if billed > tolerance.quantity_limit(ordered):
        if prior:
            reasons.append(
                f"already invoiced {decimal_text(prior)} of {decimal_text(ordered)}"
                + (_numbers(others[po_line.pk]) if others.get(po_line.pk) else "")
            )
        else:
            reasons.append(f"invoiced {decimal_text(line.quantity)}, ordered {decimal_text(ordered)}")
    elif mode == Invoice.MatchMode.THREE_WAY and billed > tolerance.quantity_limit(received):
        if prior:
            reasons.append(
                f"invoiced {decimal_text(billed)} in all ({decimal_text(line.quantity)} on this invoice), "
                f"received {decimal_text(received)}"
            )
        else:
            reasons.append(f"invoiced {decimal_text(line.quantity)}, received {decimal_text(received)}")


def _amount_reasons(
    line: InvoiceLine,
    po_line: PurchaseOrderLine,
    mode: str,
    tolerance: Tolerance,
    billed_before: int,
    others: dict[int, set[str]],
    reasons: list[str],
) -> None:
    currency = line.invoice.currency
    prior = po_line.invoiced_amount_minor + billed_before
    billed = prior + line.net_minor
    ordered, received = po_line.total_minor, po_line.received_amount_minor

    def money(minor: int) -> str:
        return str(Money.from_minor(minor, currency))

    if billed > tolerance.quantity_limit(Decimal(ordered)):
        if prior:
            reasons.append(
                f"already invoiced {money(prior)} of {money(ordered)}"
                + (_numbers(others[po_line.pk]) if others.get(po_line.pk) else "")
            )
        else:
            reasons.append(f"invoiced {money(line.net_minor)}, ordered {money(ordered)}")
    elif mode == Invoice.MatchMode.THREE_WAY and billed > tolerance.quantity_limit(Decimal(received)):
        if prior:
            reasons.append(
                f"invoiced {money(billed)} in all ({money(line.net_minor)} on this invoice), received {money(received)}"
            )
        else:
            reasons.append(f"invoiced {money(line.net_minor)}, received {money(received)}")


def _credit_reasons(
    line: InvoiceLine, po_line: PurchaseOrderLine, credited_before: Decimal, credited_amount: int, reasons: list[str]
) -> None:
    """A credit note may not take back more than was invoiced on the order line."""
    if po_line.receipt_by_amount:
        if credited_amount + line.net_minor > po_line.invoiced_amount_minor:
            currency = line.invoice.currency
            reasons.append(
                f"credits {Money.from_minor(line.net_minor, currency)} where "
                f"{Money.from_minor(po_line.invoiced_amount_minor - credited_amount, currency)} is invoiced"
            )
    elif credited_before + line.quantity > po_line.invoiced_quantity:
        reasons.append(
            f"credits {decimal_text(line.quantity)} where "
            f"{decimal_text(max(po_line.invoiced_quantity - credited_before, ZERO))} are invoiced"
        )


def _price_reasons(
    invoice: Invoice, line: InvoiceLine, po_line: PurchaseOrderLine, tolerance: Tolerance, reasons: list[str]
) -> int:
    """The unit price against the ordered one; returns the price variance of the line in minor units."""
    currency = invoice.currency
    invoiced = per_unit(line.unit_price_minor, line.price_basis_quantity, currency)
    ordered = per_unit(po_line.unit_price_minor, po_line.price_basis_quantity, currency)
    with localcontext() as context:
        context.prec = 60
        difference = invoiced - ordered
        variance = line.net_minor - line_total_minor(
            quantity=line.quantity,
            unit_price_minor=po_line.unit_price_minor,
            price_basis_quantity=po_line.price_basis_quantity,
        )
        if difference <= 0:
            return variance
        within_percent = difference * HUNDRED <= ordered * tolerance.price_percent
        within_amount = difference <= tolerance.price_amount
        if within_percent or within_amount:
            return variance
        percent = difference * HUNDRED / ordered if ordered else None
    prices = f"unit price {unit_price_text(invoiced, currency)} vs {unit_price_text(ordered, currency)} ordered"
    over_percent = f"+{percent_text(percent)} %" if percent is not None else "a price where none was ordered"
    over_amount = f"+{unit_price_text(difference, currency)}"
    amount_tolerance = f"{unit_price_text(tolerance.price_amount, currency)} per unit tolerance"
    if tolerance.price_percent and tolerance.price_amount:
        text = (
            f"{prices}, {over_percent} over the {percent_text(tolerance.price_percent)} % tolerance "
            f"and {over_amount} over the {amount_tolerance}"
        )
    elif tolerance.price_amount:
        text = f"{prices}, {over_amount} over the {amount_tolerance}"
    elif tolerance.price_percent:
        text = f"{prices}, {over_percent} over the {percent_text(tolerance.price_percent)} % tolerance"
    else:
        text = f"{prices}, {over_percent} with no price tolerance"
    reasons.append(text)
    return variance


def _tax_reasons(invoice: Invoice, line: InvoiceLine, po_line: PurchaseOrderLine, reasons: list[str]) -> None:
    """The invoiced VAT rate against the one the order line expects (its tax code, when it has one)."""
    # The taxes branch adds tax_rate / tax_category to order lines; until it lands they are absent.
    expected_rate = getattr(po_line, "tax_rate", None)
    expected_category = getattr(po_line, "tax_category", "") or ""
    if line.tax_rate is None:
        return
    invoiced_rate = Decimal(line.tax_rate)
    if expected_rate is not None and invoiced_rate != Decimal(expected_rate):
        why = UNTAXED_CATEGORIES.get(expected_category)
        reasons.append(
            f"VAT {percent_text(invoiced_rate)} % where {percent_text(Decimal(expected_rate))} % is expected"
            + (f" ({why})" if why else "")
        )
    if line.tax_minor:
        expected = tax_amount_minor(net_minor=line.net_minor, rate_percent=invoiced_rate)
        if abs(expected - line.tax_minor) > ROUNDING_SLACK_MINOR:
            reasons.append(
                f"tax {Money.from_minor(line.tax_minor, invoice.currency)} on the line where "
                f"{percent_text(invoiced_rate)} % of {line.net} is {Money.from_minor(expected, invoice.currency)}"
            )


def match_compute(*, invoice: Invoice, lines: list[InvoiceLine], tolerance: Tolerance) -> MatchResult:
    """The match of the invoice's lines (loaded with `invoice_lines_with_orders`); reads nothing else but the
    numbers of the other accepted invoices of the same order lines (one query)."""
    po_line_ids = {line.po_line_id for line in lines if line.po_line_id}
    others: dict[int, set[str]] = defaultdict(set)
    if po_line_ids and not invoice.is_credit_note:
        for po_line_id, number in (
            InvoiceLine.objects.filter(
                po_line_id__in=po_line_ids, invoice__status__in=ACCEPTED, invoice__kind=Invoice.Kind.INVOICE
            )
            .exclude(invoice_id=invoice.pk)
            .values_list("po_line_id", "invoice__number")
        ):
            others[po_line_id].add(number)
    before: dict[int, tuple[Decimal, int]] = {}
    results = {line.pk: _line_reasons(invoice, line, tolerance, before, others) for line in lines}
    modes = {result.mode for result in results.values()}
    mode = Invoice.MatchMode.THREE_WAY if Invoice.MatchMode.THREE_WAY in modes else Invoice.MatchMode.TWO_WAY
    return MatchResult(reasons=_invoice_reasons(invoice, lines), lines=results, mode=mode)


@transaction.atomic
def invoice_match(*, invoice: Invoice) -> None:
    """Match the invoice (received or on hold) line by line and move it: matched (and accepted at once: ready to
    pay, counted on its orders and booked as actual on budgets) or exception (on hold with its reasons). An
    invoice in any other status is left as it is."""
    invoice_orders_lock(invoice_id=invoice.pk)
    locked = (
        invoices_qs_select_for_update(of=("self",))
        .select_related("possible_duplicate_of", "legal_entity")
        .get(pk=invoice.pk)
    )
    if locked.status not in MATCHABLE:
        return
    lines = invoice_lines_with_orders(invoice=locked)
    result = match_compute(invoice=locked, lines=lines, tolerance=match_tolerance_for(invoice=locked))
    for line in lines:
        line_result = result.lines[line.pk]
        line.match = InvoiceLine.Match.EXCEPTION if line_result.reasons else InvoiceLine.Match.OK
        line.reasons = line_result.reasons
        line.variance_minor = line_result.variance_minor
    if lines:
        InvoiceLine.objects.bulk_update(lines, ["match", "reasons", "variance_minor"])
    terms_reasons = invoice_terms_apply(invoice=locked, lines=lines)  # saved with the verdict
    locked.reasons = [*locked.notes, *result.reasons, *terms_reasons]
    locked.match_mode = result.mode
    invoice_match_outcome(invoice=locked, lines=lines, ok=result.ok and not locked.notes and not terms_reasons)
    invoice.refresh_from_db()


def invoices_rematch(*, order: PurchaseOrder) -> list[Invoice]:
    """Match again every invoice of the order still received or on hold: after a receipt or its reversal (p2p)
    and after a credit note (ingestion). Credit notes first, so what they take back counts for the invoices.
    Returns the invoices matched, as they are now."""
    invoices = list(
        Invoice.objects.filter(Q(purchase_orders=order) | Q(lines__po_line__purchase_order=order), status__in=MATCHABLE)
        .distinct()
        .order_by("pk")
    )
    invoices.sort(key=lambda invoice: (not invoice.is_credit_note, invoice.pk))
    for invoice in invoices:
        invoice_match(invoice=invoice)
    return invoices
