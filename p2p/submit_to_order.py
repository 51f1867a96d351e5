"""From a submitted requisition to purchase orders on their way: the one place where the apps meet.

Read it top to bottom. Each step is an explicit call to the service of the app that owns the rows it
writes; no app calls back up into another, and there is no registry of callbacks.

    submit     requisitions: may it be submitted?  (locked until the submission commits)
               budgets:      funds checked and pre-committed (under the budget row locks)
               approvals:    the chain resolved once; refused if it cannot be walked
               requisitions: submitted
               approvals:    the chain stored, the process started (in approval) or approved outright
    decide     approvals:    the decision recorded, the process moved on
               last approval → final_approval; rejected or returned → requisition_exit
               (an invoice's exception chain: its end goes to the invoice, p2p.invoice_exceptions)
    final approval (in the approval's transaction)
               orders:       purchase orders made (held for a buyer when a rule says so), or issued with
                             revision 1 and its transmission row, sent after commit
               budgets:      per order issued, its amounts committed (the pre-commitment released)
               requisitions: the orders noted, and `ordered` when everything is ordered
               (a change requisition instead: the order change applied, its amounts committed, `ordered`)
    exits      rejected, returned, withdrawn, cancelled:
               budgets:      what the requisition holds released
               approvals:    (withdrawn, cancelled) pending chains end with their tasks and processes
               orders:       a pending order change refused, buyers told
    lines changed (a draft or returned requisition): requisitions refreshes its totals; no other app takes part
               until the requisition is submitted again.

Each entry point runs in one transaction: a refusal at any step keeps nothing. Network I/O never runs
inside it: a purchase order's transmission is queued with transaction.on_commit (orders.transmission).
Callers are the web and task edges (views, API, e-mail links, demo data, benchmarks); domain modules of
the apps never import this package.
"""

from django.db import transaction
from django.urls import reverse

from approvals import services as approvals
from approvals.chain import approval_chain_resolve
from approvals.models import ApprovalChain, ApprovalStepApprover
from approvals.outcomes import REQUISITION_OUTCOMES
from approvals.services import (
    AUTO_APPROVED_COMMENT,
    DecisionOrigin,
    approval_chain_create,
    approval_chain_submitted_status,
    approval_chains_end,
    approval_decision_lock,
    check_resolvable,
)
from budgets.services import OrderCommitment, funds_commit, funds_commit_orders, funds_precommit, funds_release
from notifications.models import Kind
from orders.buyers import buyers_notify
from orders.models import PurchaseOrder
from orders.order_changes import LineChange, order_change_apply, order_change_refuse, purchase_order_lines_change
from orders.selectors import order_change_pending, orders_of_approved
from orders.services import purchase_orders_create
from p2p.invoice_exceptions import invoice_exception_decided
from procurement.models import Employee
from requisitions.models import Requisition, RequisitionEvent, RequisitionStatus
from requisitions.services.lifecycle import (
    requisition_event_record,
    requisition_mark_cancelled,
    requisition_mark_submitted,
    requisition_mark_withdrawn,
    requisition_status_move,
    requisition_submit_check,
    requisition_writes_together,
)

# --- submit ----------------------------------------------------------------------------------------


@transaction.atomic
def requisition_submit(*, requisition: Requisition, by: Employee) -> Requisition:
    """Submit a draft or returned requisition: funds pre-committed, the chain stored, approval started (or
    the requisition approved outright and ordered)."""
    # 1. requisitions: the requester's, editable, with complete lines; its row stays locked until commit.
    requisition = requisition_submit_check(requisition=requisition, by=by)
    # Never submitted before: it has no approval chain yet (step 5 has none to supersede).
    submitted_before = requisition.submitted_at is not None
    # 2. budgets: check and pre-commit under the budget row locks. Over a hard stop it records the budget
    #    exception on the requisition instead of refusing: step 3 routes it to finance, or refuses it.
    funds_precommit(requisition=requisition, by=by, exceptions_routed=True)
    # 3. approvals: the chain, resolved once; refused when blocked, over budget with no exception stage, or
    #    with no one who may approve. The same resolved chain is stored in step 5.
    chain = approval_chain_resolve(requisition=requisition)
    check_resolvable(chain)
    # 4. requisitions: submitted, and at once in approval (or approved outright by a rule), in one update.
    then = approval_chain_submitted_status(chain)
    requisition_mark_submitted(
        requisition=requisition,
        by=by,
        then=then,
        then_comment=AUTO_APPROVED_COMMENT if then == RequisitionStatus.APPROVED else "",
    )
    # 5. approvals: the chain stored and its process started with the first stage's tasks, or approved outright.
    stored = approval_chain_create(requisition=requisition, resolved=chain, by=by, submitted_before=submitted_before)
    if stored.status == ApprovalChain.Status.APPROVED:
        final_approval(requisition=requisition, by=None)  # nobody decided: a purchasing rule did
        requisition.refresh_from_db()
    return requisition


# --- decide ----------------------------------------------------------------------------------------


def approval_decide(
    *, task_id: int, by: Employee, decision: str, comment: str = "", origin: DecisionOrigin | None = None
) -> ApprovalStepApprover:
    """An approver approves, rejects or returns (inbox, bulk, API, e-mail link). When the decision ends the
    chain, what follows runs in the same transaction, under the approval process lock. The requisition's status
    saves and change-log rows are written once, at the end (requisition_writes_together)."""
    with approval_decision_lock(task_id=task_id), requisition_writes_together():
        # 1. approvals: the decision recorded; the process moves to the next stage or ends, and the
        #    requisition takes the outcome (approved, rejected, returned).
        assignment = approvals.approval_decide(
            task_id=task_id, by=by, decision=decision, comment=comment, origin=origin
        )
        if assignment.step.chain.is_invoice:
            # An invoice on hold: when its chain ends, the invoice takes the outcome (p2p.invoice_exceptions).
            invoice_exception_decided(chain=assignment.step.chain, by=by, comment=assignment.comment)
            return assignment
        outcome = REQUISITION_OUTCOMES.get(assignment.step.chain.status)
        requisition = assignment.step.chain.requisition
        assert requisition is not None  # a chain decides a requisition or an invoice
        # 2. the last approval: orders; a rejection or a return: the requisition's way out.
        if outcome == RequisitionStatus.APPROVED:
            final_approval(requisition=requisition, by=by)
        elif outcome is not None:
            requisition_exit(requisition=requisition, to_status=outcome, by=by)
    return assignment


# --- final approval --------------------------------------------------------------------------------


def final_approval(*, requisition: Requisition, by: Employee | None) -> None:
    """The requisition is approved: its purchase orders (or, for a change requisition, the order change)."""
    on_orders = orders_of_approved(requisition=requisition)
    change = on_orders.change
    if change is not None:
        # A change requisition (a buyer raised quantities on an order): the change goes on the order in a
        # new revision (orders), the extra amounts are committed (budgets), and the requisition is ordered.
        applied = order_change_apply(change=change, by=by)
        funds_commit(
            requisition=requisition,
            charges=applied.charges,
            by=by,
            note=f"{applied.order.number} change",
            purchase_order=applied.order,
        )
        requisition_status_move(
            requisition=requisition,
            to_status=RequisitionStatus.ORDERED,
            by=None,
            comment=f"On {applied.order.number}",
            locked=True,  # read under its lock by the decision (or the submission) in this transaction
        )
        return
    if on_orders.made:
        return  # made already: a repeated approval makes no second set
    # 1. orders: one order per supplier x currency x ship-to, numbered; held for a buyer when a rule says so,
    #    otherwise issued with revision 1 and its transmission row, queued to send once this commits. All of them
    #    at once (one number allocation, one insert per kind of row), with what each charges.
    new = purchase_orders_create(requisition=requisition, by=by, facts=on_orders.ordering)
    # 2. budgets: each issued order's amounts committed, the requisition's pre-commitment released (noted with the
    #    first), every budget locked once and the entries written at once.
    funds_commit_orders(
        requisition=requisition,
        orders=[OrderCommitment(order, new.charges.get(order.pk, []), order.number) for order in new.to_issue],
        by=by,
    )
    # 3. requisitions: the orders noted; `ordered` once every line is on an issued order.
    requisition_event_record(
        requisition=requisition, kind=RequisitionEvent.Kind.EDITED, comment=new.note, data={"purchase_orders": True}
    )
    if new.hold_reason:
        buyers_notify(
            legal_entity_id=requisition.legal_entity_id,
            kind=Kind.NEEDS_BUYER,
            message="order_held",
            context={"number": requisition.number, "reason": new.hold_reason},
            link=reverse("orders:index"),
            obj=requisition,
            data={
                "requisition": {"id": requisition.pk, "number": requisition.number, "title": requisition.title},
                "reason": new.hold_reason,
            },
        )
    elif new.complete:
        # The decision read the requisition under its lock in this transaction: not read again.
        requisition_status_move(
            requisition=requisition, to_status=RequisitionStatus.ORDERED, by=None, comment=new.note, locked=True
        )


# --- exits -----------------------------------------------------------------------------------------


def requisition_exit(*, requisition: Requisition, to_status: str, by: Employee | None) -> None:
    """The requisition left the path (rejected, returned, withdrawn, cancelled): what other apps hold ends."""
    # 1. budgets: what it still holds on each budget is given back.
    funds_release(requisition=requisition, by=by, reason=to_status)
    # 2. approvals: taken back mid-approval, its pending chain ends with its tasks and process (a rejection
    #    or a return has ended them already).
    if to_status in (RequisitionStatus.WITHDRAWN, RequisitionStatus.CANCELLED):
        approval_chains_end(requisition=requisition, status=ApprovalChain.Status.WITHDRAWN)
    # 3. orders: a change requisition that goes no further: the order change is refused, buyers are told.
    change = order_change_pending(requisition=requisition)
    if change is not None:
        order_change_refuse(change=change, status=to_status)


@transaction.atomic
def requisition_withdraw(*, requisition: Requisition, by: Employee, comment: str = "") -> Requisition:
    """The requester takes a requisition back before its final approval."""
    requisition = requisition_mark_withdrawn(requisition=requisition, by=by, comment=comment)
    requisition_exit(requisition=requisition, to_status=RequisitionStatus.WITHDRAWN, by=by)
    return requisition


@transaction.atomic
def requisition_cancel(*, requisition: Requisition, by: Employee, comment: str = "") -> Requisition:
    """Cancel a cart, a returned requisition, or (buyers) an approved or ordered one."""
    requisition = requisition_mark_cancelled(requisition=requisition, by=by, comment=comment)
    requisition_exit(requisition=requisition, to_status=RequisitionStatus.CANCELLED, by=by)
    return requisition


# --- a buyer changes an order ----------------------------------------------------------------------


@transaction.atomic
def purchase_order_change(
    *, order: PurchaseOrder, by: Employee, changes: list[LineChange], note: str = ""
) -> PurchaseOrder:
    """Lower quantities, new dates and cancelled lines go out at once (orders); raised quantities become a
    change requisition of the original requester, submitted here like any other (its final approval applies
    the change, above)."""
    order, change = purchase_order_lines_change(order=order, by=by, changes=changes, note=note)
    if change is not None:
        requisition_submit(requisition=change.requisition, by=change.requisition.requester)
        order.refresh_from_db()
    return order
