"""Who sees which purchase orders: buyers, finance and admins all of their entities'; others those of the
requisitions they may see."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from approvals.models import PurchasingRule
from procurement.models import Address, Employee, LegalEntity, Role, Supplier
from procurement.sql import SqlModelRow, sql_column, sql_table
from procurement.taxes import TaxRow, tax_breakdown
from requisitions.models import Requisition, RequisitionLine, RequisitionLineSplit, RequisitionStatus
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
class OrderingFacts:
    """What making a requisition's orders needs to know first (orders.services.purchase_orders_create)."""

    po_number_prefix: str
    bill_to_id: int | None  # the entity's default bill-to address (another one when none is the default)
    hold_rules: bool  # an active "hold for a buyer" rule of the entity (or of every entity) exists
    splits: bool  # a line of the requisition is split between cost centres
    # The requisition's lines in line order with their suppliers, read with the facts (as
    # `requisition_lines_with_suppliers` reads them alone); None when not read.
    lines: list[RequisitionLine] | None = None


@dataclass(frozen=True)
class OrdersOfApproved:
    """What an approved requisition has on the orders' side: the order change it waits to apply (a change
    requisition), whether its orders exist already, and what making them needs to know first."""

    change: OrderChange | None
    made: bool
    ordering: OrderingFacts


def orders_of_approved(*, requisition: Requisition) -> OrdersOfApproved:
    """`order_change_pending`, `purchase_orders_made` and the `OrderingFacts` with the requisition's lines and their
    suppliers (`requisition_lines_with_suppliers`), in one query: one row per line, the facts on each (one row of
    facts without a line when there is none); the change, when there is one, read with its order in a second. The
    hold rules and the lines' splits are then read only when there are some. SQL text: the ORM takes longer to build
    this statement than the database takes to run it (identifiers from the models, values as parameters)."""
    change, order, entity, address = OrderChange._meta, PurchaseOrder._meta, LegalEntity._meta, Address._meta
    rule, split, line = PurchasingRule._meta, RequisitionLineSplit._meta, RequisitionLine._meta
    supplier = Supplier._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT c.{sql_column(change, 'pk')} FROM {sql_table(change)} c"  # noqa: S608
            f" WHERE c.{sql_column(change, 'requisition')} = %s AND c.{sql_column(change, 'status')} = %s"
            f" ORDER BY c.{sql_column(change, 'pk')} LIMIT 1),"
            f" EXISTS (SELECT 1 FROM {sql_table(order)} o WHERE o.{sql_column(order, 'requisition')} = %s),"
            f" e.{sql_column(entity, 'po_number_prefix')},"
            f" (SELECT a.{sql_column(address, 'pk')} FROM {sql_table(address)} a"
            f" WHERE a.{sql_column(address, 'legal_entity')} = e.{sql_column(entity, 'pk')}"
            f" AND a.{sql_column(address, 'kind')} = %s"
            f" ORDER BY a.{sql_column(address, 'is_default')} DESC, a.{sql_column(address, 'pk')} LIMIT 1),"
            f" EXISTS (SELECT 1 FROM {sql_table(rule)} r WHERE (r.{sql_column(rule, 'legal_entity')} IS NULL"
            f" OR r.{sql_column(rule, 'legal_entity')} = e.{sql_column(entity, 'pk')})"
            f" AND r.{sql_column(rule, 'is_active')} AND r.{sql_column(rule, 'applies_to')} = %s"
            f" AND r.{sql_column(rule, 'effect')} = %s),"
            f" EXISTS (SELECT 1 FROM {sql_table(split)} sp JOIN {sql_table(line)} sl"
            f" ON sl.{sql_column(line, 'pk')} = sp.{sql_column(split, 'line')}"
            f" WHERE sl.{sql_column(line, 'requisition')} = %s),"
            f" {_LINE.columns}, {_SUPPLIER.columns}"
            f" FROM {sql_table(entity)} e"
            f" LEFT OUTER JOIN {sql_table(line)} l ON l.{sql_column(line, 'requisition')} = %s"
            f" LEFT OUTER JOIN {sql_table(supplier)} s"
            f" ON s.{sql_column(supplier, 'pk')} = l.{sql_column(line, 'supplier')}"
            f" WHERE e.{sql_column(entity, 'pk')} = %s ORDER BY l.{sql_column(line, 'line_number')}",
            [
                requisition.pk,
                OrderChange.Status.PENDING.value,
                requisition.pk,
                Address.Kind.BILL_TO.value,
                PurchasingRule.AppliesTo.REQUISITIONS.value,
                PurchasingRule.Effect.HOLD_FOR_BUYER.value,
                requisition.pk,
                requisition.pk,
                requisition.legal_entity_id,
            ],
        )
        rows = cursor.fetchall()
    change_id, made, prefix, bill_to_id, hold_rules, splits = rows[0][:_FACTS]
    lines = [_line_with_supplier(row, _FACTS) for row in rows if row[_FACTS + _LINE.pk_index] is not None]
    pending = OrderChange.objects.select_related("purchase_order").get(pk=change_id) if change_id else None
    return OrdersOfApproved(
        change=pending,
        made=bool(made),
        ordering=OrderingFacts(prefix, bill_to_id, bool(hold_rules), bool(splits), lines),
    )


_FACTS = 6  # the facts' columns before a line's in `orders_of_approved`
_LINE, _SUPPLIER = SqlModelRow(RequisitionLine, "l"), SqlModelRow(Supplier, "s")


def _line_with_supplier(row: Sequence[Any], start: int = 0) -> RequisitionLine:
    """The line whose columns begin at `row[start]`, its supplier (None for a line without one) read from the columns
    after it, kept as `select_related("supplier")` keeps it."""
    built = _LINE.build(row, start)
    RequisitionLine.supplier.field.set_cached_value(
        built, _SUPPLIER.build(row, start + _LINE.width) if built.supplier_id is not None else None
    )
    return built


def requisition_lines_with_suppliers(requisition_id: int) -> list[RequisitionLine]:
    """The requisition's lines in line order, each with its supplier (None for a line without one), as
    `select_related("supplier")` reads them; by SQL text (columns from `_meta`), which costs less to build."""
    line, supplier = RequisitionLine._meta, Supplier._meta
    sql = (  # identifiers from the models, the id a parameter
        f"SELECT {_LINE.columns}, {_SUPPLIER.columns} FROM {sql_table(line)} l"  # noqa: S608
        f" LEFT OUTER JOIN {sql_table(supplier)} s ON s.{sql_column(supplier, 'pk')} = l.{sql_column(line, 'supplier')}"
        f" WHERE l.{sql_column(line, 'requisition')} = %s ORDER BY l.{sql_column(line, 'line_number')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [requisition_id])
        rows = cursor.fetchall()
    return [_line_with_supplier(row) for row in rows]


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
