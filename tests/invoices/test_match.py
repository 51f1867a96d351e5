"""Two-way and three-way match, each tolerance at, under and over its limit, and the reasons a clerk reads."""

from decimal import Decimal

import pytest

from invoices.matching import Tolerance, invoice_match, invoices_rematch, match_compute
from invoices.services import invoice_lines_with_orders
from orders.models import PurchaseOrder

from .helpers import invoice_for, ordered, po_lines, reasons, receive, tolerance


def test_an_invoice_for_what_arrived_at_the_ordered_price_is_ready_to_pay(world):
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    invoice = invoice_for(order, (line, "5", "8.00"))
    invoice_match(invoice=invoice)
    assert (invoice.status, invoice.match_mode, reasons(invoice)) == ("ready_to_pay", "three_way", [])
    assert invoice.lines.get().match == "ok"


def test_three_way_invoiced_more_than_received_goes_on_hold_then_matches_when_the_rest_arrives(world):
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "3")
    invoice = invoice_for(order, (line, "5", "8.00"))
    invoice_match(invoice=invoice)
    assert invoice.status == "exception"
    assert reasons(invoice) == ["invoiced 5, received 3"]
    assert invoice.lines.get().match == "exception"
    # The last 2 arrive: p2p re-matches the order's invoices after the receipt.
    receive(order, line, "2")
    assert invoices_rematch(order=order) == [invoice]
    invoice.refresh_from_db()
    assert (invoice.status, reasons(invoice)) == ("ready_to_pay", [])
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CLOSED


def test_two_way_does_not_wait_for_the_goods(world):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    invoice = invoice_for(order, (line, "5", "8.00"))
    invoice_match(invoice=invoice)
    assert (invoice.status, invoice.match_mode) == ("ready_to_pay", "two_way")
    order.refresh_from_db()
    assert order.status == "invoiced"


def test_services_by_category_are_matched_two_way(world):
    tolerance(world, two_way_unspsc_prefixes="80 81")
    order = ordered(world, ("1", "500.00"), unspsc="80101500")
    [line] = po_lines(order)
    invoice = invoice_for(order, (line, "1", "500.00"))
    invoice_match(invoice=invoice)
    assert (invoice.status, invoice.match_mode) == ("ready_to_pay", "two_way")


@pytest.mark.parametrize(
    ("price", "status", "why"),
    [
        ("8.16", "ready_to_pay", []),  # +2 %: at the limit
        ("8.15", "ready_to_pay", []),  # under
        ("8.40", "exception", ["unit price 8.40 vs 8.00 ordered, +5 % over the 2 % tolerance"]),
        ("8.17", "exception", ["unit price 8.17 vs 8.00 ordered, +2.13 % over the 2 % tolerance"]),
        ("7.50", "ready_to_pay", []),  # cheaper is never an exception
    ],
)
def test_price_percent_tolerance(world, price, status, why):
    tolerance(world, price_percent="2")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    invoice = invoice_for(order, (line, "5", price))
    invoice_match(invoice=invoice)
    assert (invoice.status, reasons(invoice)) == (status, why)


@pytest.mark.parametrize(
    ("price", "status", "why"),
    [
        ("8.10", "ready_to_pay", []),  # at 0.10 per unit
        ("8.09", "ready_to_pay", []),
        ("8.11", "exception", ["unit price 8.11 vs 8.00 ordered, +0.11 over the 0.10 per unit tolerance"]),
    ],
)
def test_price_amount_tolerance_per_unit(world, price, status, why):
    tolerance(world, price_amount="0.10")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    invoice = invoice_for(order, (line, "5", price))
    invoice_match(invoice=invoice)
    assert (invoice.status, reasons(invoice)) == (status, why)


def test_without_a_price_tolerance_any_higher_price_is_held(world):
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    invoice = invoice_for(order, (line, "5", "8.01"))
    invoice_match(invoice=invoice)
    assert reasons(invoice) == ["unit price 8.01 vs 8.00 ordered, +0.13 % with no price tolerance"]
    assert invoice.lines.get().variance_minor == 5


@pytest.mark.parametrize(
    ("quantity", "status", "why"),
    [
        ("11", "ready_to_pay", []),  # +10 % of 10 received: at the limit
        ("10.5", "ready_to_pay", []),
        ("11.5", "exception", ["invoiced 11.5, received 10"]),
    ],
)
def test_quantity_percent_tolerance_three_way(world, quantity, status, why):
    tolerance(world, quantity_percent="10")
    order = ordered(world, ("12", "2.00"))
    [line] = po_lines(order)
    receive(order, line, "10")
    invoice = invoice_for(order, (line, quantity, "2.00"))
    invoice_match(invoice=invoice)
    assert (invoice.status, reasons(invoice)) == (status, why)


@pytest.mark.parametrize(
    ("quantity", "status", "why"),
    [
        ("11", "ready_to_pay", []),  # +10 % of 10 ordered
        ("10", "ready_to_pay", []),
        ("11.001", "exception", ["invoiced 11.001, ordered 10"]),
    ],
)
def test_quantity_percent_tolerance_two_way(world, quantity, status, why):
    tolerance(world, quantity_percent="10", match_mode="two_way")
    order = ordered(world, ("10", "2.00"))
    [line] = po_lines(order)
    invoice = invoice_for(order, (line, quantity, "2.00"))
    invoice_match(invoice=invoice)
    assert (invoice.status, reasons(invoice)) == (status, why)


def test_services_received_by_amount_compare_amounts(world):
    order = ordered(world, ("1", "1000.00"), by_amount=True)
    [line] = po_lines(order)
    receive(order, line, amount="600.00")
    invoice = invoice_for(order, (line, "1", "1000.00"))
    invoice_match(invoice=invoice)
    assert reasons(invoice) == ["invoiced 1,000.00\xa0EUR, received 600.00\xa0EUR"]
    receive(order, line, amount="400.00")
    invoices_rematch(order=order)
    invoice.refresh_from_db()
    assert invoice.status == "ready_to_pay"


def test_cumulative_over_invoicing_names_the_invoice_that_billed_it_already(world):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"), ("1", "3.00"))
    line, _other = po_lines(order)
    first = invoice_for(order, (line, "5", "8.00"), number="INV-1")
    invoice_match(invoice=first)
    assert first.status == "ready_to_pay"
    second = invoice_for(order, (line, "5", "8.00"), number="INV-2")
    invoice_match(invoice=second)
    assert (second.status, reasons(second)) == ("exception", ["already invoiced 5 of 5 (invoice INV-1)"])


def test_vat_rate_other_than_the_order_line_expects(world):
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    invoice = invoice_for(order, (line, "5", "8.00"), rate="25")
    lines = invoice_lines_with_orders(invoice=invoice)
    # The expected rate is the order line's tax_rate (set at ordering by the taxes branch; set here by hand).
    lines[0].po_line.tax_rate = Decimal(20)
    result = match_compute(invoice=invoice, lines=lines, tolerance=Tolerance())
    assert result.lines[lines[0].pk].reasons == ["VAT 25 % where 20 % is expected"]


def test_a_line_for_no_order_line_and_an_invoice_whose_totals_do_not_add_up(world):
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    invoice = invoice_for(order, (line, "5", "8.00"), (None, "1", "2.00"))
    invoice.lines.filter(line_number=2).update(order_reference="4500001234")
    invoice.total_minor += 100
    invoice.save()
    invoice_match(invoice=invoice)
    assert invoice.status == "exception"
    assert reasons(invoice) == ["no order line: order 4500001234 line 7 is not on the order"]
    assert invoice.reasons == ["total 51.40\xa0EUR is not net 42.00\xa0EUR plus tax 8.40\xa0EUR"]


def test_currency_other_than_the_orders(world):
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    invoice = invoice_for(order, (line, "5", "80.00"), currency="SEK")
    invoice_match(invoice=invoice)
    assert reasons(invoice) == [f"currency SEK where order {order.number} is in EUR"]


def test_a_possible_duplicate_is_held(world):
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    receive(order, line, "5")
    first = invoice_for(order, (line, "5", "8.00"), number="INV-1", rate=None)
    second = invoice_for(order, (line, "5", "8.00"), number="INV-1B", rate=None)
    second.possible_duplicate_of = first
    second.save()
    invoice_match(invoice=second)
    assert second.reasons == [
        f"possibly a duplicate of invoice INV-1 of {first.invoice_date.isoformat()} (same supplier, amount and date)"
    ]


def test_a_credit_note_arriving_later_re_matches_the_invoice_it_makes_room_for(world):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    first = invoice_for(order, (line, "5", "8.00"), number="INV-1")
    invoice_match(invoice=first)
    second = invoice_for(order, (line, "2", "8.00"), number="INV-2")
    invoice_match(invoice=second)
    assert reasons(second) == ["already invoiced 5 of 5 (invoice INV-1)"]
    # The supplier credits 2 of INV-1; ingestion stores it and re-matches the order's invoices, credit notes first.
    credit = invoice_for(order, (line, "2", "8.00"), number="CN-1", kind="credit_note", corrects=first)
    assert [invoice.number for invoice in invoices_rematch(order=order)] == ["CN-1", "INV-2"]
    credit.refresh_from_db()
    second.refresh_from_db()
    assert (credit.status, second.status, reasons(second)) == ("ready_to_pay", "ready_to_pay", [])
    line.refresh_from_db()
    assert line.invoiced_quantity == Decimal(5)
