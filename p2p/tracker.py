"""Where a requisition stands: its stages from draft to closed, the latest comment when it came back, and what the
person looking at it can do next.

    draft → submitted → each approval stage → ordered → confirmed → shipped → received → invoiced → closed

Each stage is `done`, `current` (where it stands now: at most one), `upcoming` or `skipped` (it did not happen
and will not: an order received without a ship notice was never "shipped"). A stage where the requisition
stopped (rejected, withdrawn, cancelled) says so in `outcome`; the stages after it are skipped.

The tracker reads across apps (requisitions, approvals, orders, receiving), so it lives here at the top. It
reads through each app's selectors: the chain (`approvals.selectors.approval_chain_for`), the orders' story
(`orders.selectors.requisition_story`); a constant number of queries whatever the number of orders.
"""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from approvals.inbox import approval_open_task_id
from approvals.selectors import ChainView, approval_chain_for
from approvals.step_texts import step_text_display
from orders.models import PurchaseOrder, Shipment
from orders.selectors import StoryStep, requisition_story
from procurement.models import Employee
from receiving.selectors import purchase_orders_to_receive
from requisitions.models import Requisition, RequisitionEvent, RequisitionStatus

DONE, CURRENT, UPCOMING, SKIPPED = "done", "current", "upcoming", "skipped"
STATE_LABELS = {
    DONE: gettext_lazy("Done"),
    CURRENT: gettext_lazy("Now"),
    UPCOMING: gettext_lazy("Next"),
    SKIPPED: gettext_lazy("Skipped"),
}

S = RequisitionStatus
STOPPED = frozenset({S.REJECTED, S.WITHDRAWN, S.CANCELLED})
AFTER_APPROVAL = frozenset({S.APPROVED, S.ORDERED, S.RECEIVED, S.INVOICED, S.CLOSED})
# The stages after the approval, in the words of `orders.selectors.requisition_story`.
ORDER_STAGES = ("ordered", "confirmed", "shipped", "received", "invoiced", "closed")

# Carriers whose tracking pages take the number in the URL; any other carrier's number is shown as text.
TRACKING_URLS = {
    "ups": "https://www.ups.com/track?tracknum={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{number}",
    "gls": "https://gls-group.com/track/{number}",
    "postnord": "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId={number}",
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "la poste": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
    "tnt": "https://www.tnt.com/express/en_gb/site/shipping-tools/tracking.html?searchType=con&cons={number}",
}


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's tracking page for a number, or "" for a carrier we do not know (never a URL built from what
    a supplier wrote, except the number, quoted)."""
    template = TRACKING_URLS.get(carrier.strip().lower())
    number = number.strip()
    if not template or not number:
        return ""
    return template.format(number=quote(number, safe=""))


@dataclass(frozen=True)
class Person:
    name: str
    username: str
    status: str = ""  # approvers: pending, approved, rejected, returned, cancelled
    current: bool = False  # has it now
    decided_at: datetime | None = None
    decided_by: str = ""  # username, when a delegate or escalation decided
    comment: str = ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class ShipmentView:
    shipment_id: str
    order: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_on: object  # date | None
    delivery_on: object  # date | None


@dataclass(frozen=True)
class Stage:
    key: str  # draft, submitted, approval-<position>, approval, ordered, confirmed, shipped, received, invoiced, closed
    label: str
    state: str  # done, current, upcoming, skipped
    when: datetime | None = None
    detail: str = ""
    outcome: str = ""  # where it stopped: rejected, returned, withdrawn, cancelled
    partly: bool = False  # some orders or lines only
    people: tuple[Person, ...] = ()
    links: tuple[Link, ...] = ()
    shipments: tuple[ShipmentView, ...] = ()

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def is_current(self) -> bool:
        return self.state == CURRENT


@dataclass(frozen=True)
class Comment:
    """The latest word of whoever returned or rejected the requisition."""

    status: str
    who: str
    when: datetime
    text: str


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    method: str = "get"  # "post": a form with the CSRF token
    primary: bool = False
    name: str = ""  # a stable name for tests and scripts: edit, submit, withdraw, copy, receive, decide
    confirm: str = ""  # asked before a form is posted


@dataclass
class Tracker:
    requisition: Requisition
    stages: list[Stage]
    comment: Comment | None = None
    actions: list[Action] = field(default_factory=list)

    @property
    def current(self) -> Stage | None:
        return next((stage for stage in self.stages if stage.state == CURRENT), None)

    def states(self) -> dict[str, str]:
        """key → state, what tests and the API read at a glance."""
        return {stage.key: stage.state for stage in self.stages}


# --- the stages -----------------------------------------------------------------------------------


def _draft_and_submitted(requisition: Requisition) -> list[Stage]:
    requester = requisition.requester
    holder = (Person(requester.display_name, requester.user.username, current=True),)
    if requisition.status in (S.DRAFT, S.RETURNED):
        detail = _("Returned for changes: edit it and submit it again.") if requisition.status == S.RETURNED else ""
        return [
            Stage("draft", _("Draft"), CURRENT, requisition.created_at, detail=detail, people=holder),
            Stage("submitted", _("Submitted"), UPCOMING),
        ]
    if requisition.submitted_at is None:  # a cart cancelled before it was ever submitted
        return [
            Stage("draft", _("Draft"), DONE, requisition.created_at, outcome=str(requisition.status)),
            Stage("submitted", _("Submitted"), SKIPPED),
        ]
    return [
        Stage("draft", _("Draft"), DONE, requisition.created_at),
        Stage(
            "submitted",
            _("Submitted"),
            CURRENT if requisition.status == S.SUBMITTED else DONE,
            requisition.submitted_at,
        ),
    ]


def _approval_stages(requisition: Requisition, chain: ChainView) -> list[Stage]:
    """One stage per approval stage of the latest chain (a preview before submission)."""
    in_approval = requisition.status == S.IN_APPROVAL
    stopped = requisition.status in STOPPED
    if not chain.stages:
        if chain.auto_approved or requisition.status in AFTER_APPROVAL:
            return [
                Stage(
                    "approval",
                    _("Approval"),
                    DONE if requisition.status in AFTER_APPROVAL else UPCOMING,
                    detail=_("Approved automatically by a purchasing rule.") if chain.auto_approved else "",
                )
            ]
        return [Stage("approval", _("Approval"), SKIPPED if stopped else UPCOMING)]
    stages: list[Stage] = []
    current_found = False
    for stage in chain.stages:
        decided = [a for a in stage.approvers if a.decided_at is not None]
        when = max((a.decided_at for a in decided if a.decided_at), default=None)
        outcome = ""
        is_current = False
        if stage.status == "approved" or (chain.status == "approved" and stage.status != "cancelled"):
            state = DONE
        elif stage.status in ("rejected", "returned"):
            state, outcome = DONE, stage.status
        elif stage.status == "pending" and in_approval and not current_found:
            state, is_current, current_found = CURRENT, True, True
        elif stopped or stage.status == "cancelled":
            state = SKIPPED
        else:
            state = UPCOMING
        if stopped and state != DONE and not outcome and not any(s.outcome for s in stages):
            # Withdrawn or cancelled while this stage waited: it stopped here.
            outcome = str(requisition.status)
        people = tuple(
            Person(
                a.name,
                a.username,
                status=a.status,
                current=is_current and a.status == "pending",
                decided_at=a.decided_at,
                decided_by=a.decided_by if a.decided_by and a.decided_by != a.username else "",
                comment=a.comment,
            )
            for a in stage.approvers
        )
        stages.append(
            Stage(
                f"approval-{stage.position}",
                step_text_display(stage.name),
                state,
                when,
                detail=step_text_display(stage.reason),
                outcome=outcome,
                people=people,
            )
        )
    return stages


def _order_stages(
    requisition: Requisition, story: list[StoryStep], orders: list[PurchaseOrder], shipments: list[Shipment]
) -> list[Stage]:
    by_name = {step.name: step for step in story}
    reached = [by_name[name].state for name in ORDER_STAGES]
    last_reached = max((i for i, state in enumerate(reached) if state), default=-1)
    approved = requisition.status in AFTER_APPROVAL
    stopped = requisition.status in STOPPED
    labels = {
        "ordered": pgettext("requisition stage", "Ordered"),
        "confirmed": pgettext("requisition stage", "Confirmed"),
        "shipped": pgettext("requisition stage", "Shipped"),
        "received": pgettext("requisition stage", "Received"),
        "invoiced": pgettext("requisition stage", "Invoiced"),
        "closed": pgettext("requisition stage", "Closed"),
    }
    live = [order for order in orders if order.status != PurchaseOrder.Status.CANCELLED]
    held = [order for order in live if order.status == PurchaseOrder.Status.HELD]
    stages: list[Stage] = []
    current_found = False
    for index, name in enumerate(ORDER_STAGES):
        step = by_name[name]
        partly = step.state == "partly"
        if step.state == "done":
            state = DONE
        elif stopped:
            state = SKIPPED
        elif not approved:
            state = UPCOMING
        elif index < last_reached and not partly and name in ("confirmed", "shipped"):
            state = SKIPPED  # a later stage was reached without this one: no confirmation, no ship notice
        elif not current_found:
            state, current_found = CURRENT, True
        else:
            state = UPCOMING
        if requisition.status == S.CLOSED and state != DONE:
            state = SKIPPED if name != "closed" else DONE
        detail = ""
        links: tuple[Link, ...] = ()
        found_shipments: tuple[ShipmentView, ...] = ()
        if name == "ordered":
            links = tuple(
                Link(order.number, reverse("orders:detail", args=[order.pk]))
                for order in sorted(live, key=lambda o: o.number)
            )
            if held:
                detail = _("Held for a buyer's review: %(reason)s") % {
                    "reason": "; ".join(order.hold_reason for order in held if order.hold_reason) or "—"
                }
            elif state == CURRENT and not live:
                detail = _("The purchase orders are being made.")
        elif name == "confirmed" and state == CURRENT:
            detail = _("Waiting for the supplier's confirmation.")
        elif name == "shipped":
            numbers = {order.pk: order.number for order in orders}
            found_shipments = tuple(
                ShipmentView(
                    shipment.shipment_id,
                    numbers.get(shipment.purchase_order_id, ""),
                    shipment.carrier,
                    shipment.tracking_number,
                    tracking_url(shipment.carrier, shipment.tracking_number),
                    shipment.shipped_date,
                    shipment.delivery_date,
                )
                for shipment in shipments
            )
        elif name == "received" and state == CURRENT:
            detail = _("Waiting for the goods to arrive.")
        elif name == "invoiced" and state == CURRENT:
            detail = _("Waiting for the supplier's invoice.")
        stages.append(
            Stage(
                name,
                labels[name],
                state,
                step.when,
                detail=detail,
                partly=partly and state != DONE,
                links=links,
                shipments=found_shipments,
            )
        )
    return stages


def _latest_comment(requisition: Requisition) -> Comment | None:
    """Who returned or rejected it, when and why: shown on top while it is returned or rejected."""
    if requisition.status not in (S.RETURNED, S.REJECTED):
        return None
    event = (
        RequisitionEvent.objects.filter(
            requisition=requisition, kind=RequisitionEvent.Kind.STATUS, to_status=requisition.status
        )
        .select_related("actor__employee")
        .order_by("-created_at", "-id")
        .first()
    )
    if event is None:
        return None
    actor = event.actor
    who = ""
    if actor is not None:
        employee = getattr(actor, "employee", None)
        who = employee.display_name if employee is not None else actor.get_username()
    return Comment(requisition.status, who, event.created_at, event.comment)


# --- what one can do next -----------------------------------------------------------------------------


def _actions(requisition: Requisition, viewer: Employee | None, stages: list[Stage]) -> list[Action]:
    if viewer is None:
        return []
    actions: list[Action] = []
    detail = reverse("requisitions:detail", args=[requisition.pk])
    mine = viewer.pk in (requisition.requester_id, requisition.on_behalf_of_id)
    status = requisition.status
    if mine and status == S.RETURNED:
        actions.append(Action(_("Edit and submit again"), f"{detail}#cart-form", primary=True, name="edit"))
    if mine and status == S.DRAFT and requisition.line_count:
        actions.append(Action(_("Review and submit"), f"{detail}#cart-form", primary=True, name="submit"))
    if mine and status in (S.SUBMITTED, S.IN_APPROVAL):
        actions.append(
            Action(
                _("Withdraw"),
                reverse("requisitions:action", args=[requisition.pk, "withdraw"]),
                "post",
                name="withdraw",
                confirm=_("Withdraw %(number)s from approval?") % {"number": requisition.number},
            )
        )
    if mine and status in (S.REJECTED, S.WITHDRAWN, S.CANCELLED):
        actions.append(
            Action(
                _("Copy into a new cart"),
                reverse("requisitions:action", args=[requisition.pk, "copy"]),
                "post",
                primary=True,
                name="copy",
            )
        )
    if status == S.IN_APPROVAL and approval_open_task_id(employee=viewer, requisition_id=requisition.pk):
        actions.append(Action(_("Decide in your inbox"), reverse("approvals:inbox"), primary=True, name="decide"))
    if status in (S.ORDERED, S.RECEIVED, S.INVOICED, S.APPROVED):
        receivable = purchase_orders_to_receive(employee=viewer, legal_entity=requisition.legal_entity).filter(
            requisition=requisition
        )
        for order in receivable.order_by("number"):
            actions.append(
                Action(
                    _("Receive %(order)s") % {"order": order.number},
                    reverse("receiving:receive", args=[order.pk]),
                    primary=not actions,
                    name="receive",
                )
            )
    return actions


# --- the whole --------------------------------------------------------------------------------------


def requisition_tracker(*, requisition: Requisition, viewer: Employee | None = None) -> Tracker:
    """The stages of `requisition` (which the caller may see: `requisitions.selectors.requisition_get`), its
    latest return or rejection comment, and what `viewer` can do next."""
    stages = _draft_and_submitted(requisition)
    if requisition.submitted_at is None and requisition.status in STOPPED:
        chain = ChainView(status="", total=None, currency=requisition.currency)  # never submitted: no chain
    else:
        chain = approval_chain_for(requisition=requisition)
    stages += _approval_stages(requisition, chain)
    if requisition.status in AFTER_APPROVAL or requisition.status in STOPPED:
        story = requisition_story(requisition=requisition)
        orders = list(PurchaseOrder.objects.filter(requisition=requisition).order_by("number"))
        shipments = list(
            Shipment.objects.filter(purchase_order__requisition=requisition).order_by("shipped_at", "created_at", "id")
        )
    else:
        story, orders, shipments = [StoryStep(name, "", None) for name in ("approved", *ORDER_STAGES)], [], []
    stages += _order_stages(requisition, story, orders, shipments)
    return Tracker(
        requisition=requisition,
        stages=stages,
        comment=_latest_comment(requisition),
        actions=_actions(requisition, viewer, stages),
    )
