"""Who signs: the rules and hierarchy of the test company give the chains DESIGN.md describes, nobody else signs."""

from decimal import Decimal

import pytest

from approvals.chain import approval_chain_resolve
from approvals.models import ApprovalChain, ApprovalMode, PurchasingRule
from approvals.services import purchasing_rule_save
from p2p.submit_to_order import requisition_submit, requisition_withdraw
from procurement.money import Money
from requisitions.errors import RequisitionError
from requisitions.services import (
    CatalogPick,
    requisition_create,
    requisition_line_add_free_text,
    requisition_lines_add_from_catalog,
)
from tests.factories import EmployeeFactory

from .helpers import cart_of, person


def chain_names(requisition) -> list[list[str]]:
    return [
        [p.user.username for p in stage.approvers] for stage in approval_chain_resolve(requisition=requisition).stages
    ]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("500", [["bob"]]),
        ("5000", [["bob"], ["carol"]]),
        ("25000", [["bob"], ["carol"], ["dave"], ["erin"]]),
    ],
)
def test_chains_by_amount(acme, amount, expected):
    assert chain_names(cart_of("alice", amount)) == expected


def test_an_it_item_adds_the_it_reviewers_any_of(acme, it_item):
    alice = acme.alice
    cart = requisition_create(by=alice, legal_entity=acme.france)
    requisition_lines_add_from_catalog(
        requisition=cart, by=alice, picks=[CatalogPick(item=it_item, quantity=Decimal(2))]
    )
    cart.refresh_from_db()
    resolved = approval_chain_resolve(requisition=cart)
    assert [[p.user.username for p in s.approvers] for s in resolved.stages] == [["bob"], ["ines", "ivan"]]
    assert (
        resolved.stages[1].mode == ApprovalMode.ANY and resolved.stages[1].name == "IT equipment needs an IT reviewer"
    )


def test_the_requester_never_approves_their_own(acme, it_reviewers, it_item):
    ivan = it_reviewers.ivan
    cart = requisition_create(by=ivan, legal_entity=acme.france)
    requisition_lines_add_from_catalog(
        requisition=cart, by=ivan, picks=[CatalogPick(item=it_item, quantity=Decimal(1))]
    )
    cart.refresh_from_db()
    assert chain_names(cart) == [["carol"], ["ines"]]


def test_a_person_appears_once_at_their_first_stage(acme):
    erin_too = PurchasingRule(
        name="CFO sees everything", position=5, effect=PurchasingRule.Effect.NAMED_APPROVER, approver=acme.erin
    )
    purchasing_rule_save(rule=erin_too)
    assert chain_names(cart_of("alice", "25000")) == [["erin"], ["bob"], ["carol"], ["dave"]]


def test_swedish_totals_compare_with_converted_thresholds(acme):
    # 5,000 EUR is 56,250 SEK at the stored rate; 60,000 SEK is above it and needs finance
    assert chain_names(cart_of("alice", "50000", "ACME-SE", "SEK"))[-1] != ["erin"]
    assert chain_names(cart_of("alice", "60000", "ACME-SE", "SEK"))[-1] == ["erin"]


def test_skip_managers_without_authority_when_the_rule_says_so(acme):
    rule = acme.manager_chain
    rule.skip_insufficient = True
    purchasing_rule_save(rule=rule)
    assert chain_names(cart_of("alice", "5000")) == [["carol"]]


def test_submission_stores_the_chain_with_rule_versions_and_moves_into_approval(acme):
    rule = acme.manager_chain
    rule.name = "Managers sign"
    purchasing_rule_save(rule=rule)
    cart = cart_of("alice", "5000")
    submitted = requisition_submit(requisition=cart, by=person("alice"))
    assert submitted.status == "in_approval"
    chain = ApprovalChain.objects.get(requisition=cart)
    assert {"rule": rule.pk, "version": 2, "name": "Managers sign"} in chain.rule_versions
    assert [(s.position, s.name, s.rule_version, s.status) for s in chain.steps.all()] == [
        (1, "Manager: Bob Dubois", 2, "pending"),
        (2, "Manager: Carol Lefebvre", 2, "pending"),
    ]
    assert rule.versions.count() == 2

    requisition_withdraw(requisition=submitted, by=person("alice"))
    chain.refresh_from_db()
    assert chain.status == "withdrawn" and set(chain.steps.values_list("status", flat=True)) == {"cancelled"}


def test_a_block_rule_refuses_submission_with_its_message(acme):
    purchasing_rule_save(
        rule=PurchasingRule(
            name="No free text above 20,000",
            position=1,
            effect=PurchasingRule.Effect.BLOCK,
            line_source="free_text",
            min_amount_minor=2_000_000,
            message="Ask purchasing for a quote.",
        )
    )
    cart = cart_of("alice", "25000")
    with pytest.raises(RequisitionError) as error:
        requisition_submit(requisition=cart, by=person("alice"))
    assert (error.value.code, error.value.message) == ("blocked_by_rule", "Ask purchasing for a quote.")
    cart.refresh_from_db()
    assert cart.status == "draft"


def test_auto_approve_below_an_amount(acme):
    purchasing_rule_save(
        rule=PurchasingRule(
            name="Small purchases", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE, max_amount_minor=10_000
        )
    )
    assert requisition_submit(requisition=cart_of("alice", "99"), by=person("alice")).status == "approved"
    assert requisition_submit(requisition=cart_of("alice", "101"), by=person("alice")).status == "in_approval"


def test_no_eligible_approver_refuses_submission(acme):
    france = acme.france
    loner = EmployeeFactory(legal_entities=[france], default_cost_centre=france.cost_centres.get(code="FR-ENG"))
    cart = requisition_create(by=loner, legal_entity=france)
    requisition_line_add_free_text(
        requisition=cart,
        by=loner,
        description="x",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal(10), "EUR"),
    )
    with pytest.raises(RequisitionError) as error:
        requisition_submit(requisition=cart, by=loner)
    assert error.value.code == "no_eligible_approver"
    assert "manager chain may sign 10.00" in error.value.message


def test_resolution_costs_the_same_queries_at_depth_5_and_50(acme, it_reviewers):
    france = acme.france
    counts = []
    for depth in (5, 50):
        boss = EmployeeFactory(legal_entities=[france], signing_limit_minor=None)
        top = boss
        for _ in range(depth - 1):
            top = EmployeeFactory(
                legal_entities=[france], manager=top, signing_limit_minor=100, signing_limit_currency="EUR"
            )
        requester = EmployeeFactory(legal_entities=[france], manager=top)
        cart = requisition_create(by=requester, legal_entity=france)
        requisition_line_add_free_text(
            requisition=cart,
            by=requester,
            description="IT",
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal(30000), "EUR"),
            unspsc="43211503",
        )
        cart.refresh_from_db()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            resolved = approval_chain_resolve(requisition=cart)
        assert len(resolved.stages) == depth + 2  # the managers, IT reviewers, finance
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_rules_that_cannot_apply_are_not_even_read(acme, it_reviewers):
    sweden = acme.sweden
    PurchasingRule.objects.bulk_create(
        PurchasingRule(
            name=f"other {n}",
            position=500 + n,
            effect=PurchasingRule.Effect.ROLE,
            role="finance",
            legal_entity=sweden if n % 2 else None,
            unspsc_prefix="" if n % 2 else "99",
        )
        for n in range(200)
    )
    from approvals.chain import candidate_rules, requisition_facts

    cart = cart_of("alice", "500")
    assert {rule.name for rule in candidate_rules(requisition_facts(requisition=cart))} == {
        "Manager approval up to the signing limit",
        "Finance above 5,000 EUR",
    }
    assert chain_names(cart) == [["bob"]]
