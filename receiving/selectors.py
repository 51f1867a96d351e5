"""Reads of goods receipts and who may receive what.

Who may receive an order's goods: the requester of its requisition (or the person it was requested for), the
requisition's named receiver, and the employees with the warehouse role in the order's legal entity. Nobody
else, whatever else they may see. Everything is scoped to the employee's active legal entities.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from orders.models import PurchaseOrder, PurchaseOrderLine, Shipment
from orders.selectors import purchase_orders_visible
from orders.transitions import OPEN
from procurement.models import Employee, LegalEntity, Role

from .errors import NotAllowedToReceive, OrderNotReceivable, ReceiptNotFound
from .models import GoodsReceipt, GoodsReceiptLine, ReceivingSettings

ZERO = Decimal(0)


def _entities(employee: Employee) -> QuerySet[LegalEntity]:
    return employee.legal_entities.filter(is_active=True)


def is_warehouse(*, employee: Employee, legal_entity_id: int) -> bool:
    return (
        employee.roles.filter(code=Role.WAREHOUSE).exists()
        and employee.legal_entities.filter(pk=legal_entity_id, is_active=True).exists()
    )


def purchase_orders_receivable(*, employee: Employee) -> QuerySet[PurchaseOrder]:
    """Orders (of any status) whose goods the employee may receive."""
    orders = PurchaseOrder.objects.filter(legal_entity__in=_entities(employee).values("pk"))
    if employee.roles.filter(code=Role.WAREHOUSE).exists():
        return orders
    return orders.filter(
        Q(requisition__requester=employee) | Q(requisition__on_behalf_of=employee) | Q(requisition__receiver=employee)
    )


def may_receive(*, employee: Employee, order: PurchaseOrder) -> bool:
    return purchase_orders_receivable(employee=employee).filter(pk=order.pk).exists()


def purchase_orders_to_receive(*, employee: Employee, legal_entity: LegalEntity) -> QuerySet[PurchaseOrder]:
    """The "To receive" list: open orders of the entity the employee may receive, with something outstanding."""
    outstanding = PurchaseOrderLine.objects.exclude(status=PurchaseOrderLine.Status.CANCELLED).filter(
        Q(receipt_by_amount=False, received_quantity__lt=F("quantity"))
        | Q(receipt_by_amount=True, received_amount_minor__lt=F("total_minor"))
    )
    return (
        purchase_orders_receivable(employee=employee)
        .filter(legal_entity=legal_entity, status__in=OPEN, pk__in=outstanding.values("purchase_order_id"))
        .select_related("supplier", "requisition__requester__user")
        .order_by("-created_at", "-id")
    )


def purchase_order_for_receiving(*, employee: Employee, pk: int | str) -> PurchaseOrder:
    """The order to receive: 404 (`ReceiptNotFound`) outside the employee's entities, 403 (`NotAllowedToReceive`)
    when they may not receive it."""
    order = (
        PurchaseOrder.objects.filter(legal_entity__in=_entities(employee).values("pk"))
        .select_related("supplier", "legal_entity", "requisition__requester__user", "requisition__receiver__user")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise ReceiptNotFound(_("There is no purchase order %(id)s that you may see.") % {"id": pk})
    if not may_receive(employee=employee, order=order):
        raise NotAllowedToReceive(
            _(
                "You may not receive goods for %(number)s: only its requester, the receiver named on "
                "%(number2)s or the warehouse of %(code)s may."
            )
            % {"number": order.number, "number2": order.requisition.number, "code": order.legal_entity.code}
        )
    return order


def receivable_check(order: PurchaseOrder) -> None:
    """Refuse an order that is held, cancelled or closed: nothing arrives against it."""
    if order.status not in OPEN:
        status = PurchaseOrder.Status(order.status)
        why = {
            PurchaseOrder.Status.HELD: _("it is held for a buyer and was never sent to the supplier"),
            PurchaseOrder.Status.CANCELLED: _("it is cancelled"),
            PurchaseOrder.Status.CLOSED: _("it is closed"),
        }.get(status, _("it is %(label)s") % {"label": status.label.lower()})
        raise OrderNotReceivable(_("%(number)s cannot be received: %(why)s.") % {"number": order.number, "why": why})


def receipts_visible(*, employee: Employee) -> QuerySet[GoodsReceipt]:
    """Receipts of orders the employee may see or may receive."""
    visible = purchase_orders_visible(employee=employee).values("pk")
    receivable = purchase_orders_receivable(employee=employee).values("pk")
    return GoodsReceipt.objects.filter(Q(purchase_order__in=visible) | Q(purchase_order__in=receivable))


def receipt_get(*, employee: Employee, pk: int | str) -> GoodsReceipt:
    try:
        return (
            receipts_visible(employee=employee)
            .select_related(
                "purchase_order__supplier", "legal_entity", "received_by__user", "reversed_by__user", "shipment"
            )
            .prefetch_related(receipt_lines_prefetch())
            .get(pk=pk)
        )
    except (GoodsReceipt.DoesNotExist, ValueError):
        raise ReceiptNotFound(_("There is no goods receipt %(id)s that you may see.") % {"id": pk}) from None


def receipt_lines_prefetch() -> Prefetch:
    return Prefetch("lines", GoodsReceiptLine.objects.select_related("po_line").order_by("po_line__line_number"))


def receipts_of_order(*, order: PurchaseOrder) -> QuerySet[GoodsReceipt]:
    return (
        GoodsReceipt.objects.filter(purchase_order=order)
        .select_related("received_by__user", "reversed_by__user", "shipment", "legal_entity", "purchase_order")
        .prefetch_related(receipt_lines_prefetch())
        .order_by("received_at", "id")
    )


def over_receipt_percent(*, legal_entity_id: int) -> Decimal:
    """The entity's over-receipt tolerance in percent (0 when it has set none)."""
    found = ReceivingSettings.objects.filter(legal_entity_id=legal_entity_id).values_list(
        "over_receipt_percent", flat=True
    )
    return next(iter(found), ZERO)


# --- the supplier's ship notices -----------------------------------------------------------------


@dataclass
class ShipmentPending:
    """A ship notice of the order with what it announced that has not arrived yet (by order line id)."""

    shipment: Shipment
    pending: dict[int, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.pending.values(), ZERO)


def shipments_pending(*, order: PurchaseOrder, lines: list[PurchaseOrderLine]) -> list[ShipmentPending]:
    """The order's ship notices, oldest first, each with what it shipped and is not received yet.

    What was accepted so far is counted against the ship notices in the order they came (the first shipped
    arrives first). A notice for the whole order (no lines) ships every line in full; the counts shipped are
    capped at the quantity ordered, as the order's shipped quantities are. Lines received by amount (services)
    are not shipped.
    """
    by_number = {line.line_number: line for line in lines if not line.receipt_by_amount}
    by_pk = {line.pk: line for line in by_number.values()}
    shipped_so_far = {pk: ZERO for pk in by_pk}
    result = []
    for shipment in Shipment.objects.filter(purchase_order=order).order_by("created_at", "id"):
        item = ShipmentPending(shipment=shipment)
        if shipment.lines:
            shipped: dict[int, Decimal] = {}
            for entry in shipment.lines:
                line = by_number.get(_int(entry.get("line")))
                quantity = _decimal(entry.get("quantity"))
                if line is not None and quantity > 0:
                    shipped[line.pk] = shipped.get(line.pk, ZERO) + quantity
            targets = {pk: min(shipped_so_far[pk] + quantity, by_pk[pk].quantity) for pk, quantity in shipped.items()}
        else:
            targets = {line.pk: line.quantity for line in by_number.values()}
        for pk, upto in targets.items():
            line = by_pk[pk]
            if line.status == PurchaseOrderLine.Status.CANCELLED:
                continue
            before = max(shipped_so_far[pk], line.received_quantity)
            if upto > before:
                item.pending[pk] = upto - before
            shipped_so_far[pk] = max(shipped_so_far[pk], upto)
        result.append(item)
    return result


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _decimal(value: object) -> Decimal:
    try:
        found = Decimal(str(value))
    except ArithmeticError:
        return ZERO
    return found if found.is_finite() else ZERO
