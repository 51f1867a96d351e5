"""Purchase orders from approved requisitions: grouped, numbered, issued and queued for sending.

On a final approval p2p/submit_to_order.py calls, in the approval's transaction: purchase_orders_create
(lines grouped by supplier x currency x ship-to, numbered per legal entity, gap-free under the sequence
row lock; issued at once with revision 1 of each and its outbox row), then budgets' commitment of the orders:
per requisition, each kind of row written in one insert, however many orders and lines.
The outbox is sent after commit (transmission.py). A purchasing rule with the effect "hold for a
buyer" keeps the orders with a buyer, who issues them (purchase_order_issue). A buyer's change that
raises quantities makes a change requisition (purchase_order_lines_change) that p2p submits; once it is
approved p2p applies it (order_change_apply).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.chain import Rates, requisition_facts, rule_matches
from approvals.models import PurchasingRule
from budgets.services import Charge, funds_commit
from procurement.events import audit_event_record
from procurement.models import Employee
from procurement.money import Money, split_minor, total_minor
from procurement.services import document_numbers_next
from procurement.sql import sql_insert
from punchout.cxml import new_payload_id
from requisitions.models import Requisition, RequisitionLine, RequisitionLineSplit, RequisitionStatus
from requisitions.services.lifecycle import requisition_status_move

from .buyers import check_buyer
from .error_codes import OrderErrorCode
from .errors import OrderError
from .lock_objects import purchase_orders_qs_select_for_update
from .models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision, Transmission
from .order_contracts import contracts_of_lines, order_contract_apply, order_lines_commit_to_contracts
from .selectors import OrderingFacts, orders_of_approved, requisition_lines_with_suppliers
from .transitions import (
    purchase_order_status_move,
    purchase_orders_created_events,
    purchase_orders_moved_before_written,
)
from .transmission import transmission_enqueue

# A lump-sum service (UN/CEFACT LS "lump sum", E48 "service unit") is received and matched by amount: the
# receiver says how much of it was delivered ("400.00 of the 1,000.00 calibration"), not a quantity.
RECEIVED_BY_AMOUNT_UNITS = frozenset({"LS", "E48"})


def hold_reason(*, requisition: Requisition, rules: list[PurchasingRule] | None = None) -> str:
    """The first "hold for a buyer" rule that applies, as a reason; empty when orders may go out at once.

    The few active hold rules of the entity are read first (unless given); the requisition's facts only when there
    are some (`rule_matches` checks every condition, so no narrowing by the facts in SQL is needed)."""
    if rules is None:
        rules = list(
            PurchasingRule.objects.filter(
                Q(legal_entity__isnull=True) | Q(legal_entity_id=requisition.legal_entity_id),
                is_active=True,
                applies_to=PurchasingRule.AppliesTo.REQUISITIONS,
                effect=PurchasingRule.Effect.HOLD_FOR_BUYER,
            ).order_by("position", "pk")
        )
    if not rules:
        return ""
    facts = requisition_facts(requisition=requisition)
    rates = Rates(requisition.currency)
    for rule in rules:
        if rule_matches(rule, facts, rates):
            return rule.message or f"Held for a buyer by the rule “{rule.name}”."
    return ""


def order_charges(order: PurchaseOrder) -> list[Charge]:
    """What an order charges, per cost centre: each line, or each split of its requisition line."""
    charges = []
    for line in order.lines.select_related("requisition_line").prefetch_related("requisition_line__splits"):
        if line.status == PurchaseOrderLine.Status.CANCELLED:
            continue
        charges.extend(order_line_charges(line, line.total_minor))
    return charges


def order_line_charges(line: PurchaseOrderLine, amount_minor: int, *, split: bool = True) -> list[Charge]:
    """What an order line charges, per cost centre. `split` False: its requisition line is known not to be split
    (its splits are not read)."""
    source = line.requisition_line
    splits = list(source.splits.all()) if source is not None and split else []
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
    """The orders made for an approved requisition: those to issue now, those held for a buyer (with why), and
    what each charges (per order id, the `order_charges` of it, computed from the rows just written)."""

    orders: list[PurchaseOrder]
    hold_reason: str
    unordered_lines: int  # lines without a supplier, left for a buyer to order
    charges: dict[int, list[Charge]] = field(default_factory=dict)

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


def _lines_with_suppliers(requisition_id: int) -> list[RequisitionLine]:
    """The requisition's lines in line order, each with its supplier (orders.selectors)."""
    return requisition_lines_with_suppliers(requisition_id)


@transaction.atomic(savepoint=False)
def purchase_orders_create(
    *, requisition: Requisition, by: Employee | None = None, facts: OrderingFacts | None = None
) -> NewOrders:
    """Turn an approved requisition into orders, one per supplier x currency x ship-to: held for a buyer when a
    rule says so, otherwise issued (by `by`, now) with revision 1 and its outbox row, sent once the transaction
    commits (the orders sent by hand `manual` at once). The caller commits their budgets in the same transaction
    (budgets.funds_commit_orders, with `charges`).

    Written per requisition, not per order: the numbers in one allocation; the orders, their lines, revisions,
    outbox rows and history rows each in one insert; the entity, the hold rules and the lines' cost splits read
    once (the rules and the splits only when there are some). `facts`: as `orders_of_approved` read them (read
    here when not given)."""
    if facts is None:
        facts = orders_of_approved(requisition=requisition).ordering
    reason = hold_reason(requisition=requisition, rules=None if facts.hold_rules else [])
    lines = facts.lines if facts.lines is not None else _lines_with_suppliers(requisition.pk)
    if not reason and facts.splits:
        prefetch_related_objects(lines, Prefetch("splits", RequisitionLineSplit.objects.order_by("line", "id")))
    orderable = [line for line in lines if line.supplier_id is not None]
    groups: dict[tuple[int, str, int | None], list[RequisitionLine]] = defaultdict(list)
    for line in orderable:
        assert line.supplier_id is not None
        groups[(line.supplier_id, line.currency, requisition.ship_to_id)].append(line)
    if not groups:
        return NewOrders(orders=[], hold_reason=reason, unordered_lines=len(lines))
    ordered_groups = sorted(groups.items(), key=lambda g: (str(g[1][0].supplier), g[0]))
    numbers = document_numbers_next(
        legal_entity=requisition.legal_entity, kind="purchase_order", count=len(ordered_groups)
    )
    now = timezone.now()
    contracts = contracts_of_lines(orderable)  # no read when no line was priced from a contract
    orders = []
    for number, ((_supplier, currency, ship_to_id), group) in zip(numbers, ordered_groups, strict=True):
        supplier = group[0].supplier
        assert supplier is not None
        orders.append(
            PurchaseOrder(
                legal_entity_id=requisition.legal_entity_id,
                number=f"{facts.po_number_prefix}{number:06d}",
                supplier=supplier,
                currency=currency,
                ship_to_id=ship_to_id,
                bill_to_id=facts.bill_to_id,
                requisition=requisition,
                status=PurchaseOrder.Status.HELD if reason else PurchaseOrder.Status.ISSUED,
                method=supplier.order_method,
                hold_reason=reason,
                supplier_note=requisition.supplier_note,
                total_minor=total_minor(line.total_minor for line in group),
                tax_minor=total_minor(line.tax_minor for line in group),  # the lines' taxes, each rounded once
                issued_at=None if reason else now,
                issued_by=None if reason else by,
            )
        )
        if contracts:
            order_contract_apply(orders[-1], group, contracts)
    # Issued at once: an order sent by hand is written `manual` (what its revision 1 makes it), its history
    # saying both moves (created issued, then manual), as purchase_order_revision_add would have.
    events = purchase_orders_created_events(orders=orders, by=by, comment=f"From {requisition.number}")
    if not reason:
        events += purchase_orders_moved_before_written(
            orders=[order for order in orders if order.method == "none"],
            to_status=PurchaseOrder.Status.MANUAL,
            by=by,
            comment="Revision 1 to be sent by hand",
        )
    sql_insert(orders)
    order_lines = [
        PurchaseOrderLine(
            purchase_order=order,
            line_number=position,
            requisition_line=line,
            contract_id=line.contract_id,
            supplier_part_id=line.supplier_part_id,
            supplier_part_auxiliary_id=line.supplier_part_auxiliary_id,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price_minor=line.unit_price_minor,
            price_basis_quantity=line.price_basis_quantity,
            total_minor=line.total_minor,
            receipt_by_amount=line.unit in RECEIVED_BY_AMOUNT_UNITS,
            tax_code=line.tax_code,
            tax_category=line.tax_category,
            tax_rate=line.tax_rate,
            tax_minor=line.tax_minor,
            unspsc=line.unspsc,
            needed_by=requisition.needed_by,
            cost_centre_id=line.cost_centre_id,
            gl_account=line.gl_account,
            supplier_note=line.supplier_note,
        )
        for order, (_key, group) in zip(orders, ordered_groups, strict=True)
        for position, line in enumerate(group, 1)
    ]
    sql_insert(order_lines)
    if contracts:  # release orders of framework agreements consume their caps
        order_lines_commit_to_contracts(order_lines)
    charges: dict[int, list[Charge]] = {}
    if not reason:  # held orders are charged when a buyer issues them (order_charges then)
        for order_line in order_lines:
            charges.setdefault(order_line.purchase_order.pk, []).extend(
                order_line_charges(order_line, order_line.total_minor, split=facts.splits)
            )
        _first_revisions(orders, by=by, now=now)
    sql_insert(events)
    return NewOrders(orders=orders, hold_reason=reason, unordered_lines=len(lines) - len(orderable), charges=charges)


def _issue(order: PurchaseOrder, by: Employee | None) -> None:
    """A buyer releases a held order: commit the budget, then issue it."""
    others_held = order.requisition.purchase_orders.filter(status=PurchaseOrder.Status.HELD).exclude(pk=order.pk)
    funds_commit(
        requisition=order.requisition,
        charges=order_charges(order),
        by=by,
        note=order.number,
        release_all=not others_held.exists(),  # the last one clears what is left (rounding of splits)
        purchase_order=order,
    )
    purchase_order_issued(order=order, by=by)


def purchase_order_issued(*, order: PurchaseOrder, by: Employee | None) -> None:
    """The order's budget is committed: it is issued, with revision 1 and its outbox row (sent once the
    transaction commits)."""
    purchase_order_status_move(order=order, to_status=PurchaseOrder.Status.ISSUED, by=by, comment="Issued")
    order.issued_at = timezone.now()
    order.issued_by = by
    order.save(update_fields=["issued_at", "issued_by"])
    purchase_order_revision_add(order, PurchaseOrderRevision.Kind.NEW, by, "Issued")


def _first_revisions(orders: list[PurchaseOrder], *, by: Employee | None, now: datetime) -> None:
    """Revision 1 of orders just issued and its outbox row, each kind in one insert; the outbox rows not sent by
    hand are queued to send once the transaction commits. What `purchase_order_revision_add` does for one order."""
    revisions = [
        PurchaseOrderRevision(
            purchase_order=order,
            revision=order.revision,
            kind=PurchaseOrderRevision.Kind.NEW,
            payload_id=new_payload_id(),
            timestamp=now,
            total_minor=order.total_minor,
            note="Issued",
            created_by=by.user if by else None,
        )
        for order in orders
    ]
    sql_insert(revisions)
    transmissions = [
        Transmission(
            revision=revision,
            purchase_order=order,
            method=order.method,
            status=Transmission.Status.MANUAL if order.method == "none" else Transmission.Status.PENDING,
            next_attempt_at=now,
        )
        for order, revision in zip(orders, revisions, strict=True)
    ]
    sql_insert(transmissions)
    for transmission in transmissions:
        if transmission.status == Transmission.Status.PENDING:
            transaction.on_commit(partial(transmission_enqueue, transmission.pk))


def purchase_order_revision_add(
    order: PurchaseOrder, kind: str, by: Employee | None, note: str
) -> PurchaseOrderRevision:
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
        transaction.on_commit(lambda: transmission_enqueue(transmission.pk))
    return revision


@transaction.atomic
def purchase_order_issue(*, order: PurchaseOrder, by: Employee) -> PurchaseOrder:
    """A buyer releases a held order."""
    order = purchase_orders_qs_select_for_update().get(pk=order.pk)
    check_buyer(by, order)
    if order.status != PurchaseOrder.Status.HELD:
        raise OrderError(
            _("%(number)s is %(status)s, not held.")
            % {"number": order.number, "status": order.get_status_display().lower()},
            code=OrderErrorCode.NOT_HELD,
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


def order_total(order: PurchaseOrder) -> Money:
    return Money.from_minor(order.total_minor, order.currency)
