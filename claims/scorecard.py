"""A supplier's scorecard over a period, in one legal entity (docs/analytics.md, "Supplier scorecard").

Every figure is counted from the documents themselves (receipts, claims, orders, invoices) of the entity and the
supplier, for the days `start` to `end` inclusive (the site's time zone):

- received lines: lines of posted goods receipts received in the period;
- claims: claims raised in the period; claimed lines: received lines (as above) with at least one claim;
  claim rate = claimed lines ÷ received lines;
- on-time delivery: received lines that accepted something and have a due day (the day the supplier confirmed,
  else the day the line was needed by), on time when received on or before it; rate = on time ÷ those lines;
- order confirmation rate: orders issued in the period (not held, not cancelled) with at least one line the
  supplier answered (a confirmed quantity) ÷ those orders;
- price variance, per currency: accepted invoices (not credit notes) dated in the period, their lines billing an
  order line by quantity in the order's currency: invoiced net less the order's price for the invoiced quantity
  (`procurement.money.line_total_minor`), and that as a percentage of the order's price.
Rates are percentages with one decimal (`procurement.money.percent_of_minor`), None when there is nothing to count.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from invoices.models import Invoice, InvoiceLine
from invoices.transitions import ACCEPTED
from orders.models import PurchaseOrder, PurchaseOrderLine
from procurement.models import LegalEntity, Supplier
from procurement.money import Money, line_total_minor, percent_of_minor
from receiving.models import GoodsReceipt, GoodsReceiptLine

from .models import Claim


def rate_percent(part: int, whole: int) -> Decimal | None:
    return percent_of_minor(part_minor=part, whole_minor=whole) if whole else None


@dataclass(frozen=True)
class PriceVariance:
    currency: str
    ordered_minor: int
    invoiced_minor: int

    @property
    def variance_minor(self) -> int:
        return self.invoiced_minor - self.ordered_minor

    @property
    def variance(self) -> Money:
        return Money.from_minor(self.variance_minor, self.currency)

    @property
    def ordered(self) -> Money:
        return Money.from_minor(self.ordered_minor, self.currency)

    @property
    def invoiced(self) -> Money:
        return Money.from_minor(self.invoiced_minor, self.currency)

    @property
    def percent(self) -> Decimal | None:
        return rate_percent(self.variance_minor, self.ordered_minor)


@dataclass(frozen=True)
class Scorecard:
    supplier: Supplier
    legal_entity: LegalEntity
    start: date
    end: date
    received_lines: int
    claimed_lines: int
    claims: int
    lines_with_due_day: int
    on_time_lines: int
    orders_issued: int
    orders_confirmed: int
    price_variances: list[PriceVariance] = field(default_factory=list)

    @property
    def claim_rate(self) -> Decimal | None:
        return rate_percent(self.claimed_lines, self.received_lines)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate_percent(self.on_time_lines, self.lines_with_due_day)

    @property
    def confirmation_rate(self) -> Decimal | None:
        return rate_percent(self.orders_confirmed, self.orders_issued)


def supplier_scorecard(*, supplier: Supplier, legal_entity: LegalEntity, start: date, end: date) -> Scorecard:
    """The supplier's scorecard in the entity for the days `start` to `end` (see the module's docstring)."""
    receipt_lines = GoodsReceiptLine.objects.filter(
        receipt__legal_entity=legal_entity,
        receipt__status=GoodsReceipt.Status.POSTED,
        receipt__purchase_order__supplier=supplier,
        receipt__received_at__date__gte=start,
        receipt__received_at__date__lte=end,
    )
    received = receipt_lines.count()
    claimed = receipt_lines.filter(claims__isnull=False).distinct().count()
    claims = Claim.objects.filter(
        legal_entity=legal_entity, supplier=supplier, raised_at__date__gte=start, raised_at__date__lte=end
    ).count()
    with_due = on_time = 0
    for received_at, confirmed_day, needed_by in receipt_lines.filter(quantity__gt=0).values_list(
        "receipt__received_at", "po_line__confirmed_delivery_date", "po_line__needed_by"
    ):
        due = confirmed_day or needed_by
        if due is None:
            continue
        with_due += 1
        on_time += int(timezone.localdate(received_at) <= due)
    orders = PurchaseOrder.objects.filter(
        legal_entity=legal_entity, supplier=supplier, issued_at__date__gte=start, issued_at__date__lte=end
    ).exclude(status__in=[PurchaseOrder.Status.HELD, PurchaseOrder.Status.CANCELLED])
    issued = orders.count()
    confirmed = orders.filter(
        pk__in=PurchaseOrderLine.objects.filter(confirmed_quantity__isnull=False).values("purchase_order_id")
    ).count()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for quantity, net_minor, currency, unit_price_minor, basis in (
        InvoiceLine.objects.filter(
            invoice__legal_entity=legal_entity,
            invoice__supplier=supplier,
            invoice__kind=Invoice.Kind.INVOICE,
            invoice__status__in=ACCEPTED,
            invoice__invoice_date__gte=start,
            invoice__invoice_date__lte=end,
            po_line__isnull=False,
            po_line__receipt_by_amount=False,
            invoice__currency=F("po_line__purchase_order__currency"),
        )
        .values_list(
            "quantity", "net_minor", "invoice__currency", "po_line__unit_price_minor", "po_line__price_basis_quantity"
        )
        .order_by("pk")
    ):
        pair = totals[currency]
        pair[0] += line_total_minor(quantity=quantity, unit_price_minor=unit_price_minor, price_basis_quantity=basis)
        pair[1] += net_minor
    return Scorecard(
        supplier=supplier,
        legal_entity=legal_entity,
        start=start,
        end=end,
        received_lines=received,
        claimed_lines=claimed,
        claims=claims,
        lines_with_due_day=with_due,
        on_time_lines=on_time,
        orders_issued=issued,
        orders_confirmed=confirmed,
        price_variances=[
            PriceVariance(currency=currency, ordered_minor=pair[0], invoiced_minor=pair[1])
            for currency, pair in sorted(totals.items())
        ],
    )
