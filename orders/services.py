"""Purchase orders from approved requisitions: grouped, numbered, issued and queued for sending.

On a final approval p2p/submit_to_order.py calls, in the approval's transaction: purchase_orders_create
(lines grouped by supplier x currency x ship-to, numbered per legal entity, gap-free under the sequence
row lock), then per order budgets' funds_commit and purchase_order_issued (revision 1 and its outbox
row). The outbox is sent after commit (transmission.py). A purchasing rule with the effect "hold for a
buyer" keeps the orders with a buyer, who issues them (purchase_order_issue). A buyer's change that
raises quantities makes a change requisition (purchase_order_lines_change) that p2p submits; once it is
approved p2p applies it (order_change_apply).
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from approvals.chain import Rates, candidate_rules, requisition_facts, rule_matches
from approvals.models import PurchasingRule
from budgets.services import Charge, funds_commit, funds_commitment_release
from procurement.events import audit_event_record
from procurement.models import Address, Employee, Role
from procurement.money import Money, decimal_text, line_total_minor, split_minor, total_minor
from procurement.services import document_number_next, notification_send
from punchout.cxml import new_payload_id
from requisitions.models import Requisition, RequisitionLine, RequisitionStatus
from requisitions.services.carts import requisition_create
from requisitions.services.lifecycle import requisition_status_move
from requisitions.services.lines import ExternalLine, requisition_lines_replace_external

from .error_codes import OrderErrorCode
from .errors import NotABuyer, OrderError
from .lock_objects import purchase_order_lines_qs_select_for_update, purchase_orders_qs_select_for_update
from .models import OrderChange, PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision, Transmission
from .transitions import purchase_order_created_record, purchase_order_status_move


def is_buyer(employee: Employee, legal_entity_id: int) -> bool:
    return employee.user.is_superuser or (
        employee.roles.filter(code__in=[Role.BUYER, Role.ADMIN]).exists()
        and employee.legal_entities.filter(pk=legal_entity_id).exists()
    )


def check_buyer(employee: Employee, order: PurchaseOrder) -> None:
    if not is_buyer(employee, order.legal_entity_id):
        raise NotABuyer("Only a buyer of this legal entity may do this.")


def hold_reason(*, requisition: Requisition) -> str:
    """The first "hold for a buyer" rule that applies, as a reason; empty when orders may go out at once."""
    facts = requisition_facts(requisition=requisition)
    rates = Rates(requisition.currency)
    for rule in candidate_rules(facts).filter(effect=PurchasingRule.Effect.HOLD_FOR_BUYER).order_by("position"):
        if rule_matches(rule, facts, rates):
            return rule.message or f"Held for a buyer by the rule “{rule.name}”."
    return ""


def order_charges(order: PurchaseOrder) -> list[Charge]:
    """What an order charges, per cost centre: each line, or each split of its requisition line."""
    charges = []
    for line in order.lines.select_related("requisition_line").prefetch_related("requisition_line__splits"):
        if line.status == PurchaseOrderLine.Status.CANCELLED:
            continue
        charges.extend(_line_charges(line, line.total_minor))
    return charges


def _line_charges(line: PurchaseOrderLine, amount_minor: int) -> list[Charge]:
    source = line.requisition_line
    splits = list(source.splits.all()) if source is not None else []
    currency = line.purchase_order.currency
    if not splits:
        if line.cost_centre_id is None:
            return []
        return [Charge(line.cost_centre_id, line.gl_account, line.unspsc, amount_minor, currency)]
    # Largest remainder: the split charges add up to the line's amount exactly (docs/money.md).
    parts = split_minor(amount_minor, [split.percent for split in splits])
    return [
        Charge(split.cost_centre_id, split.gl_account or line.gl_account, line.unspsc, part, currency)
        for split, part in zip(splits, parts, strict=True)
    ]


@dataclass(frozen=True)
class NewOrders:
    """The orders made for an approved requisition: those to issue now, those held for a buyer (with why)."""

    orders: list[PurchaseOrder]
    hold_reason: str
    unordered_lines: int  # lines without a supplier, left for a buyer to order

    @property
    def to_issue(self) -> list[PurchaseOrder]:
        return [] if self.hold_reason else list(self.orders)

    @property
    def note(self) -> str:
        count = len(self.orders)
        note = f"{count} purchase order{'s' if count != 1 else ''}: " + ", ".join(o.number for o in self.orders)
        if self.unordered_lines:
            lines = self.unordered_lines
            note += f"; {lines} line{'s' if lines != 1 else ''} without a supplier for a buyer to order"
        return note

    @property
    def complete(self) -> bool:
        """Everything of the requisition is ordered: it becomes `ordered`."""
        return bool(self.orders) and not self.hold_reason and not self.unordered_lines


@transaction.atomic
def purchase_orders_create(*, requisition: Requisition, by: Employee | None = None) -> NewOrders:
    """Turn an approved requisition into orders, one per supplier x currency x ship-to: held for a buyer when a
    rule says so, otherwise `issued` and waiting for their budget commitment and purchase_order_issued."""
    lines = list(requisition.lines.select_related("supplier", "cost_centre").order_by("line_number"))
    orderable = [line for line in lines if line.supplier_id is not None]
    groups: dict[tuple[int, str, int | None], list[RequisitionLine]] = defaultdict(list)
    for line in orderable:
        assert line.supplier_id is not None
        groups[(line.supplier_id, line.currency, requisition.ship_to_id)].append(line)
    reason = hold_reason(requisition=requisition)
    entity = requisition.legal_entity
    bill_to = Address.objects.filter(legal_entity=entity, kind=Address.Kind.BILL_TO).order_by("-is_default").first()
    orders = []
    for (_, currency, ship_to_id), group in sorted(groups.items(), key=lambda g: (str(g[1][0].supplier), g[0])):
        supplier = group[0].supplier
        assert supplier is not None
        number = document_number_next(legal_entity=entity, kind="purchase_order")
        order = PurchaseOrder.objects.create(
            legal_entity=entity,
            number=f"{entity.po_number_prefix}{number:06d}",
            supplier=supplier,
            currency=currency,
            ship_to_id=ship_to_id,
            bill_to=bill_to,
            requisition=requisition,
            status=PurchaseOrder.Status.HELD if reason else PurchaseOrder.Status.ISSUED,
            method=supplier.order_method,
            hold_reason=reason,
            supplier_note=requisition.supplier_note,
        )
        purchase_order_created_record(order=order, by=by, comment=f"From {requisition.number}")
        PurchaseOrderLine.objects.bulk_create(
            PurchaseOrderLine(
                purchase_order=order,
                line_number=position,
                requisition_line=line,
                supplier_part_id=line.supplier_part_id,
                supplier_part_auxiliary_id=line.supplier_part_auxiliary_id,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price_minor=line.unit_price_minor,
                price_basis_quantity=line.price_basis_quantity,
                total_minor=line.total_minor,
                unspsc=line.unspsc,
                needed_by=requisition.needed_by,
                cost_centre=line.cost_centre,
                gl_account=line.gl_account,
                supplier_note=line.supplier_note,
            )
            for position, line in enumerate(group, 1)
        )
        order.total_minor = total_minor(line.total_minor for line in group)
        order.save(update_fields=["total_minor"])
        orders.append(order)
    return NewOrders(orders=orders, hold_reason=reason, unordered_lines=len(lines) - len(orderable))


def _issue(order: PurchaseOrder, by: Employee | None) -> None:
    """A buyer releases a held order: commit the budget, then issue it."""
    others_held = order.requisition.purchase_orders.filter(status=PurchaseOrder.Status.HELD).exclude(pk=order.pk)
    funds_commit(
        requisition=order.requisition,
        charges=order_charges(order),
        by=by,
        note=order.number,
        release_all=not others_held.exists(),  # the last one clears what is left (rounding of splits)
    )
    purchase_order_issued(order=order, by=by)


def purchase_order_issued(*, order: PurchaseOrder, by: Employee | None) -> None:
    """The order's budget is committed: it is issued, with revision 1 and its outbox row (sent once the
    transaction commits)."""
    purchase_order_status_move(order=order, to_status=PurchaseOrder.Status.ISSUED, by=by, comment="Issued")
    order.issued_at = timezone.now()
    order.issued_by = by
    order.save(update_fields=["issued_at", "issued_by"])
    _revision(order, PurchaseOrderRevision.Kind.NEW, by, "Issued")


def _revision(order: PurchaseOrder, kind: str, by: Employee | None, note: str) -> PurchaseOrderRevision:
    revision = PurchaseOrderRevision.objects.create(
        purchase_order=order,
        revision=order.revision,
        kind=kind,
        payload_id=new_payload_id(),
        timestamp=timezone.now(),
        total_minor=order.total_minor,
        note=note[:300],
        created_by=by.user if by else None,
    )
    transmission = Transmission.objects.create(
        revision=revision,
        purchase_order=order,
        method=order.method,
        status=Transmission.Status.MANUAL if order.method == "none" else Transmission.Status.PENDING,
        next_attempt_at=timezone.now(),
    )
    if transmission.status == Transmission.Status.MANUAL:
        purchase_order_status_move(
            order=order,
            to_status=PurchaseOrder.Status.MANUAL if kind != "delete" else PurchaseOrder.Status.CANCELLED,
            by=by,
            comment=f"Revision {revision.revision} to be sent by hand",
        )
    else:
        from .transmission import transmission_enqueue

        transaction.on_commit(lambda: transmission_enqueue(transmission.pk))
    return revision


def buyers_notify(*, legal_entity_id: int, subject: str, body: str) -> None:
    """E-mail the buyers of a legal entity (after the transaction commits)."""
    buyers = Employee.objects.filter(
        roles__code=Role.BUYER, legal_entities=legal_entity_id, user__is_active=True
    ).select_related("user")
    for buyer in buyers:
        notification_send(user=buyer.user, subject=subject[:150], body=body)


def _tell_buyers(requisition: Requisition, text: str) -> None:
    buyers_notify(legal_entity_id=requisition.legal_entity_id, subject=text, body=text)


@transaction.atomic
def purchase_order_issue(*, order: PurchaseOrder, by: Employee) -> PurchaseOrder:
    """A buyer releases a held order."""
    order = purchase_orders_qs_select_for_update().get(pk=order.pk)
    check_buyer(by, order)
    if order.status != PurchaseOrder.Status.HELD:
        raise OrderError(
            f"{order.number} is {order.get_status_display().lower()}, not held.", code=OrderErrorCode.NOT_HELD
        )
    _issue(order, by)
    audit_event_record(event_type="purchase_order.issued", actor=by.user, legal_entity=order.legal_entity, obj=order)
    requisition = order.requisition
    if not requisition.purchase_orders.filter(status=PurchaseOrder.Status.HELD).exists() and (
        requisition.status == RequisitionStatus.APPROVED
        and not requisition.lines.filter(supplier__isnull=True).exists()
    ):
        requisition_status_move(requisition=requisition, to_status=RequisitionStatus.ORDERED, by=by)
    return order


@dataclass(frozen=True)
class LineChange:
    line_number: int
    quantity: Decimal | None = None  # 0 cancels the line
    needed_by: date | None = None


def _as_date(value: object, line_number: int) -> date | None:
    """A needed-by date as a calendar date: a date-time is taken as the date it names (in its own offset), an
    ISO text is read; anything else is refused. A date and a date-time never compare equal in Python, so
    without this an unchanged date would count as a change (or a changed one be missed)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise OrderError(
        f"Line {line_number}: {str(value)[:40]!r} is not a date (YYYY-MM-DD).", code=OrderErrorCode.INVALID
    )


def _changes_something(change: LineChange, line: PurchaseOrderLine) -> bool:
    """Whether a change asks for anything the line does not already have (fields left as they are are no change)."""
    if line.status == PurchaseOrderLine.Status.CANCELLED:
        return False
    return (change.quantity is not None and change.quantity != line.quantity) or (
        change.needed_by is not None and change.needed_by != line.needed_by
    )


@transaction.atomic
def purchase_order_lines_change(
    *, order: PurchaseOrder, by: Employee, changes: list[LineChange], note: str = ""
) -> tuple[PurchaseOrder, OrderChange | None]:
    """A buyer lowers quantities, moves dates or cancels lines: a new revision goes out (update, or delete
    when nothing is left), and the budget commitments follow. Raised quantities go through approval first:
    they become a change requisition, returned as the OrderChange for the caller to submit
    (p2p.submit_to_order.purchase_order_change); the rest of the change goes out at once."""
    order = purchase_orders_qs_select_for_update(of=("self",)).select_related("requisition").get(pk=order.pk)
    check_buyer(by, order)
    if order.status in (PurchaseOrder.Status.CANCELLED, PurchaseOrder.Status.HELD):
        raise OrderError(f"{order.number} is {order.get_status_display().lower()}: it cannot change.")
    lines = {line.line_number: line for line in purchase_order_lines_qs_select_for_update(purchase_order=order)}
    for change in changes:
        if change.line_number not in lines:
            raise OrderError(f"{order.number} has no line {change.line_number}.", code=OrderErrorCode.INVALID)
    # Only what differs from the line counts: a form sends every field back, the unchanged date with the
    # raised quantity, and that date alone must not turn the change into "Nothing changed".
    changes = [
        replace(change, needed_by=_as_date(change.needed_by, change.line_number))
        for change in changes
        if change.line_number in lines
    ]
    changes = [change for change in changes if _changes_something(change, lines[change.line_number])]
    increases = [
        change
        for change in changes
        if change.quantity is not None and change.quantity > lines[change.line_number].quantity
    ]
    # A new date on a line whose quantity goes up goes out now; the extra quantity waits for approval.
    changes = [change for change in changes if change not in increases] + [
        LineChange(change.line_number, needed_by=change.needed_by)
        for change in increases
        if change.needed_by is not None and change.needed_by != lines[change.line_number].needed_by
    ]
    if not changes:
        if not increases:
            raise OrderError("Nothing changed.", code=OrderErrorCode.NO_CHANGE)
        return order, _request_increase(order, lines, increases, by, note)
    released: list[Charge] = []
    changed = []
    for change in changes:
        line = lines.get(change.line_number)
        if line is None:
            raise OrderError(f"{order.number} has no line {change.line_number}.", code=OrderErrorCode.INVALID)
        if line.status == PurchaseOrderLine.Status.CANCELLED:
            continue
        if change.quantity is not None and change.quantity != line.quantity:
            if change.quantity < 0:
                raise OrderError(
                    f"Line {line.line_number}: a quantity cannot be negative.", code=OrderErrorCode.INVALID
                )
            old_total = line.total_minor
            line.quantity = change.quantity
            line.total_minor = line_total_minor(
                quantity=change.quantity,
                unit_price_minor=line.unit_price_minor,
                price_basis_quantity=line.price_basis_quantity,
            )
            if change.quantity == 0:
                line.status = PurchaseOrderLine.Status.CANCELLED
            released.extend(_line_charges(line, old_total - line.total_minor))
            changed.append(f"line {line.line_number} quantity {decimal_text(change.quantity)}")
        if change.needed_by is not None and change.needed_by != line.needed_by:
            line.needed_by = change.needed_by
            changed.append(f"line {line.line_number} needed by {change.needed_by}")
        line.save()
    if not changed:
        raise OrderError("Nothing changed.", code=OrderErrorCode.NO_CHANGE)
    if released:
        funds_commitment_release(
            requisition=order.requisition, charges=released, by=by, note=f"{order.number} revision {order.revision + 1}"
        )
    order.total_minor = total_minor(line.total_minor for line in lines.values())
    order.revision += 1
    everything_cancelled = all(line.status == PurchaseOrderLine.Status.CANCELLED for line in lines.values())
    order.save(update_fields=["total_minor", "revision"])
    purchase_order_status_move(
        order=order,
        to_status=PurchaseOrder.Status.CANCELLED if everything_cancelled else PurchaseOrder.Status.ISSUED,
        by=by,
        comment=f"Revision {order.revision}: {note or '; '.join(changed)}",
    )
    kind = PurchaseOrderRevision.Kind.DELETE if everything_cancelled else PurchaseOrderRevision.Kind.UPDATE
    _revision(order, kind, by, note or "; ".join(changed))
    audit_event_record(
        event_type="purchase_order.changed",
        actor=by.user,
        legal_entity=order.legal_entity,
        obj=order,
        data={"revision": order.revision, "changes": changed},
    )
    if increases:  # after the rest is out, so an approval at once starts from the new revision
        lines_now = {line.line_number: line for line in order.lines.all()}
        return order, _request_increase(order, lines_now, increases, by, note)
    return order, None


def purchase_order_cancel(*, order: PurchaseOrder, by: Employee, note: str = "") -> PurchaseOrder:
    """Every open line to 0: lowering quantities never needs approval, so nothing is left to submit."""
    lines = order.lines.exclude(status=PurchaseOrderLine.Status.CANCELLED)
    cancelled, _ = purchase_order_lines_change(
        order=order,
        by=by,
        changes=[LineChange(line.line_number, quantity=Decimal(0)) for line in lines],
        note=note or "Cancelled",
    )
    return cancelled


def _request_increase(
    order: PurchaseOrder,
    lines: dict[int, PurchaseOrderLine],
    increases: list[LineChange],
    by: Employee,
    note: str,
) -> OrderChange:
    """Raising quantities raises the amount: the extra goes through approval as a change requisition of the
    original requester (their chain, the rules, the budgets), and reaches the supplier once approved. The
    change requisition is returned as a cart: the caller submits it."""
    original = order.requisition
    requester = original.requester
    extras = []
    for increase in increases:
        line = lines[increase.line_number]
        assert increase.quantity is not None
        extras.append((line, increase.quantity - line.quantity))
    requisition = requisition_create(
        by=requester,
        legal_entity=order.legal_entity,
        title=f"Change of {order.number}: more of {len(extras)} line{'s' if len(extras) != 1 else ''}",
        justification=note or f"Asked by {by.display_name} (buyer) on {order.number}",
        ship_to=order.ship_to,
    )
    created = requisition_lines_replace_external(
        requisition=requisition,
        by=requester,
        lines=[
            ExternalLine(
                description=f"{line.description} (more on {order.number} line {line.line_number})",
                quantity=extra,
                unit=line.unit,
                unit_price=Money.from_minor(line.unit_price_minor, order.currency),
                supplier=order.supplier,
                supplier_part_id=line.supplier_part_id,
                supplier_part_auxiliary_id=line.supplier_part_auxiliary_id,
                price_basis_quantity=line.price_basis_quantity,
                unspsc=line.unspsc,
            )
            for line, extra in extras
        ],
        source=RequisitionLine.Source.FREE_TEXT,
        note=f"Change of {order.number}",
    )
    for new_line, (line, _) in zip(created, extras, strict=True):
        new_line.cost_centre_id = line.cost_centre_id
        new_line.gl_account = line.gl_account
        new_line.save(update_fields=["cost_centre", "gl_account"])
    change = OrderChange.objects.create(
        purchase_order=order,
        requisition=requisition,
        changes=[{"line": increase.line_number, "quantity": str(increase.quantity)} for increase in increases],
        note=note[:300],
        created_by=by,
    )
    audit_event_record(
        event_type="purchase_order.change_requested",
        actor=by.user,
        legal_entity=order.legal_entity,
        obj=order,
        data={"requisition": requisition.number, "changes": change.changes},
    )
    return change


@dataclass(frozen=True)
class AppliedChange:
    order: PurchaseOrder
    charges: list[Charge]  # what the raised quantities add, for the budget commitment


def order_change_apply(*, change: OrderChange, by: Employee | None) -> AppliedChange:
    """The change requisition is approved: the raised quantities go on the order in a new revision and its
    outbox row (sent after commit). The caller commits the budget for `charges`."""
    order = purchase_orders_qs_select_for_update().get(pk=change.purchase_order_id)
    lines = {line.line_number: line for line in purchase_order_lines_qs_select_for_update(purchase_order=order)}
    applied = []
    charges: list[Charge] = []
    for entry in change.changes:
        line = lines[int(entry["line"])]
        quantity = Decimal(entry["quantity"])
        old_total = line.total_minor
        line.quantity = quantity
        line.total_minor = line_total_minor(
            quantity=quantity, unit_price_minor=line.unit_price_minor, price_basis_quantity=line.price_basis_quantity
        )
        line.status = PurchaseOrderLine.Status.OPEN
        line.save()
        charges.extend(_line_charges(line, line.total_minor - old_total))
        applied.append(f"line {line.line_number} quantity {decimal_text(quantity)}")
    order.total_minor = total_minor(line.total_minor for line in lines.values())
    order.revision += 1
    order.save(update_fields=["total_minor", "revision"])
    purchase_order_status_move(
        order=order,
        to_status=PurchaseOrder.Status.ISSUED,
        by=by,
        comment=f"Revision {order.revision}: approved in {change.requisition.number}",
    )
    _revision(
        order, PurchaseOrderRevision.Kind.UPDATE, by, f"Approved in {change.requisition.number}: " + "; ".join(applied)
    )
    change.status = OrderChange.Status.APPLIED
    change.save(update_fields=["status"])
    return AppliedChange(order=order, charges=charges)


def order_change_refuse(*, change: OrderChange, status: str) -> None:
    """The change requisition was rejected, returned, withdrawn or cancelled: the change will not happen."""
    change.status = OrderChange.Status.REFUSED
    change.save(update_fields=["status"])
    _tell_buyers(change.requisition, f"The change of {change.purchase_order.number} was not approved ({status}).")


def order_total(order: PurchaseOrder) -> Money:
    return Money.from_minor(order.total_minor, order.currency)
