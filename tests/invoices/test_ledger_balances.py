"""Actuals, their reversal and an order's close-out move the budget's running balances exactly as the ledger
adds up (budgets.ledger): the balances equal an independent sum of the entries after each step."""

from django.db.models import Sum

from budgets.ledger import budget_balances_drift
from budgets.models import Budget, BudgetEntry
from invoices.matching import invoice_match
from invoices.models import Invoice
from invoices.services import invoice_reject

from .helpers import invoice_for, ordered, po_lines, receive, tolerance

STAGES = {
    "precommitted_minor": ("precommitment", "release"),
    "committed_minor": ("commitment", "commitment_release"),
    "actual_minor": ("actual",),
}


def agree(budget: Budget) -> dict[str, int]:
    """The budget's balances, asserted equal to the sums of its entries per stage."""
    by_kind = dict(
        BudgetEntry.objects.filter(budget=budget)
        .values("kind")
        .annotate(total=Sum("amount_minor"))
        .order_by()
        .values_list("kind", "total")
    )
    sums = {stage: sum(by_kind.get(kind, 0) for kind in kinds) for stage, kinds in STAGES.items()}
    stored = Budget.objects.filter(pk=budget.pk).values(*STAGES).get()
    assert stored == sums
    assert budget_balances_drift() == []
    return stored


def test_actuals_reversals_and_close_out_keep_the_balances_equal_to_the_ledger(world):
    tolerance(world, match_mode="two_way", price_percent="10")
    order = ordered(world, ("10", "8.00"), ("4", "2.50"))
    assert agree(world.budget) == {"precommitted_minor": 0, "committed_minor": 9000, "actual_minor": 0}
    bolts, nuts = po_lines(order)
    first = invoice_for(order, (bolts, "4", "8.50"), (nuts, "4", "2.50"))
    second = invoice_for(order, (bolts, "6", "8.00"))
    credit = invoice_for(order, (bolts, "1", "8.50"), kind=Invoice.Kind.CREDIT_NOTE, corrects=first)
    for invoice in (first, second, credit):
        invoice_match(invoice=invoice)
    assert agree(world.budget)["actual_minor"] == 3400 + 1000 + 4800 - 850
    invoice_reject(invoice=second, by=world.buyer, comment="Sent twice")
    assert agree(world.budget) == {
        "precommitted_minor": 0,
        "committed_minor": 9000 - 4200,
        "actual_minor": 3400 + 1000 - 850,
    }
    receive(order, bolts, "10")
    receive(order, nuts, "4")
    last = invoice_for(order, (bolts, "7", "8.00"))
    invoice_match(invoice=last)
    order.refresh_from_db()
    assert order.status == "closed"
    assert agree(world.budget)["committed_minor"] == 0
