"""A hard stop is overridden only by a budget-exception stage that a purchasing rule adds, never silently."""

from decimal import Decimal

import pytest

from approvals.models import ApprovalChain, PurchasingRule
from approvals.services import purchasing_rule_save
from budgets.models import BudgetEntry
from p2p.submit_to_order import requisition_submit
from procurement.models import CostCentre, Employee, Role
from procurement.money import Money
from requisitions.errors import RequisitionError
from requisitions.models import Requisition, RequisitionEvent, RequisitionStatus
from tests.approvals.helpers import decide, open_tasks

from .test_funds import alice, lab_cart, left

pytestmark = pytest.mark.usefixtures("budgets")


@pytest.fixture
def lab_exception_rule():
    rule = PurchasingRule(
        name="Lab overruns go to finance",
        position=1,
        effect=PurchasingRule.Effect.BUDGET_EXCEPTION,
        cost_centre=CostCentre.objects.get(code="FR-LAB"),
        role=PurchasingRule.RoleChoice.FINANCE,
    )
    return purchasing_rule_save(rule=rule)


def test_without_an_exception_rule_the_hard_stop_refuses():
    with pytest.raises(RequisitionError) as error:
        requisition_submit(requisition=lab_cart("1200"), by=alice())
    assert error.value.code == "budget_exceeded"
    assert left("FR-LAB") == Money(Decimal("1000.00"), "EUR")
    assert (
        not BudgetEntry.objects.filter(kind=BudgetEntry.Kind.PRECOMMITMENT)
        .exclude(requisition=None)
        .filter(budget__cost_centre__code="FR-LAB")
    )


def test_an_exception_rule_sends_the_overrun_to_finance_first(lab_exception_rule):
    requisition = requisition_submit(requisition=lab_cart("1200"), by=alice())
    assert requisition.status == RequisitionStatus.IN_APPROVAL
    assert "FR-LAB" in requisition.budget_exception and "1,000.00\xa0EUR left" in requisition.budget_exception
    chain = ApprovalChain.objects.get(requisition=requisition, status=ApprovalChain.Status.PENDING)
    steps = list(chain.steps.order_by("position"))
    assert steps[0].name == "Budget exception: Lab overruns go to finance"
    assert "1,200.00\xa0EUR" in steps[0].reason
    assert [a.approver.user.username for a in steps[0].approvers.all()] == ["erin"]
    assert set(open_tasks(requisition)) == {"erin"}  # finance decides before anyone else spends time on it
    # The overrun is held, visibly: the ledger marks it and the budget shows 200 EUR over.
    entry = BudgetEntry.objects.get(requisition=requisition, kind=BudgetEntry.Kind.PRECOMMITMENT)
    assert entry.over_limit and entry.amount_minor == 120000
    assert left("FR-LAB") == Money(Decimal("-200.00"), "EUR")
    assert RequisitionEvent.objects.filter(requisition=requisition, data__budget_exception=True).exists()


def test_finance_approving_the_exception_moves_it_on_and_rejecting_gives_the_money_back(lab_exception_rule):
    approved = requisition_submit(requisition=lab_cart("1200"), by=alice())
    decide(approved, "erin", "approve")
    assert set(open_tasks(approved)) == {"bob"}  # then the ordinary chain
    refused = requisition_submit(requisition=lab_cart("50"), by=alice())
    # The budget is spent now: a second overrun also needs finance, and finance says no.
    assert refused.status == RequisitionStatus.IN_APPROVAL and refused.budget_exception
    decide(refused, "erin", "reject", comment="No more lab money this year")
    refused.refresh_from_db()
    assert refused.status == RequisitionStatus.REJECTED
    assert left("FR-LAB") == Money(Decimal("-200.00"), "EUR")


def test_a_requisition_within_the_budget_never_gets_the_exception_stage(lab_exception_rule):
    requisition = requisition_submit(requisition=lab_cart("300"), by=alice())
    assert requisition.budget_exception == ""
    chain = ApprovalChain.objects.get(requisition=requisition)
    assert not chain.steps.filter(name__startswith="Budget exception").exists()


def test_a_returned_requisition_brought_within_budget_loses_its_exception(lab_exception_rule):
    requisition = requisition_submit(requisition=lab_cart("1200"), by=alice())
    decide(requisition, "erin", "return", comment="Split it across two years")
    requisition.lines.update(unit_price_minor=80000, total_minor=80000)
    Requisition.objects.filter(pk=requisition.pk).update(total_minor=80000)
    again = requisition_submit(requisition=requisition, by=alice())
    assert again.budget_exception == ""
    assert left("FR-LAB") == Money(Decimal("200.00"), "EUR")
    assert not BudgetEntry.objects.filter(requisition=requisition, kind=BudgetEntry.Kind.PRECOMMITMENT).filter(
        over_limit=True, created_at__gt=again.submitted_at
    )


def test_without_an_approval_chain_that_routes_exceptions_the_budget_check_refuses_by_itself(lab_exception_rule):
    from budgets.services import funds_precommit

    cart = lab_cart("1200")
    with pytest.raises(RequisitionError) as error:
        funds_precommit(requisition=cart, by=alice())
    assert error.value.code == "budget_exceeded"
    assert left("FR-LAB") == Money(Decimal("1000.00"), "EUR")


def test_an_exception_rule_naming_no_one_refuses_with_the_budget_numbers():
    purchasing_rule_save(
        rule=PurchasingRule(
            name="Lab overruns to buyers",
            position=1,
            effect=PurchasingRule.Effect.BUDGET_EXCEPTION,
            cost_centre=CostCentre.objects.get(code="FR-LAB"),
            role=PurchasingRule.RoleChoice.BUYER,
        )
    )
    for buyer in Employee.objects.filter(roles__code=Role.BUYER):
        buyer.roles.remove(Role.BUYER)
    with pytest.raises(RequisitionError) as error:
        requisition_submit(requisition=lab_cart("1200"), by=alice())
    assert error.value.code == "budget_exceeded" and "names no one" in error.value.message
