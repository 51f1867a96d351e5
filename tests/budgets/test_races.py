"""Fifty submissions race for the last 1,000 EUR: exactly ten win, the rest are refused, never negative."""

from datetime import date
from decimal import Decimal

import pytest

from budgets.models import Budget
from budgets.services import budget_available_minor
from p2p.submit_to_order import requisition_submit
from procurement.models import CostCentre, Employee, LegalEntity
from procurement.money import Money
from requisitions.errors import RequisitionError
from requisitions.models import Requisition
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("budgets")]


def carts(count: int, amount: str, centres: list[str]) -> list[Requisition]:
    alice = Employee.objects.get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    made = []
    for n in range(count):
        cart = requisition_create(by=alice, legal_entity=france, title=f"race {n}")
        for code in centres:
            requisition_line_add_free_text(
                requisition=cart,
                by=alice,
                description="Reagent",
                quantity=Decimal(1),
                unit="EA",
                unit_price=Money(Decimal(amount), "EUR"),
                cost_centre=CostCentre.objects.get(code=code),
            )
        made.append(cart)
    return made


def submit_all(requisitions):
    alice = Employee.objects.get(user__username="alice")
    return run_concurrently([lambda r=r: requisition_submit(requisition=r, by=alice) for r in requisitions])


def test_fifty_submissions_of_100_against_1000_give_exactly_ten():
    results = submit_all(carts(50, "100", ["FR-LAB"]))
    won = [r for r in results if isinstance(r, Requisition)]
    refused = [r for r in results if isinstance(r, RequisitionError)]
    assert (len(won), len(refused)) == (10, 40), [
        r for r in results if not isinstance(r, Requisition | RequisitionError)
    ]
    assert {error.code for error in refused} == {"budget_exceeded"}
    lab = Budget.objects.get(cost_centre__code="FR-LAB")
    assert budget_available_minor(budget=lab) == 0


def test_overlapping_budgets_race_without_deadlock():
    # A second budget covers FR-LAB; each requisition also charges FR-ENG: three budget rows locked each time
    lab = Budget.objects.get(cost_centre__code="FR-LAB")
    Budget.objects.create(
        legal_entity=lab.legal_entity,
        cost_centre=lab.cost_centre,
        period_label="rest of the year",
        period_start=date.today().replace(day=1),  # overlaps the yearly budget
        period_end=lab.period_end,
        amount_minor=50000,
        currency="EUR",
        control=Budget.Control.HARD,
    )
    results = submit_all(carts(20, "100", ["FR-ENG", "FR-LAB"]))
    won = [r for r in results if isinstance(r, Requisition)]
    others = [r for r in results if not isinstance(r, Requisition | RequisitionError)]
    assert not others, others  # no deadlock, no other error
    assert len(won) == 5  # the 500 EUR budget runs out first
    # never negative: the 500 EUR budget is spent to the cent, the yearly one holds the same 500 of its 1,000
    hard = Budget.objects.filter(control="hard").select_related("cost_centre")
    assert {(b.cost_centre.code, b.period_label): budget_available_minor(budget=b) for b in hard} == {
        ("FR-LAB", lab.period_label): 500_00,
        ("FR-LAB", "rest of the year"): 0,
        ("SE-OPS", lab.period_label): 200_000_00,
    }
