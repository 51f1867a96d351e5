"""An approval chain moves only along its table, and every move leaves one audit event with where it came from
and where it went."""

import pytest

from approvals.errors import ApprovalChainTransitionNotAllowed
from approvals.models import ApprovalChain
from approvals.transitions import ALLOWED, approval_chain_status_move, approval_chains_status_move
from p2p.submit_to_order import requisition_withdraw
from procurement.models import AuditEvent
from requisitions.models import Requisition

from .helpers import cart_of, decide, person, submitted

S = ApprovalChain.Status


def logged(chain: ApprovalChain) -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(
        event_type="approvals.chain.status", object_type="approvals.ApprovalChain", object_id=str(chain.pk)
    ).order_by("pk")
    return [(event.data["from"], event.data["to"]) for event in events]


def chain_in(requisition: Requisition, status: str) -> ApprovalChain:
    return ApprovalChain.objects.create(requisition=requisition, status=status, total_minor=100_00, currency="EUR")


def test_every_move_of_the_table_logs_one_event_and_every_other_is_refused(acme):
    requisition = cart_of("alice", "100")
    for from_status in S.values:
        for to_status in S.values:
            if to_status == from_status:
                continue
            chain = chain_in(requisition, from_status)
            if to_status in ALLOWED[from_status]:
                approval_chain_status_move(chain=chain, to_status=to_status, by=person("bob"), comment="Test")
                chain.refresh_from_db()
                assert chain.status == to_status
                assert logged(chain) == [(from_status, to_status)]
                event = AuditEvent.objects.get(event_type="approvals.chain.status", object_id=str(chain.pk))
                assert event.data == {"from": from_status, "to": to_status, "comment": "Test"}
                assert event.actor == person("bob").user
                assert event.legal_entity_id == requisition.legal_entity_id
            else:
                with pytest.raises(ApprovalChainTransitionNotAllowed) as refused:
                    approval_chain_status_move(chain=chain, to_status=to_status, by=None)
                assert refused.value.code == "transition_not_allowed"
                assert refused.value.status == 409
                chain.refresh_from_db()
                assert chain.status == from_status
                assert logged(chain) == []


def test_a_refused_move_names_both_statuses(acme):
    chain = chain_in(cart_of("alice", "100"), S.APPROVED)

    with pytest.raises(ApprovalChainTransitionNotAllowed) as refused:
        approval_chain_status_move(chain=chain, to_status=S.PENDING, by=None)

    assert refused.value.message == "The approval chain is approved: it cannot become pending."


def test_the_pending_chains_of_a_requisition_move_together_and_each_logs_one_event(acme):
    requisition = cart_of("alice", "100")
    first, second = chain_in(requisition, S.PENDING), chain_in(requisition, S.PENDING)
    returned = chain_in(requisition, S.RETURNED)

    moved = approval_chains_status_move(
        requisition=requisition, from_status=S.PENDING, to_status=S.SUPERSEDED, by=None, comment="Again"
    )

    assert moved == [first.pk, second.pk]
    assert logged(first) == logged(second) == [(S.PENDING, S.SUPERSEDED)]
    assert logged(returned) == []
    assert list(
        ApprovalChain.objects.filter(requisition=requisition).order_by("pk").values_list("status", flat=True)
    ) == [
        S.SUPERSEDED,
        S.SUPERSEDED,
        S.RETURNED,
    ]


def test_a_batch_move_the_table_does_not_allow_is_refused_and_writes_nothing(acme):
    requisition = cart_of("alice", "100")
    chain = chain_in(requisition, S.WITHDRAWN)

    with pytest.raises(ApprovalChainTransitionNotAllowed):
        approval_chains_status_move(requisition=requisition, from_status=S.WITHDRAWN, to_status=S.PENDING, by=None)

    chain.refresh_from_db()
    assert chain.status == S.WITHDRAWN and logged(chain) == []


def test_an_approved_requisition_s_chain_logs_pending_to_approved_by_the_last_approver(acme):
    requisition = submitted("5000")
    decide(requisition, "bob")
    decide(requisition, "carol", comment="Go ahead")

    chain = ApprovalChain.objects.get(requisition=requisition)
    assert chain.status == S.APPROVED
    assert logged(chain) == [(S.PENDING, S.APPROVED)]
    event = AuditEvent.objects.get(event_type="approvals.chain.status", object_id=str(chain.pk))
    assert event.actor == person("carol").user
    assert event.data["comment"] == "Go ahead"


def test_a_withdrawn_requisition_s_chain_logs_pending_to_withdrawn(acme):
    requisition = submitted("500")

    requisition_withdraw(requisition=requisition, by=person("alice"))

    chain = ApprovalChain.objects.get(requisition=requisition)
    assert chain.status == S.WITHDRAWN
    assert logged(chain) == [(S.PENDING, S.WITHDRAWN)]
