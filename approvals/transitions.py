"""The table of allowed status moves of an approval chain, and the one way each moves.

A chain starts pending and ends once: approved, rejected or returned (its process ended), withdrawn (the
requisition was withdrawn or cancelled; the invoice matched after all) or superseded (a resubmission, or a
changed invoice exception, resolved a new chain). Nothing changes a chain's status except
`approval_chain_status_move` (one chain) and `approval_chains_status_move` (the pending chains of a requisition
or of an invoice, in one conditional update): both check the table and write one audit event
(`approvals.chain.status`, with from, to and comment) per chain moved, in the same transaction.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import Employee
from procurement.sql import sql_update_and_insert
from procurement.status_moves import StatusTable, status_move_event, status_move_log
from requisitions.models import Requisition

from .errors import ApprovalChainTransitionNotAllowed
from .models import ApprovalChain

S = ApprovalChain.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.APPROVED, S.REJECTED, S.RETURNED, S.WITHDRAWN, S.SUPERSEDED}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.RETURNED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.SUPERSEDED: frozenset(),
}
INITIAL = frozenset({S.PENDING})


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


TABLE = StatusTable(allowed=ALLOWED, labels=S, what=gettext_lazy("approval chain"), event_type="approvals.chain.status")


def approval_chain_status_move(
    *, chain: ApprovalChain, to_status: str, by: Employee | None, comment: str = ""
) -> ApprovalChain:
    """Move the chain to `to_status` if the table allows it, and log the move.

    Staying in the same status is no move: nothing is written. A move the table does not allow raises
    `ApprovalChainTransitionNotAllowed`.
    """
    from_status = chain.status
    if from_status == to_status:
        return chain
    if not TABLE.allows(from_status, to_status):
        raise ApprovalChainTransitionNotAllowed(TABLE.refusal(from_status, to_status))
    chain.status = to_status
    event = status_move_event(
        table=TABLE,
        obj=chain,
        from_status=from_status,
        to_status=to_status,
        actor=by.user if by else None,
        legal_entity=chain.legal_entity,
        comment=comment,
    )
    # What `status_move` writes (the status saved, its audit event), built as text: one statement on PostgreSQL.
    with transaction.atomic(savepoint=False):
        sql_update_and_insert(chain, ["status"], [event])
    return chain


def approval_chains_status_move(
    *,
    requisition: Requisition | None = None,
    invoice_id: int | None = None,
    from_status: str,
    to_status: str,
    by: Employee | None,
    comment: str = "",
) -> list[int]:
    """Move the chains of the requisition (or of the invoice `invoice_id`) in `from_status` to `to_status` in one
    conditional update, and log each chain it moved. Returns the ids of the chains moved.

    The chains are locked first (in id order), so the ones the update moves are exactly the ones read: the
    row count confirms it. A move the table does not allow raises `ApprovalChainTransitionNotAllowed`.
    """
    if not TABLE.allows(from_status, to_status):
        raise ApprovalChainTransitionNotAllowed(TABLE.refusal(from_status, to_status))
    if (requisition is None) == (invoice_id is None):
        raise ValueError(_("Name a requisition or an invoice."))
    # Refused above without a transaction; inside the caller's, no savepoint of its own.
    with transaction.atomic(savepoint=False):
        return _chains_move(requisition, invoice_id, from_status, to_status, by, comment)


def _chains_move(
    requisition: Requisition | None,
    invoice_id: int | None,
    from_status: str,
    to_status: str,
    by: Employee | None,
    comment: str,
) -> list[int]:
    subject = {"requisition": requisition} if requisition is not None else {"invoice_id": invoice_id}
    chains = list(
        ApprovalChain.objects.select_for_update(of=("self",))
        .select_related("invoice__legal_entity")
        .filter(status=from_status, **subject)
        .order_by("pk")
    )
    ids = [chain.pk for chain in chains]
    if len(chains) == 1:
        # The usual case: the one chain's move and its audit event in one statement on PostgreSQL, as
        # `approval_chain_status_move` writes them (the row is locked above: its status is the one read).
        (chain,) = chains
        chain.status = to_status
        event = status_move_event(
            table=TABLE,
            obj=chain,
            from_status=from_status,
            to_status=to_status,
            actor=by.user if by else None,
            legal_entity=requisition.legal_entity if requisition is not None else chain.legal_entity,
            comment=comment,
        )
        sql_update_and_insert(chain, ["status"], [event])
        return ids
    moved = ApprovalChain.objects.filter(pk__in=ids, status=from_status).update(status=to_status)
    assert moved == len(ids), (moved, ids)
    for chain in chains:
        chain.status = to_status
        status_move_log(
            table=TABLE,
            obj=chain,
            from_status=from_status,
            to_status=to_status,
            actor=by.user if by else None,
            legal_entity=requisition.legal_entity if requisition is not None else chain.legal_entity,
            comment=comment,
        )
    return ids
