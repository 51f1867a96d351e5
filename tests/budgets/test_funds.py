"""Budgets finance trusts: hard stops refuse, warnings warn, and every way out gives the money back."""

from datetime import date
from decimal import Decimal

import pytest

from budgets.models import Budget, BudgetEntry
from budgets.services import budget_available_minor
from p2p.submit_to_order import requisition_cancel, requisition_submit, requisition_withdraw
from procurement.models import CostCentre, Employee, LegalEntity
from procurement.money import Money
from requisitions.errors import RequisitionError
from requisitions.services import (
    SplitSpec,
    requisition_create,
    requisition_line_add_free_text,
    requisition_line_splits_set,
    requisition_status_move,
)
from tests.approvals.helpers import decide, open_tasks
from tests.factories import api_token

pytestmark = pytest.mark.usefixtures("budgets")


def alice() -> Employee:
    return Employee.objects.select_related("user").get(user__username="alice")


def lab_cart(amount: str, currency: str = "EUR", centre: str = "FR-LAB"):
    requester = alice()
    cart = requisition_create(by=requester, legal_entity=LegalEntity.objects.get(code="ACME-FR"))
    requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description="Reagents",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal(amount), currency),
        cost_centre=CostCentre.objects.get(code=centre),
    )
    cart.refresh_from_db()
    return cart


def left(code: str) -> Money:
    budget = Budget.objects.get(cost_centre__code=code)
    return Money.from_minor(budget_available_minor(budget=budget), budget.currency)


def test_a_hard_stop_refuses_with_the_numbers_and_keeps_nothing():
    assert left("FR-LAB") == Money(Decimal("1000.00"), "EUR")
    cart = lab_cart("1200")
    with pytest.raises(RequisitionError) as error:
        requisition_submit(requisition=cart, by=alice())
    assert error.value.code == "budget_exceeded"
    assert "FR-LAB" in error.value.message and "1,000.00\xa0EUR left" in error.value.message
    assert "1,200.00\xa0EUR" in error.value.message
    cart.refresh_from_db()
    assert cart.status == "draft" and left("FR-LAB") == Money(Decimal("1000.00"), "EUR")


@pytest.mark.parametrize("way_out", ["reject", "return", "withdraw", "cancel"])
def test_a_pre_commitment_is_released_on_every_way_out(way_out):
    cart = lab_cart("900")
    requisition = requisition_submit(requisition=cart, by=alice())
    assert left("FR-LAB") == Money(Decimal("100.00"), "EUR")
    entry = BudgetEntry.objects.get(requisition=requisition)
    assert (entry.kind, entry.amount_minor, entry.rate) == ("precommitment", 90000, Decimal(1))
    if way_out == "withdraw":
        requisition_withdraw(requisition=requisition, by=alice())
    elif way_out == "cancel":
        requisition_status_move(requisition=requisition, to_status="returned", by=None)
        requisition_cancel(requisition=requisition, by=alice())
    else:
        [approver] = open_tasks(requisition)
        decide(requisition, approver, way_out, comment="Not now")
    assert left("FR-LAB") == Money(Decimal("1000.00"), "EUR")
    kinds = list(BudgetEntry.objects.filter(requisition=requisition).values_list("kind", "amount_minor"))
    assert kinds == [("precommitment", 90000), ("release", -90000)]


def test_a_returned_requisition_pre_commits_again_when_resubmitted():
    requisition = requisition_submit(requisition=lab_cart("600"), by=alice())
    [approver] = open_tasks(requisition)
    decide(requisition, approver, "return", comment="Add a quote")
    requisition_submit(requisition=requisition, by=alice())
    assert left("FR-LAB") == Money(Decimal("400.00"), "EUR")


def test_a_warn_budget_lets_it_through_and_says_so(budgets):
    # Given FR-ENG warns only, and has 100 EUR
    Budget.objects.filter(pk=budgets.engineering.pk).update(amount_minor=100_00)
    # When alice submits 500 EUR on it
    requisition = requisition_submit(requisition=lab_cart("500", centre="FR-ENG"), by=alice())
    # Then it goes on to approval, with a warning in its history, and the budget is 400 EUR over
    assert requisition.status == "in_approval"
    warning = requisition.events.get(data__budget_warning=True)
    assert "FR-ENG" in warning.comment and "100.00\xa0EUR left" in warning.comment
    assert left("FR-ENG") == Money(Decimal("-400.00"), "EUR")


def test_each_split_is_checked_against_its_own_budget():
    cart = lab_cart("1600", centre="FR-ENG")
    line = cart.lines.get()
    requisition_line_splits_set(
        line=line,
        by=alice(),
        splits=[
            SplitSpec(CostCentre.objects.get(code="FR-ENG"), Decimal(50)),
            SplitSpec(CostCentre.objects.get(code="FR-LAB"), Decimal(50)),
        ],
    )
    requisition_submit(requisition=cart, by=alice())
    assert left("FR-LAB") == Money(Decimal("200.00"), "EUR")  # 800 of the 1,600


def test_other_currencies_are_converted_at_the_stored_rate_which_is_recorded():
    requisition = requisition_submit(requisition=lab_cart("1125", currency="SEK"), by=alice())
    entry = BudgetEntry.objects.get(requisition=requisition)
    assert (entry.amount_minor, entry.source_amount_minor, entry.source_currency) == (10000, 112500, "SEK")
    assert entry.rate.quantize(Decimal("0.0001")) == Decimal("0.0889")


def test_every_matching_budget_must_have_room_and_tolerance_counts():
    lab = Budget.objects.get(cost_centre__code="FR-LAB")
    today = date.today()
    Budget.objects.create(
        legal_entity=lab.legal_entity,
        cost_centre=lab.cost_centre,
        period_label="month",
        period_start=today.replace(day=1),
        period_end=today.replace(day=28) if today.day <= 28 else today,
        amount_minor=50000,
        currency="EUR",
        control=Budget.Control.HARD,
        tolerance_percent=Decimal(10),
    )
    with pytest.raises(RequisitionError, match="month"):
        requisition_submit(requisition=lab_cart("600"), by=alice())
    requisition_submit(requisition=lab_cart("550"), by=alice())  # 500 + 10 % tolerance


def test_budgets_api_shows_what_is_left_for_the_callers_entities_only(api_client):
    requisition_submit(requisition=lab_cart("250"), by=alice())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice().user)}")
    rows = api_client.get("/api/v1/budgets/", {"legal_entity": "ACME-FR"}).json()["results"]
    lab = next(row for row in rows if row["cost_centre"] == "FR-LAB")
    assert {k: lab[k] for k in ("legal_entity", "amount", "available", "currency", "control", "precommitted")} == {
        "legal_entity": "ACME-FR",
        "amount": "20000.00",
        "available": "750.00",
        "currency": "EUR",
        "control": "hard",
        "precommitted": "250.00",
    }
    from tests.factories import EmployeeFactory

    swede = EmployeeFactory(legal_entities=[LegalEntity.objects.get(code="ACME-SE")])  # SE-ENG and SE-OPS
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(swede.user)}")
    codes = {row["cost_centre"] for row in api_client.get("/api/v1/budgets/").json()["results"]}
    assert codes == {"SE-ENG", "SE-OPS"}


def test_an_order_turns_the_pre_commitment_into_a_commitment_and_cancelling_gives_it_back():
    from budgets.selectors import budget_use
    from budgets.services import funds_commit, funds_commitment_release, requisition_charges
    from procurement.models import ExchangeRate

    requisition = requisition_submit(requisition=lab_cart("1125", currency="SEK"), by=alice())
    charges = requisition_charges(requisition=requisition)
    funds_commit(requisition=requisition, charges=charges, by=None, note="PO-ACME-FR-000001")
    lab = Budget.objects.get(cost_centre__code="FR-LAB")
    use = budget_use(budget=lab)
    assert (use.precommitted, use.committed, use.available) == (0, 10000, 100000 - 10000)
    # The rate moves before the order line is cancelled: the release uses the rate it was committed at.
    ExchangeRate.objects.create(from_currency="SEK", to_currency="EUR", rate=Decimal("0.5"), valid_from=date.today())
    funds_commitment_release(requisition=requisition, charges=charges, by=None, note="PO line 1 cancelled")
    use = budget_use(budget=lab)
    assert (use.precommitted, use.committed, use.available) == (0, 0, 100000)
    kinds = list(BudgetEntry.objects.filter(requisition=requisition).values_list("kind", "amount_minor"))
    assert kinds == [
        ("precommitment", 10000),
        ("release", -10000),
        ("commitment", 10000),
        ("commitment_release", -10000),
    ]
    # A later exit of the requisition has nothing left to release: the order owns the money now.
    from budgets.services import funds_release

    assert funds_release(requisition=requisition, by=None, reason="withdrawn") == []
