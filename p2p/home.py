"""The home page: what needs the signed-in person, by what they are (several roles give several sections).

    requester (everyone)  returned or rejected · orders to receive · in flight (where each stands) · open carts
    approver              tasks waiting, oldest first · delegations in force (given and received)
    buyer                 failed transmissions · orders held for a buyer · invoices on hold
    finance               invoice exceptions (invoices on hold) · budgets near their limit (hard stop first)
    warehouse             the entity's orders to receive

Everything is of the legal entity the person acts for (the top bar's choice) and read through each app's
selectors, so it shows only what the person may see there. Each section costs a fixed number of queries (a
count and the first rows), whatever the number of rows; the sections are ordered most urgent first, those with
something in them before the empty ones.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from approvals.inbox import INBOX_COUNT_CAP, approval_inbox, approval_inbox_count
from approvals.models import ApprovalChain, ApprovalStepApprover, Delegation, StepStatus
from budgets.models import Budget
from budgets.selectors import budget_use_of, budgets_with_use
from invoices.selectors import invoices_on_hold
from orders.buyers import is_buyer
from orders.models import PurchaseOrder, PurchaseOrderLine
from orders.selectors import purchase_orders_visible
from procurement.models import Employee, LegalEntity, Role
from procurement.money import Money
from procurement.web import employee_has_role
from receiving.selectors import is_warehouse, purchase_orders_to_receive
from requisitions.models import Requisition, RequisitionEvent, RequisitionStatus
from requisitions.selectors import carts_of, requisitions_visible

HOME_ROWS = 5  # rows per section; the section's link leads to the whole list
RECENTLY_REJECTED_DAYS = 30
NEAR_LIMIT_PERCENT = 80

S = RequisitionStatus
IN_FLIGHT = (S.SUBMITTED, S.IN_APPROVAL, S.APPROVED, S.ORDERED, S.RECEIVED, S.INVOICED)

# Most urgent first: others wait for the person, then what went wrong, then what to act on, then the rest.
URGENCY = {
    "approvals": 0,
    "failed_orders": 1,
    "returned": 2,
    "invoices_on_hold": 3,
    "held_orders": 4,
    "budgets": 5,
    "to_receive": 6,
    "entity_to_receive": 6,
    "in_flight": 7,
    "carts": 8,
    "delegations": 9,
}


@dataclass(frozen=True)
class Row:
    title: str
    url: str
    status: str = ""  # a status value: the badge's class (status-<value>)
    status_label: str = ""
    amount: Money | None = None
    since: datetime | None = None  # shown as an age ("3 days")
    detail: str = ""
    who: str = ""  # who has it now, or who wrote the comment
    comment: str = ""
    percent: int | None = None  # budgets: how much is consumed


@dataclass
class Section:
    key: str
    role: str  # requester, approver, buyer, finance, warehouse
    title: str
    count: int
    url: str  # the whole list
    link_label: str
    empty: str
    rows: list[Row] = field(default_factory=list)

    @property
    def urgency(self) -> int:
        return URGENCY[self.key]


@dataclass
class Home:
    employee: Employee
    legal_entity: LegalEntity
    roles: list[str]
    sections: list[Section]
    # Where the person sits: their org unit's name and their default cost centre ("CODE — name"); "" when none.
    org_unit: str = ""
    cost_centre: str = ""

    def section(self, key: str) -> Section | None:
        return next((section for section in self.sections if section.key == key), None)

    def counts(self) -> dict[str, int]:
        return {section.key: section.count for section in self.sections}


def _url(name: str, *args: object, query: str = "") -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "")


# --- requester --------------------------------------------------------------------------------------


def _mine(employee: Employee, entity: LegalEntity) -> QuerySet[Requisition]:
    return requisitions_visible(employee=employee).filter(
        Q(requester=employee) | Q(on_behalf_of=employee), legal_entity=entity
    )


def _returned(employee: Employee, entity: LegalEntity) -> Section:
    since = timezone.now() - timedelta(days=RECENTLY_REJECTED_DAYS)
    requisitions = _mine(employee, entity).filter(Q(status=S.RETURNED) | Q(status=S.REJECTED, updated_at__gte=since))
    rows = list(requisitions.order_by("-status", "-updated_at", "-id")[:HOME_ROWS])  # returned before rejected
    comments: dict[int, RequisitionEvent] = {}
    for event in (
        RequisitionEvent.objects.filter(
            requisition__in=[r.pk for r in rows],
            kind=RequisitionEvent.Kind.STATUS,
            to_status__in=[S.RETURNED, S.REJECTED],
        )
        .select_related("actor__employee")
        .order_by("requisition_id", "-created_at", "-id")
    ):
        comments.setdefault(event.requisition_id, event)
    return Section(
        "returned",
        "requester",
        _("Returned or rejected"),
        requisitions.count(),
        _url("requisitions:index", query="status=returned"),
        _("All returned requisitions"),
        _("Nothing came back to you."),
        [
            Row(
                f"{r.number} · {r.title}",
                _url("requisitions:detail", r.pk),
                status=r.status,
                status_label=r.get_status_display(),
                amount=r.total,
                since=comments[r.pk].created_at if r.pk in comments else r.updated_at,
                who=_actor_name(comments.get(r.pk)),
                comment=comments[r.pk].comment if r.pk in comments else "",
            )
            for r in rows
        ],
    )


def _actor_name(event: RequisitionEvent | None) -> str:
    if event is None or event.actor is None:
        return ""
    employee = getattr(event.actor, "employee", None)
    return employee.display_name if employee is not None else event.actor.get_username()


def _with_outstanding(orders: QuerySet[PurchaseOrder]) -> QuerySet[PurchaseOrder]:
    outstanding = ~Q(lines__status=PurchaseOrderLine.Status.CANCELLED) & (
        Q(lines__receipt_by_amount=False, lines__received_quantity__lt=F("lines__quantity"))
        | Q(lines__receipt_by_amount=True, lines__received_amount_minor__lt=F("lines__total_minor"))
    )
    return orders.annotate(outstanding=Count("lines", filter=outstanding, distinct=True))


def _order_rows(orders: Iterable[PurchaseOrder]) -> list[Row]:
    return [
        Row(
            f"{order.number} · {order.supplier.name}",
            _url("receiving:receive", order.pk),
            status=order.status,
            status_label=order.get_status_display(),
            amount=order.total,
            since=order.issued_at or order.created_at,
            detail=ngettext(
                "%(count)s line to receive (%(requisition)s)",
                "%(count)s lines to receive (%(requisition)s)",
                getattr(order, "outstanding", 0),
            )
            % {"count": getattr(order, "outstanding", 0), "requisition": order.requisition.number},
        )
        for order in orders
    ]


def _to_receive(employee: Employee, entity: LegalEntity) -> Section:
    orders = purchase_orders_to_receive(employee=employee, legal_entity=entity).filter(
        Q(requisition__requester=employee) | Q(requisition__on_behalf_of=employee) | Q(requisition__receiver=employee)
    )
    return Section(
        "to_receive",
        "requester",
        _("Orders to receive"),
        orders.count(),
        _url("receiving:index"),
        _("All orders to receive"),
        _("No order of yours waits for its goods."),
        _order_rows(_with_outstanding(orders)[:HOME_ROWS]),
    )


def _entity_to_receive(employee: Employee, entity: LegalEntity) -> Section:
    orders = purchase_orders_to_receive(employee=employee, legal_entity=entity)
    return Section(
        "entity_to_receive",
        "warehouse",
        _("To receive for %(entity)s") % {"entity": entity.code},
        orders.count(),
        _url("receiving:index"),
        _("All orders to receive"),
        _("No order of this entity waits for its goods."),
        _order_rows(_with_outstanding(orders)[:HOME_ROWS]),
    )


def _where_each_stands(requisitions: list[Requisition]) -> dict[int, tuple[str, str]]:
    """requisition id → (where it stands, who has it now): the first pending stage of a chain and its pending
    approvers; or its orders and their statuses. Two queries for any number of requisitions."""
    stands: dict[int, tuple[str, str]] = {}
    in_approval = [r.pk for r in requisitions if r.status in (S.SUBMITTED, S.IN_APPROVAL)]
    if in_approval:
        pending: dict[int, tuple[int, str, list[str]]] = {}
        for assignment in (
            ApprovalStepApprover.objects.filter(
                step__chain__requisition__in=in_approval,
                step__chain__status=ApprovalChain.Status.PENDING,
                step__status=StepStatus.PENDING,
                status=StepStatus.PENDING,
            )
            .select_related("step__chain", "approver__user")
            .order_by("step__chain__requisition_id", "step__position", "id")
        ):
            requisition_id = assignment.step.chain.requisition_id
            assert requisition_id is not None
            position, name, people = pending.setdefault(
                requisition_id, (assignment.step.position, assignment.step.name, [])
            )
            if assignment.step.position == position:
                people.append(assignment.approver.display_name)
        for requisition_id, (_position, name, people) in pending.items():
            stands[requisition_id] = (name, ", ".join(people))
    after = [r.pk for r in requisitions if r.status not in (S.SUBMITTED, S.IN_APPROVAL)]
    if after:
        orders: dict[int, list[str]] = {}
        holders: dict[int, list[str]] = {}
        for order in (
            PurchaseOrder.objects.filter(requisition__in=after)
            .exclude(status=PurchaseOrder.Status.CANCELLED)
            .select_related("supplier")
            .order_by("requisition_id", "number")
        ):
            orders.setdefault(order.requisition_id, []).append(f"{order.number} {order.get_status_display()}")
            holders.setdefault(order.requisition_id, []).append(
                _("a buyer") if order.status == PurchaseOrder.Status.HELD else order.supplier.name
            )
        for requisition_id, texts in orders.items():
            stands[requisition_id] = ("; ".join(texts), ", ".join(dict.fromkeys(holders[requisition_id])))
    for requisition in requisitions:
        if requisition.pk not in stands and requisition.status in (S.SUBMITTED, S.APPROVED):
            stands[requisition.pk] = (
                _("Approved: the orders are being made.")
                if requisition.status == S.APPROVED
                else _("Submitted: the approvers are being found."),
                "",
            )
    return stands


def _in_flight(employee: Employee, entity: LegalEntity) -> Section:
    requisitions = _mine(employee, entity).filter(status__in=IN_FLIGHT)
    rows = list(requisitions.order_by("-updated_at", "-id")[:HOME_ROWS])
    stands = _where_each_stands(rows)
    return Section(
        "in_flight",
        "requester",
        _("My requisitions in flight"),
        requisitions.count(),
        _url("requisitions:index"),
        _("All my requisitions"),
        _("No requisition of yours is on its way."),
        [
            Row(
                f"{r.number} · {r.title}",
                _url("requisitions:detail", r.pk),
                status=r.status,
                status_label=r.get_status_display(),
                amount=r.total,
                since=r.submitted_at,
                detail=stands.get(r.pk, ("", ""))[0],
                who=stands.get(r.pk, ("", ""))[1],
            )
            for r in rows
        ],
    )


def _carts(employee: Employee, entity: LegalEntity) -> Section:
    carts = carts_of(employee=employee, legal_entity_id=entity.pk)
    return Section(
        "carts",
        "requester",
        _("My open carts"),
        carts.count(),
        _url("requisitions:index", query="status=draft"),
        _("All my carts"),
        _("No open cart. Start one from the catalog."),
        [
            Row(
                f"{cart.number} · {cart.title}",
                _url("requisitions:detail", cart.pk),
                status=cart.status,
                status_label=cart.get_status_display(),
                amount=cart.total,
                since=cart.updated_at,
                detail=ngettext("%(count)s line", "%(count)s lines", cart.line_count) % {"count": cart.line_count},
            )
            for cart in carts[:HOME_ROWS]
        ],
    )


# --- approver ---------------------------------------------------------------------------------------


def _approvals(employee: Employee, entity: LegalEntity) -> Section:
    items = approval_inbox(employee=employee, order="oldest", limit=HOME_ROWS, legal_entity_id=entity.pk)
    return Section(
        "approvals",
        "approver",
        _("Waiting for your approval"),
        # Counted up to the cap (the inbox says "10000+"); past it the home page shows the cap.
        min(approval_inbox_count(employee=employee, legal_entity_id=entity.pk), INBOX_COUNT_CAP),
        _url("approvals:inbox"),
        _("Open the inbox"),
        _("Nothing waits for your decision."),
        [
            Row(
                item.label,
                _url("approvals:inbox"),
                amount=item.total,
                since=item.created,
                detail=item.step.name,
                who=item.requisition.requester.display_name if item.requisition is not None else "",
            )
            for item in items
        ],
    )


def _delegations_in_force(employee: Employee) -> QuerySet[Delegation]:
    today = timezone.localdate()
    return Delegation.objects.filter(Q(employee=employee) | Q(delegate=employee)).filter(
        starts_on__lte=today, ends_on__gte=today
    )


def _delegations(employee: Employee, delegations: QuerySet[Delegation]) -> Section:
    rows = []
    for delegation in delegations.select_related("employee__user", "delegate__user").order_by("ends_on", "id")[
        :HOME_ROWS
    ]:
        given = delegation.employee_id == employee.pk
        title = (
            _("Your approvals go to %(delegate)s") % {"delegate": delegation.delegate.display_name}
            if given
            else _("You approve for %(employee)s") % {"employee": delegation.employee.display_name}
        )
        rows.append(
            Row(
                title,
                _url("approvals:away"),
                status="given" if given else "received",
                status_label=_("Given") if given else _("Received"),
                detail=_("until %(day)s") % {"day": delegation.ends_on.isoformat()},
                comment=delegation.comment,
            )
        )
    return Section(
        "delegations",
        "approver",
        _("Delegations in force"),
        delegations.count(),
        _url("approvals:away"),
        _("Manage delegations"),
        _("No delegation is in force."),
        rows,
    )


# --- buyer and finance ------------------------------------------------------------------------------


def _orders_in(employee: Employee, entity: LegalEntity, status: str) -> QuerySet[PurchaseOrder]:
    return purchase_orders_visible(employee=employee).filter(legal_entity=entity, status=status)


def _order_section(employee: Employee, entity: LegalEntity, key: str, status: str, title: str, empty: str) -> Section:
    orders = _orders_in(employee, entity, status)
    return Section(
        key,
        "buyer",
        title,
        orders.count(),
        _url("orders:index", query=f"status={status}"),
        _("All of them"),
        empty,
        [
            Row(
                f"{order.number} · {order.supplier.name}",
                _url("orders:detail", order.pk),
                status=order.status,
                status_label=order.get_status_display(),
                amount=order.total,
                since=order.created_at,
                detail=order.hold_reason or order.requisition.number,
            )
            for order in orders.select_related("supplier", "requisition").order_by("created_at", "id")[:HOME_ROWS]
        ],
    )


def _invoices_on_hold(employee: Employee, entity: LegalEntity, role: str) -> Section:
    invoices = invoices_on_hold(employee=employee, legal_entity_id=entity.pk)
    return Section(
        "invoices_on_hold",
        role,
        _("Invoices on hold"),
        invoices.count(),
        _url("invoices:on_hold"),
        _("All invoices on hold"),
        _("No invoice is on hold."),
        [
            Row(
                f"{invoice.number} · {invoice.supplier.name}",
                _url("invoices:detail", invoice.pk),
                status=invoice.status,
                status_label=invoice.get_status_display(),
                amount=Money.from_minor(invoice.total_minor, invoice.currency),
                since=invoice.received_at,
                detail="; ".join(str(reason) for reason in (invoice.reasons or [])[:2]),
            )
            for invoice in invoices.select_related("supplier").prefetch_related(None)[:HOME_ROWS]
        ],
    )


def _budgets_near_limit(entity: LegalEntity) -> Section:
    """The entity's budgets of the current period with at least 80 % consumed (actual, committed and
    pre-committed), hard stops first, then the most consumed."""
    today = timezone.localdate()
    near = []
    for budget in budgets_with_use(
        Budget.objects.filter(legal_entity=entity, period_start__lte=today, period_end__gte=today, amount_minor__gt=0)
    ).select_related("cost_centre"):
        use = budget_use_of(budget)
        consumed = budget.amount_minor - use.available
        if consumed * 100 >= NEAR_LIMIT_PERCENT * budget.amount_minor:
            near.append((budget, use, consumed * 100 // budget.amount_minor))
    near.sort(key=lambda row: (row[0].control != Budget.Control.HARD, -row[2], row[0].pk))
    return Section(
        "budgets",
        "finance",
        _("Budgets near their limit"),
        len(near),
        _url("budgets:overview"),
        _("All budgets"),
        _("No budget has reached %(percent)s %%.") % {"percent": NEAR_LIMIT_PERCENT},
        [
            Row(
                f"{budget.cost_centre.code} · {budget.period_label}",
                _url("budgets:detail", budget.pk),
                status=f"budget-{budget.control}",
                status_label=budget.get_control_display(),
                detail=_("%(percent)s %% consumed, %(left)s left")
                % {"percent": percent, "left": Money.from_minor(use.available, budget.currency)},
                percent=int(percent),
            )
            for budget, use, percent in near[:HOME_ROWS]
        ],
    )


# --- the whole --------------------------------------------------------------------------------------


def home_for(*, employee: Employee, legal_entity: LegalEntity) -> Home:
    """The sections that apply to `employee` acting for `legal_entity` (a member: `request.org.legal_entity`)."""
    codes = set(employee.roles.values_list("code", flat=True))
    roles = ["requester"]
    sections = [
        _returned(employee, legal_entity),
        _in_flight(employee, legal_entity),
        _carts(employee, legal_entity),
    ]
    warehouse = is_warehouse(employee=employee, legal_entity_id=legal_entity.pk)
    if not warehouse:  # the warehouse's list holds the person's own orders too
        sections.append(_to_receive(employee, legal_entity))
    delegations = _delegations_in_force(employee)
    tasks = _approvals(employee, legal_entity)
    if Role.APPROVER in codes or tasks.count or delegations.exists():
        roles.append("approver")
        sections += [tasks, _delegations(employee, delegations)]
    buyer = is_buyer(employee, legal_entity.pk)
    finance = employee_has_role(employee, Role.FINANCE)
    if buyer:
        roles.append("buyer")
        sections += [
            _order_section(
                employee,
                legal_entity,
                "failed_orders",
                PurchaseOrder.Status.FAILED,
                _("Orders that failed to send"),
                _("Every order went out."),
            ),
            _order_section(
                employee,
                legal_entity,
                "held_orders",
                PurchaseOrder.Status.HELD,
                _("Orders held for a buyer"),
                _("No order waits for a buyer."),
            ),
        ]
    if finance:
        roles.append("finance")
        sections.append(_budgets_near_limit(legal_entity))
    if buyer or finance:
        sections.append(_invoices_on_hold(employee, legal_entity, "buyer" if buyer else "finance"))
    if warehouse:
        roles.append("warehouse")
        sections.append(_entity_to_receive(employee, legal_entity))
    sections.sort(key=lambda section: (section.count == 0, section.urgency))
    org_unit, cost_centre = _org_place(employee)
    return Home(
        employee=employee,
        legal_entity=legal_entity,
        roles=roles,
        sections=sections,
        org_unit=org_unit,
        cost_centre=cost_centre,
    )


def _org_place(employee: Employee) -> tuple[str, str]:
    """The person's org unit and default cost centre as the page shows them: one query, none when they have neither."""
    if not employee.org_unit_id and not employee.default_cost_centre_id:
        return "", ""
    row = (
        Employee.objects.filter(pk=employee.pk)
        .values_list("org_unit__name", "default_cost_centre__code", "default_cost_centre__name")
        .first()
    )
    if row is None:
        return "", ""
    unit, code, name = row
    return unit or "", f"{code} — {name}" if code else ""
