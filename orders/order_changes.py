"""Changes to a sent purchase order: a buyer lowers quantities, moves dates or cancels lines (a new revision goes
out at once); raised quantities become a change requisition that is approved first, then applied or refused."""

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from budgets.services import Charge, funds_commitment_release
from notifications.models import Kind
from procurement.events import audit_event_record
from procurement.models import Employee
from procurement.money import Money, decimal_text, line_total_minor, total_minor
from procurement.taxes import LineTax
from punchout.cart_lines import IncomingLine
from requisitions.models import RequisitionLine
from requisitions.services.carts import requisition_create
from requisitions.services.lines import requisition_lines_replace_external

from .buyers import buyers_notify, check_buyer
from .error_codes import OrderErrorCode
from .errors import OrderError
from .lock_objects import purchase_order_lines_qs_select_for_update, purchase_orders_qs_select_for_update
from .models import OrderChange, PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision
from .order_contracts import order_lines_commit_increases_to_contracts, order_lines_release_from_contracts
from .services import order_line_charges, purchase_order_revision_add
from .transitions import order_change_status_move, purchase_order_status_move


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
        _("Line %(line_number)s: %(value)s is not a date (YYYY-MM-DD).")
        % {"line_number": line_number, "value": repr(str(value)[:40])},
        code=OrderErrorCode.INVALID,
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
        raise OrderError(
            _("%(number)s is %(status)s: it cannot change.")
            % {"number": order.number, "status": order.get_status_display().lower()}
        )
    lines = {line.line_number: line for line in purchase_order_lines_qs_select_for_update(purchase_order=order)}
    for change in changes:
        if change.line_number not in lines:
            raise OrderError(
                _("%(number)s has no line %(line_number)s.")
                % {"number": order.number, "line_number": change.line_number},
                code=OrderErrorCode.INVALID,
            )
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
            raise OrderError(_("Nothing changed."), code=OrderErrorCode.NO_CHANGE)
        return order, _request_increase(order, lines, increases, by, note)
    released: list[Charge] = []
    decreases: list[tuple[PurchaseOrderLine, int]] = []
    changed = []
    for change in changes:
        line = lines.get(change.line_number)
        if line is None:
            raise OrderError(
                _("%(number)s has no line %(line_number)s.")
                % {"number": order.number, "line_number": change.line_number},
                code=OrderErrorCode.INVALID,
            )
        if line.status == PurchaseOrderLine.Status.CANCELLED:
            continue
        if change.quantity is not None and change.quantity != line.quantity:
            if change.quantity < 0:
                raise OrderError(
                    _("Line %(line_number)s: a quantity cannot be negative.") % {"line_number": line.line_number},
                    code=OrderErrorCode.INVALID,
                )
            old_total = line.total_minor
            line.quantity = change.quantity
            line.total_minor = line_total_minor(
                quantity=change.quantity,
                unit_price_minor=line.unit_price_minor,
                price_basis_quantity=line.price_basis_quantity,
            )
            line.tax_minor = LineTax(rate=line.tax_rate).amount_minor(line.total_minor)  # same rate, new amount
            if change.quantity == 0:
                line.status = PurchaseOrderLine.Status.CANCELLED
            released.extend(order_line_charges(line, old_total - line.total_minor))
            decreases.append((line, old_total - line.total_minor))
            changed.append(f"line {line.line_number} quantity {decimal_text(change.quantity)}")
        if change.needed_by is not None and change.needed_by != line.needed_by:
            line.needed_by = change.needed_by
            changed.append(f"line {line.line_number} needed by {change.needed_by}")
        line.save()
    if not changed:
        raise OrderError(_("Nothing changed."), code=OrderErrorCode.NO_CHANGE)
    if released:
        funds_commitment_release(
            requisition=order.requisition,
            charges=released,
            by=by,
            note=f"{order.number} revision {order.revision + 1}",
            purchase_order=order,
        )
    order_lines_release_from_contracts(order, decreases, revision=order.revision + 1)
    order.total_minor = total_minor(line.total_minor for line in lines.values())
    order.tax_minor = total_minor(line.tax_minor for line in lines.values())
    order.revision += 1
    everything_cancelled = all(line.status == PurchaseOrderLine.Status.CANCELLED for line in lines.values())
    order.save(update_fields=["total_minor", "tax_minor", "revision"])
    purchase_order_status_move(
        order=order,
        to_status=PurchaseOrder.Status.CANCELLED if everything_cancelled else PurchaseOrder.Status.ISSUED,
        by=by,
        comment=f"Revision {order.revision}: {note or '; '.join(changed)}",
    )
    kind = PurchaseOrderRevision.Kind.DELETE if everything_cancelled else PurchaseOrderRevision.Kind.UPDATE
    purchase_order_revision_add(order, kind, by, note or "; ".join(changed))
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
            IncomingLine(
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
    for new_line, (line, _extra) in zip(created, extras, strict=True):
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
    increases: list[tuple[PurchaseOrderLine, int]] = []
    for entry in change.changes:
        line = lines[int(entry["line"])]
        quantity = Decimal(entry["quantity"])
        old_total = line.total_minor
        line.quantity = quantity
        line.total_minor = line_total_minor(
            quantity=quantity, unit_price_minor=line.unit_price_minor, price_basis_quantity=line.price_basis_quantity
        )
        line.tax_minor = LineTax(rate=line.tax_rate).amount_minor(line.total_minor)
        line.status = PurchaseOrderLine.Status.OPEN
        line.save()
        charges.extend(order_line_charges(line, line.total_minor - old_total))
        increases.append((line, line.total_minor - old_total))
        applied.append(f"line {line.line_number} quantity {decimal_text(quantity)}")
    order_lines_commit_increases_to_contracts(order, increases, revision=order.revision + 1)
    order.total_minor = total_minor(line.total_minor for line in lines.values())
    order.tax_minor = total_minor(line.tax_minor for line in lines.values())
    order.revision += 1
    order.save(update_fields=["total_minor", "tax_minor", "revision"])
    purchase_order_status_move(
        order=order,
        to_status=PurchaseOrder.Status.ISSUED,
        by=by,
        comment=f"Revision {order.revision}: approved in {change.requisition.number}",
    )
    purchase_order_revision_add(
        order, PurchaseOrderRevision.Kind.UPDATE, by, f"Approved in {change.requisition.number}: " + "; ".join(applied)
    )
    order_change_status_move(
        change=change, to_status=OrderChange.Status.APPLIED, by=by, comment=f"Approved in {change.requisition.number}"
    )
    return AppliedChange(order=order, charges=charges)


def order_change_refuse(*, change: OrderChange, status: str) -> None:
    """The change requisition was rejected, returned, withdrawn or cancelled: the change will not happen."""
    order_change_status_move(
        change=change, to_status=OrderChange.Status.REFUSED, by=None, comment=f"{change.requisition.number} {status}"
    )
    order = change.purchase_order
    buyers_notify(
        legal_entity_id=change.requisition.legal_entity_id,
        kind=Kind.NEEDS_BUYER,
        message="order_change_refused",
        context={"number": order.number, "status": status},
        link=reverse("orders:detail", args=[order.pk]),
        obj=order,
        data={
            "purchase_order": {"id": order.pk, "number": order.number},
            "change_requisition": change.requisition.number,
            "status": status,
        },
    )
