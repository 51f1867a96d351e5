"""Money in the ledger: an accepted invoice turns the commitment into actuals, a credit note or a rejection
reverses them, and a closed order holds nothing any more."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from budgets.ledger import ledger_write
from budgets.models import BudgetEntry
from invoices.matching import invoice_match
from invoices.models import Invoice
from invoices.services import invoice_reject
from orders.models import PurchaseOrder
from p2p.close_out import purchase_order_closed_release
from procurement.models import Role
from tests.factories import BudgetFactory, EmployeeFactory, ExchangeRateFactory

from .helpers import invoice_for, ledger, ordered, po_lines, receive, tolerance


def test_an_accepted_invoice_turns_the_commitment_into_actual_with_its_price_variance(world):
    tolerance(world, price_percent="5")
    order = ordered(world, ("5", "8.00"), ("2", "10.00"))
    bolts, _nuts = po_lines(order)
    receive(order, bolts, "5")
    invoice = invoice_for(order, (bolts, "5", "8.40"), number="INV-1")
    invoice_match(invoice=invoice)
    assert invoice.status == "ready_to_pay"
    assert ledger(order) == {"commitment": 6000, "commitment_release": -4000, "actual": 4200}
    actual = BudgetEntry.objects.get(purchase_order=order, kind="actual")
    assert (actual.invoice, actual.variance_minor) == (invoice, 200)
    assert actual.note == (
        f"Invoice INV-1 ({order.number}): actual 42.00\xa0EUR against 40.00\xa0EUR committed, variance +2.00\xa0EUR"
    )
    bolts.refresh_from_db()
    assert (bolts.invoiced_quantity, bolts.invoiced_amount_minor) == (Decimal(5), 4200)


def test_the_actual_is_converted_at_the_rate_of_the_invoice_date_and_the_commitment_released_at_its_own(world):
    today = timezone.localdate()
    ExchangeRateFactory(from_currency="EUR", to_currency="SEK", rate=Decimal("11.00"), valid_from=today - timedelta(30))
    ExchangeRateFactory(from_currency="EUR", to_currency="SEK", rate=Decimal("11.50"), valid_from=today)
    world.budget.delete()
    budget = BudgetFactory(cost_centre=world.centre, currency="SEK", amount_minor=1_000_000_00)
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    invoice = invoice_for(order, (line, "5", "8.00"), invoice_date=today - timedelta(1))
    invoice_match(invoice=invoice)
    rows = list(
        BudgetEntry.objects.filter(budget=budget)
        .order_by("pk")
        .values_list("kind", "amount_minor", "rate", "variance_minor")
    )
    assert rows == [
        ("commitment", 46000, Decimal("11.5000000000"), 0),
        ("commitment_release", -46000, Decimal("11.5000000000"), 0),
        ("actual", 44000, Decimal("11.0000000000"), -2000),
    ]


def test_a_credit_note_reduces_what_was_invoiced_and_reverses_its_actual(world):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    invoice = invoice_for(order, (line, "5", "8.00"), number="INV-1")
    invoice_match(invoice=invoice)
    credit = invoice_for(order, (line, "2", "8.00"), number="CN-1", kind=Invoice.Kind.CREDIT_NOTE, corrects=invoice)
    invoice_match(invoice=credit)
    assert credit.status == "ready_to_pay"
    line.refresh_from_db()
    assert (line.invoiced_quantity, line.invoiced_amount_minor) == (Decimal(3), 2400)
    assert ledger(order)["actual"] == 2400
    order.refresh_from_db()
    assert order.status != "invoiced"
    # What the credit note took back may be invoiced again.
    again = invoice_for(order, (line, "2", "8.00"), number="INV-2")
    invoice_match(invoice=again)
    assert again.status == "ready_to_pay"


def test_a_credit_note_cannot_take_back_more_than_was_invoiced(world):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    credit = invoice_for(order, (line, "2", "8.00"), kind=Invoice.Kind.CREDIT_NOTE)
    invoice_match(invoice=credit)
    assert [r for line in credit.lines.all() for r in line.reasons] == ["credits 2 where 0 are invoiced"]


def test_ledger_actuals_equal_the_accepted_invoices(world):
    tolerance(world, match_mode="two_way", price_percent="10")
    order = ordered(world, ("10", "8.00"), ("4", "2.50"))
    bolts, nuts = po_lines(order)
    first = invoice_for(order, (bolts, "4", "8.50"), (nuts, "4", "2.50"))
    second = invoice_for(order, (bolts, "6", "8.00"))
    credit = invoice_for(order, (bolts, "1", "8.50"), kind=Invoice.Kind.CREDIT_NOTE, corrects=first)
    held = invoice_for(order, (bolts, "3", "9.99"))  # over the tolerance: on hold, not booked
    for invoice in (first, second, credit, held):
        invoice_match(invoice=invoice)
    assert [i.status for i in (first, second, credit, held)] == ["ready_to_pay"] * 3 + ["exception"]
    accepted = sum(i.sign * i.net_minor for i in (first, second, credit))
    assert accepted == 3400 + 1000 + 4800 - 850
    assert ledger(order)["actual"] == accepted
    # Rejected before payment: its actual is reversed and its commitment held again.
    invoice_reject(invoice=second, by=world.buyer, comment="Sent twice")
    assert ledger(order)["actual"] == accepted - 4800
    # The first invoice released what its goods were committed at (4 × 8.00 + 4 × 2.50); the rest is held.
    assert ledger(order)["commitment"] + ledger(order)["commitment_release"] == 9000 - 4200


def test_an_order_fully_received_and_invoiced_closes_and_releases_what_it_still_holds(world):
    order = ordered(world, ("5", "8.00"), ("1", "3.00"))
    bolts, nuts = po_lines(order)
    receive(order, bolts, "5")
    receive(order, nuts, "1")
    invoice = invoice_for(order, (bolts, "5", "7.50"), (nuts, "1", "3.00"))
    invoice_match(invoice=invoice)
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CLOSED
    assert order.requisition.status == "closed"
    assert ledger(order) == {"commitment": 4300, "commitment_release": -4300, "actual": 4050}


def test_the_budget_api_lists_actuals_with_their_order_invoice_and_variance(world, api_client):
    tolerance(world, match_mode="two_way", price_percent="5")
    order = ordered(world, ("5", "8.00"))
    [line] = po_lines(order)
    invoice = invoice_for(order, (line, "5", "8.40"), number="INV-7")
    invoice_match(invoice=invoice)
    finance = EmployeeFactory(legal_entities=[world.france], roles=[Role.FINANCE])
    api_client.force_authenticate(finance.user)
    entries = api_client.get(f"/api/v1/budgets/{world.budget.pk}/entries/?kind=actual").json()["results"]
    assert [
        {key: entry[key] for key in ("kind", "amount", "purchase_order_number", "invoice_number", "variance")}
        for entry in entries
    ] == [
        {
            "kind": "actual",
            "amount": "42.00",
            "purchase_order_number": order.number,
            "invoice_number": "INV-7",
            "variance": "2.00",
        }
    ]
    [budget] = api_client.get("/api/v1/budgets/").json()["results"]
    assert (budget["actual"], budget["committed"], budget["available"]) == ("42.00", "0.00", "99958.00")


def test_an_order_closed_by_its_last_receipt_gives_back_what_it_still_holds(world):
    tolerance(world, match_mode="two_way")
    order = ordered(world, ("3", "3.33"))
    [line] = po_lines(order)
    invoice_match(invoice=invoice_for(order, (line, "3", "3.33")))
    # A cent still held (a rounding of an earlier change, say), then the goods arrive and the order closes.
    ledger_write(
        [
            BudgetEntry(
                budget=world.budget,
                kind="commitment",
                amount_minor=1,
                purchase_order=order,
                requisition=order.requisition,
                source_amount_minor=1,
                source_currency="EUR",
                rate=1,
            )
        ]
    )
    receive(order, line, "3")
    purchase_order_closed_release(order=order, by=None)
    purchase_order_closed_release(order=order, by=None)
    order.refresh_from_db()
    assert order.status == "closed"
    assert ledger(order)["commitment"] + ledger(order)["commitment_release"] == 0
