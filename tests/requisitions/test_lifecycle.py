"""A requisition's life: every status move the table allows works, every other is refused and changes nothing."""

from decimal import Decimal
from itertools import product

import pytest
from django.utils import timezone

from p2p.submit_to_order import requisition_cancel, requisition_submit, requisition_withdraw
from procurement.money import Money
from punchout.cart_lines import IncomingLine
from requisitions.errors import (
    NotRequester,
    RequisitionError,
    RequisitionNotEditable,
    SubmissionInvalid,
    TransitionNotAllowed,
)
from requisitions.models import Requisition, RequisitionEvent
from requisitions.models import RequisitionStatus as S
from requisitions.services import (
    requisition_copy,
    requisition_line_add_free_text,
    requisition_lines_replace_external,
    requisition_status_move,
    requisition_update,
)
from requisitions.transitions import ALLOWED
from tests.factories import EmployeeFactory


def set_status(requisition: Requisition, status: str) -> Requisition:
    Requisition.objects.filter(pk=requisition.pk).update(status=status)
    requisition.refresh_from_db()
    return requisition


@pytest.mark.parametrize(("from_status", "to_status"), list(product(S.values, S.values)))
def test_every_status_move_follows_the_table(filled_cart, requester, from_status, to_status):
    set_status(filled_cart, from_status)
    if to_status in ALLOWED[from_status]:
        requisition_status_move(requisition=filled_cart, to_status=to_status, by=requester, comment="why")
        filled_cart.refresh_from_db()
        assert filled_cart.status == to_status
        event = filled_cart.events.get(kind=RequisitionEvent.Kind.STATUS)
        assert (event.from_status, event.to_status, event.comment, event.actor) == (
            from_status,
            to_status,
            "why",
            requester.user,
        )
    else:
        with pytest.raises(TransitionNotAllowed):
            requisition_status_move(requisition=filled_cart, to_status=to_status, by=requester)
        filled_cart.refresh_from_db()
        assert filled_cart.status == from_status
        assert not filled_cart.events.filter(kind=RequisitionEvent.Kind.STATUS).exists()


def test_submit_moves_a_valid_cart_on_and_stamps_it(filled_cart, requester):
    submitted = requisition_submit(requisition=filled_cart, by=requester)
    assert submitted.status == S.IN_APPROVAL and submitted.submitted_at is not None  # with the requester's manager
    assert submitted.total == Money(Decimal("54.98"), "EUR")  # 10 × 1.50 + 2 × 19.99


def test_an_empty_cart_cannot_be_submitted(cart, requester):
    with pytest.raises(SubmissionInvalid, match="no lines"):
        requisition_submit(requisition=cart, by=requester)
    cart.refresh_from_db()
    assert cart.status == S.DRAFT


def test_a_free_text_line_without_price_blocks_submission(cart, requester):
    requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description="Repair",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal(0), "EUR"),
    )
    with pytest.raises(SubmissionInvalid, match="Line 1: a free-text line needs a price"):
        requisition_submit(requisition=cart, by=requester)


def test_a_line_in_a_currency_without_rate_blocks_submission(cart, requester):
    # A typed free-text price is refused at once (issue 13, defect 15); a shop's line is taken and blocks submission.
    with pytest.raises(RequisitionError, match="No exchange rate from JPY to EUR"):
        requisition_line_add_free_text(
            requisition=cart,
            by=requester,
            description="Yen thing",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal(500), "JPY"),
        )
    requisition_lines_replace_external(
        requisition=cart,
        by=requester,
        lines=[IncomingLine("Yen thing", Decimal(1), "EA", Money(Decimal(500), "JPY"), None)],
    )
    with pytest.raises(SubmissionInvalid, match="No exchange rate from JPY to EUR"):
        requisition_submit(requisition=cart, by=requester)


def test_a_submitted_requisition_cannot_be_edited(filled_cart, requester):
    requisition_submit(requisition=filled_cart, by=requester)
    with pytest.raises(RequisitionNotEditable, match="in approval"):
        requisition_update(requisition=filled_cart, by=requester, fields={"title": "changed"})
    with pytest.raises(RequisitionNotEditable):
        requisition_line_add_free_text(
            requisition=filled_cart,
            by=requester,
            description="x",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal(1), "EUR"),
        )


def test_a_returned_requisition_is_edited_with_history_and_resubmitted(filled_cart, requester):
    requisition_submit(requisition=filled_cart, by=requester)
    requisition_status_move(requisition=filled_cart, to_status=S.RETURNED, by=None, comment="Add a justification")
    requisition_update(requisition=filled_cart, by=requester, fields={"justification": "For the new team"})
    resubmitted = requisition_submit(requisition=filled_cart, by=requester)
    assert resubmitted.status == S.IN_APPROVAL
    edit = resubmitted.events.get(kind=RequisitionEvent.Kind.EDITED)
    assert edit.data["changes"]["justification"] == ["", "For the new team"]
    assert list(resubmitted.events.filter(kind="status").values_list("to_status", flat=True)) == [
        "submitted",
        "in_approval",
        "returned",
        "submitted",
        "in_approval",
    ]


@pytest.mark.parametrize("status", [S.SUBMITTED, S.IN_APPROVAL, S.RETURNED])
def test_the_requester_withdraws_before_final_approval(filled_cart, requester, status):
    set_status(filled_cart, status)
    assert requisition_withdraw(requisition=filled_cart, by=requester, comment="not needed").status == S.WITHDRAWN


@pytest.mark.parametrize("status", [S.DRAFT, S.APPROVED, S.ORDERED, S.REJECTED, S.CLOSED, S.CANCELLED])
def test_withdrawing_is_refused_otherwise(filled_cart, requester, status):
    set_status(filled_cart, status)
    with pytest.raises(TransitionNotAllowed):
        requisition_withdraw(requisition=filled_cart, by=requester)
    filled_cart.refresh_from_db()
    assert filled_cart.status == status


def test_only_the_requester_submits_or_withdraws(filled_cart, france):
    stranger = EmployeeFactory(legal_entities=[france])
    with pytest.raises(NotRequester):
        requisition_submit(requisition=filled_cart, by=stranger)
    set_status(filled_cart, S.SUBMITTED)
    with pytest.raises(NotRequester):
        requisition_withdraw(requisition=filled_cart, by=stranger)


def test_a_buyer_may_cancel_an_approved_requisition_but_a_colleague_may_not(filled_cart, france):
    set_status(filled_cart, S.APPROVED)
    with pytest.raises(NotRequester):
        requisition_cancel(requisition=filled_cart, by=EmployeeFactory(legal_entities=[france]))
    buyer = EmployeeFactory(legal_entities=[france], roles=["buyer"])
    assert requisition_cancel(requisition=filled_cart, by=buyer, comment="duplicate").status == S.CANCELLED


def test_copy_makes_a_new_cart_at_todays_prices(filled_cart, requester, items):
    requisition_submit(requisition=filled_cart, by=requester)
    items["PEN-1"].base_price_minor = 200
    items["PEN-1"].save()
    copy = requisition_copy(requisition=filled_cart, by=requester)
    assert copy.status == S.DRAFT and copy.number != filled_cart.number and copy.copied_from == filled_cart
    assert [(line.supplier_part_id, line.quantity, line.unit_price_minor) for line in copy.lines.all()] == [
        ("PEN-1", Decimal(10), 200),
        ("INK-1", Decimal(2), 1999),
    ]
    assert copy.total == Money(Decimal("59.98"), "EUR")


def test_numbers_count_up_per_legal_entity(requester, france, sweden):
    from requisitions.services import requisition_create

    numbers = [requisition_create(by=requester, legal_entity=entity).number for entity in (france, france, sweden)]
    assert numbers == ["REQ-FR-TEST-000001", "REQ-FR-TEST-000002", "REQ-SE-TEST-000001"]


def test_a_budget_hard_stop_refuses_submission_and_nothing_is_kept(filled_cart, requester, france):
    from budgets.models import Budget, BudgetEntry
    from budgets.services import BudgetSpec, budget_save

    budget, _ = budget_save(
        spec=BudgetSpec(
            legal_entity=france,
            cost_centre=requester.default_cost_centre,
            period=f"{timezone.localdate():%Y-%m}",
            amount=Money(Decimal("10.00"), "EUR"),
            control=Budget.Control.HARD,
        )
    )
    with pytest.raises(RequisitionError) as error:
        requisition_submit(requisition=filled_cart, by=requester)
    assert error.value.code == "budget_exceeded"
    filled_cart.refresh_from_db()
    assert filled_cart.status == S.DRAFT and filled_cart.submitted_at is None
    assert filled_cart.budget_exception == ""
    assert not filled_cart.events.filter(kind="status").exists()
    assert not BudgetEntry.objects.filter(budget=budget).exists()


def test_a_requisition_no_approver_is_needed_for_is_approved_and_ordered(filled_cart, requester):
    from approvals.models import PurchasingRule
    from approvals.services import purchasing_rule_save

    purchasing_rule_save(
        rule=PurchasingRule(
            name="Office things need no approval", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE
        )
    )
    submitted = requisition_submit(requisition=filled_cart, by=requester)
    assert submitted.status == S.ORDERED
    assert list(submitted.events.filter(kind="status").order_by("pk").values_list("to_status", flat=True)) == [
        "submitted",
        "approved",
        "ordered",
    ]
    assert [(order.supplier.code, order.total_minor) for order in submitted.purchase_orders.all()] == [("OFFICE", 5498)]
