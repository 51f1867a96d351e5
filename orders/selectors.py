"""Who sees which purchase orders: buyers, finance and admins all of their entities'; others those of the
requisitions they may see."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import QuerySet

from procurement.models import Employee, Role
from procurement.sql import sql_column
from procurement.taxes import TaxRow, tax_breakdown
from requisitions.models import Requisition, RequisitionStatus
from requisitions.selectors import requisitions_visible

from .models import OrderChange, PurchaseOrder, PurchaseOrderLine


def purchase_orders_visible(*, employee: Employee) -> QuerySet[PurchaseOrder]:
    entities = employee.legal_entities.filter(is_active=True).values("pk")
    orders = PurchaseOrder.objects.filter(legal_entity__in=entities)
    if employee.user.is_superuser or employee.roles.filter(code__in=[Role.BUYER, Role.FINANCE, Role.ADMIN]).exists():
        return orders
    return orders.filter(requisition__in=requisitions_visible(employee=employee).values("pk"))


def purchase_orders_made(*, requisition: Requisition) -> bool:
    """Whether the requisition's orders exist already (a repeated approval makes none)."""
    return PurchaseOrder.objects.filter(requisition=requisition).exists()


@dataclass(frozen=True)
class OrdersOfApproved:
    """What an approved requisition has on the orders' side: the order change it waits to apply (a change
    requisition) and whether its orders exist already."""

    change: OrderChange | None
    made: bool


def orders_of_approved(*, requisition: Requisition) -> OrdersOfApproved:
    """`order_change_pending` and `purchase_orders_made` in one query (the change, when there is one, read with its
    order in a second)."""
    qn = connection.ops.quote_name
    change_meta, order_meta = OrderChange._meta, PurchaseOrder._meta
    with connection.cursor() as cursor:
        cursor.execute(  # identifiers from the models, values as parameters; SQL: the ORM's would cost more to build
            f"SELECT (SELECT c.{sql_column(change_meta, 'pk')} FROM {qn(change_meta.db_table)} c"  # noqa: S608
            f" WHERE c.{sql_column(change_meta, 'requisition')} = %s"
            f" AND c.{sql_column(change_meta, 'status')} = %s"
            f" ORDER BY c.{sql_column(change_meta, 'pk')} LIMIT 1), EXISTS (SELECT 1 FROM {qn(order_meta.db_table)} o"
            f" WHERE o.{sql_column(order_meta, 'requisition')} = %s)",
            [requisition.pk, OrderChange.Status.PENDING.value, requisition.pk],
        )
        change_id, made = cursor.fetchone()
    change = OrderChange.objects.select_related("purchase_order").get(pk=change_id) if change_id else None
    return OrdersOfApproved(change=change, made=bool(made))


def order_change_pending(*, requisition: Requisition) -> OrderChange | None:
    """The order change a change requisition waits to apply (None for an ordinary requisition)."""
    return (
        OrderChange.objects.select_related("purchase_order")
        .filter(requisition=requisition, status=OrderChange.Status.PENDING)
        .first()
    )


def order_tax_breakdown(lines: Iterable[PurchaseOrderLine]) -> list[TaxRow]:
    """An order's tax per category and rate, from its lines' own taxes (cancelled lines left out)."""
    return tax_breakdown(
        (line.tax_category, line.tax_rate, line.total_minor, line.tax_minor)
        for line in lines
        if line.status != PurchaseOrderLine.Status.CANCELLED
    )


@dataclass(frozen=True)
class StoryStep:
    """One step of a requisition's story: reached (done), partly (some orders or lines), or not yet."""

    name: str
    state: str  # "done", "partly", ""
    when: datetime | None


# Which order statuses show each step (the first time an order reached one of them).
STORY_ORDER_STATUSES = {
    "confirmed": {
        PurchaseOrder.Status.CONFIRMED,
        PurchaseOrder.Status.PARTLY_CONFIRMED,
        PurchaseOrder.Status.CONFIRMED_SHORT,
    },
    "shipped": {PurchaseOrder.Status.SHIPPED, PurchaseOrder.Status.PARTLY_SHIPPED},
    "received": {PurchaseOrder.Status.PARTLY_RECEIVED, PurchaseOrder.Status.RECEIVED},
    "invoiced": {PurchaseOrder.Status.INVOICED},
    "closed": {PurchaseOrder.Status.CLOSED},
}


def _state(done: bool, some: bool) -> str:
    return "done" if done else "partly" if some else ""


def requisition_story(*, requisition: Requisition) -> list[StoryStep]:
    """approved → ordered → confirmed → shipped → received → invoiced → closed, from the requisition's status
    events, its orders' status history and their lines' received and invoiced counts: four queries.

    Ordered: every order issued. Received and invoiced: every line fully (partly: some). The others: every
    order reached the status once (partly: some did); the date is the first time one did."""
    approved = (
        requisition.events.filter(to_status=RequisitionStatus.APPROVED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    orders = list(
        PurchaseOrder.objects.filter(requisition=requisition)
        .exclude(status=PurchaseOrder.Status.CANCELLED)
        .prefetch_related("events", "lines")
    )
    lines = [line for order in orders for line in order.lines.all()]
    issued = [order.issued_at for order in orders if order.issued_at]
    steps = [
        StoryStep("approved", _state(bool(approved or orders), False), approved),
        StoryStep(
            "ordered", _state(bool(orders) and len(issued) == len(orders), bool(issued)), min(issued, default=None)
        ),
    ]
    for name, statuses in STORY_ORDER_STATUSES.items():
        reached = [
            min((event.created_at for event in order.events.all() if event.to_status in statuses), default=None)
            for order in orders
        ]
        when = min((moment for moment in reached if moment), default=None)
        if name == "received" and lines:
            state = _state(
                all(line.fully_received for line in lines),
                any(line.received_quantity or line.received_amount_minor for line in lines),
            )
        elif name == "invoiced" and lines:
            state = _state(
                all(line.fully_invoiced for line in lines),
                any(line.invoiced_quantity or line.invoiced_amount_minor for line in lines),
            )
        else:
            state = _state(bool(orders) and all(reached), any(reached))
        steps.append(StoryStep(name, state, when))
    return steps
