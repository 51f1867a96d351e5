"""Two approvers of an any-of stage decide at the same moment: exactly one decision counts (PostgreSQL)."""

from decimal import Decimal

import pytest

from approvals.errors import ApprovalError
from approvals.models import ApprovalStepApprover, PurchasingRule
from approvals.services import purchasing_rule_save
from p2p.submit_to_order import approval_decide, requisition_submit
from requisitions.services import CatalogPick, requisition_create, requisition_lines_add_from_catalog
from tests.concurrency import run_concurrently

from .helpers import decide, open_tasks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_any_of_with_two_approvers_at_the_same_moment_gives_one_decision(acme, it_reviewers, it_item):
    # Given an IT item of alice's that bob approved: it waits for any one of the IT reviewers ivan and ines
    # Final approval makes the orders and holds them for a buyer: the requisition stays `approved`.
    purchasing_rule_save(
        rule=PurchasingRule(name="Buyers check every order", position=99, effect=PurchasingRule.Effect.HOLD_FOR_BUYER)
    )
    alice, ivan, ines = acme.alice, it_reviewers.ivan, it_reviewers.ines
    cart = requisition_create(by=alice, legal_entity=acme.france)
    requisition_lines_add_from_catalog(
        requisition=cart, by=alice, picks=[CatalogPick(item=it_item, quantity=Decimal(1))]
    )
    requisition = requisition_submit(requisition=cart, by=alice)
    decide(requisition, "bob")
    tasks = open_tasks(requisition)
    assert set(tasks) == {"ines", "ivan"}

    # When both approve at the same moment

    results = run_concurrently(
        [
            lambda: approval_decide(task_id=tasks["ivan"], by=ivan, decision="approve"),
            lambda: approval_decide(task_id=tasks["ines"], by=ines, decision="approve"),
        ]
    )

    # Then exactly one decision counts and the other is told it came too late
    decided = [r for r in results if isinstance(r, ApprovalStepApprover)]
    refused = [r for r in results if isinstance(r, ApprovalError)]
    assert len(decided) == 1 and len(refused) == 1, results
    assert refused[0].code == "already_decided"
    assert refused[0].message == "This approval has already been decided."
    requisition.refresh_from_db()
    assert requisition.status == "approved"
    assert (
        ApprovalStepApprover.objects.filter(step__chain__requisition=requisition, status="approved").count() == 2
    )  # bob + the winner
