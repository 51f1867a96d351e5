"""Carts as a whole: open one, change its header, copy it, move lines between carts, merge carts."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Address, Employee, LegalEntity
from procurement.selectors import (
    catalog_item_quote,
    catalog_items_visible,
    catalog_pricing_applicable,
)
from procurement.services import document_numbers_next
from procurement.sql import sql_insert

from ..error_codes import RequisitionErrorCode
from ..errors import NotRequester, RequisitionError
from ..lock_objects import requisitions_select_for_update
from ..models import SUPPLIER_NOTE_MAX, Requisition, RequisitionEvent, RequisitionLine, RequisitionStatus
from ..selectors import membership_and_default_ship_to, requestable_for
from .lifecycle import _status_move
from .line_prices import line_price_apply, line_reprice_for_quantity
from .line_rules import catalog_quantity_check, combine_key
from .line_taxes import LineTaxes, line_tax_amount_refresh
from .shared import LINE_BATCH, _check_editable, _event, _lines_changed, _lock, _next_line_number, _refresh_totals


def _check_on_behalf_of(requisition: Requisition, by: Employee, person: Employee | None) -> Employee | None:
    """Only a colleague of the requisition's entity (active, not a punch-in identity, not the requester)."""
    if person is None:
        return None
    if person.pk == requisition.requester_id:
        return None  # for oneself: no one else
    allowed = requestable_for(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id)
    if not allowed.filter(pk=person.pk).exists():
        raise RequisitionError(
            _("You cannot request for %(display_name)s: pick an active colleague of %(code)s.")
            % {"display_name": person.display_name, "code": requisition.legal_entity.code},
            code=RequisitionErrorCode.INVALID_ON_BEHALF_OF,
        )
    return person


@transaction.atomic
def requisition_create(
    *,
    by: Employee,
    legal_entity: LegalEntity,
    title: str = "",
    justification: str = "",
    needed_by: date | None = None,
    ship_to: Address | None = None,
    on_behalf_of: Employee | None = None,
    supplier_note: str = "",
) -> Requisition:
    """Open a new cart (a draft requisition) for one of the employee's legal entities."""
    # Membership and the default ship-to in one query.
    member, default_ship_to = membership_and_default_ship_to(employee=by, legal_entity=legal_entity)
    if not member:
        raise RequisitionError(
            _("You are not a member of legal entity %(code)s.") % {"code": legal_entity.code},
            code=RequisitionErrorCode.NOT_A_MEMBER,
        )
    if ship_to is not None and ship_to.legal_entity_id != legal_entity.pk:
        raise RequisitionError(
            _("The ship-to address belongs to another legal entity."), code=RequisitionErrorCode.INVALID_SHIP_TO
        )
    if ship_to is None:
        ship_to = default_ship_to
    if on_behalf_of is not None:
        _check_on_behalf_of(Requisition(requester=by, legal_entity=legal_entity), by, on_behalf_of)
        if on_behalf_of.pk == by.pk:
            on_behalf_of = None
    # One upsert that makes or moves the entity's sequence row (gap-free: it stays locked until this commits).
    [number] = document_numbers_next(legal_entity=legal_entity, kind="requisition", count=1)
    requisition = Requisition(
        legal_entity=legal_entity,
        number=f"REQ-{legal_entity.code}-{number:06d}",
        requester=by,
        on_behalf_of=on_behalf_of,
        title=title.strip() or f"Cart of {timezone.localdate():%d %b %Y}",
        justification=justification,
        supplier_note=_supplier_note(supplier_note),
        needed_by=needed_by,
        ship_to=ship_to,
        currency=legal_entity.currency,
    )
    sql_insert([requisition])  # as `save` writes it, built as text
    _event(requisition, by, RequisitionEvent.Kind.CREATED)
    return requisition


EDITABLE_FIELDS = ("title", "justification", "supplier_note", "needed_by", "ship_to", "on_behalf_of")


def _supplier_note(text: str) -> str:
    """A note to the supplier (requisition or line), trimmed; refused when longer than it can be sent."""
    text = (text or "").strip()
    if len(text) > SUPPLIER_NOTE_MAX:
        raise RequisitionError(
            _("A note to the supplier has at most %(supplier_note_max)s characters (%(text)s given).")
            % {"supplier_note_max": SUPPLIER_NOTE_MAX, "text": len(text)},
            code=RequisitionErrorCode.INVALID_SUPPLIER_NOTE,
        )
    return text


@transaction.atomic
def requisition_update(*, requisition: Requisition, by: Employee, fields: dict[str, Any]) -> Requisition:
    """Change the header (title, justification, needed-by, ship-to, on-behalf-of) of an editable requisition."""
    requisition = _lock(requisition)
    _check_editable(requisition, by)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise RequisitionError(
            _("These fields cannot be changed: %(unknown)s.") % {"unknown": ", ".join(sorted(unknown))},
            code=RequisitionErrorCode.INVALID,
        )
    ship_to = fields.get("ship_to")
    if ship_to is not None and ship_to.legal_entity_id != requisition.legal_entity_id:
        raise RequisitionError(
            _("The ship-to address belongs to another legal entity."), code=RequisitionErrorCode.INVALID_SHIP_TO
        )
    if "supplier_note" in fields:
        fields = {**fields, "supplier_note": _supplier_note(fields["supplier_note"])}
    if "on_behalf_of" in fields:
        if fields["on_behalf_of"] is not None and by.pk != requisition.requester_id:
            raise NotRequester(_("Only the requester may say for whom the requisition is."))
        fields = {**fields, "on_behalf_of": _check_on_behalf_of(requisition, by, fields["on_behalf_of"])}
    changes = {}
    for key, value in fields.items():
        old = getattr(requisition, key)
        if old != value:
            changes[key] = [str(old) if old is not None else None, str(value) if value is not None else None]
            setattr(requisition, key, value)
    if changes:
        requisition.save()
        _event(requisition, by, RequisitionEvent.Kind.EDITED, data={"changes": changes})
    return requisition


def _move_lines(source: Requisition, target: Requisition, lines: list[RequisitionLine]) -> None:
    number = _next_line_number(target)
    for line in sorted(lines, key=lambda line: line.line_number):
        line.requisition = target
        line.line_number = number
        number += 1
    RequisitionLine.objects.bulk_update(lines, ["requisition", "line_number"], batch_size=LINE_BATCH)


def _check_same_cart_owner(source: Requisition, target: Requisition, by: Employee) -> None:
    if source.pk == target.pk:
        raise RequisitionError(_("Pick another cart to move the lines to."), code=RequisitionErrorCode.SAME_CART)
    _check_editable(source, by)
    _check_editable(target, by)
    if source.legal_entity_id != target.legal_entity_id:
        raise RequisitionError(
            _("%(number)s is for %(code)s and %(number2)s for %(code2)s: lines cannot move between legal entities.")
            % {
                "number": source.number,
                "code": source.legal_entity.code,
                "number2": target.number,
                "code2": target.legal_entity.code,
            },
            code=RequisitionErrorCode.OTHER_LEGAL_ENTITY,
        )


@transaction.atomic
def requisition_lines_move(*, source: Requisition, target: Requisition, by: Employee, line_ids: Iterable[int]) -> int:
    """Move lines from one of the employee's carts to another of the same legal entity."""
    source, target = (
        {r.pk: r for r in requisitions_select_for_update([source.pk, target.pk])}[pk] for pk in (source.pk, target.pk)
    )
    _check_same_cart_owner(source, target, by)
    lines = list(source.lines.filter(pk__in=list(line_ids)))
    if not lines:
        return 0
    numbers = [line.line_number for line in lines]
    _move_lines(source, target, lines)
    _event(source, by, RequisitionEvent.Kind.LINES_MOVED, data={"to": target.number, "lines": numbers[:100]})
    _event(target, by, RequisitionEvent.Kind.LINES_MOVED, data={"from": source.number, "count": len(lines)})
    _lines_changed(source, by)
    _lines_changed(target, by)
    return len(lines)


@transaction.atomic
def requisition_merge(*, target: Requisition, sources: Sequence[Requisition], by: Employee) -> Requisition:
    """Merge carts into one: their lines move over (in order) and the emptied carts are cancelled."""
    ids = sorted({target.pk, *(source.pk for source in sources)})
    locked = {r.pk: r for r in requisitions_select_for_update(ids)}
    target = locked[target.pk]
    merged = [locked[source.pk] for source in sources if source.pk != target.pk]
    if not merged:
        raise RequisitionError(_("Pick at least one other cart to merge."), code=RequisitionErrorCode.NOTHING_TO_MERGE)
    for source in merged:
        _check_same_cart_owner(source, target, by)
    kept: dict[tuple[Any, ...], RequisitionLine] = {}
    for line in target.lines.select_related("catalog_item").prefetch_related("splits").order_by("line_number"):
        key = combine_key(line)
        if key is not None:
            kept.setdefault(key, line)
    combined: list[str] = []
    for source in merged:
        moving = []
        for line in source.lines.select_related("catalog_item").prefetch_related("splits").order_by("line_number"):
            key = combine_key(line)
            into = kept.get(key) if key is not None else None
            if into is not None and into.catalog_item is not None:
                try:
                    quantity = catalog_quantity_check(item=into.catalog_item, quantity=into.quantity + line.quantity)
                except RequisitionError:
                    into = None  # the sum would break a rule (too large, another multiple): keep the line apart
            if into is None:
                moving.append(line)
                if key is not None:
                    kept[key] = line
                continue
            into.quantity = quantity
            line_reprice_for_quantity(into)  # a contract line: the tier of the combined quantity
            into.total_minor = into.compute_total_minor()
            line_tax_amount_refresh(into)
            into.save(update_fields=["quantity", "unit_price_minor", "total_minor", "tax_minor"])
            combined.append(f"{source.number} line {line.line_number} → line {into.line_number}")
            line.delete()
        _move_lines(source, target, moving)
        _refresh_totals(source)
        _status_move(source, RequisitionStatus.CANCELLED, by, comment=f"Merged into {target.number}.")
    _event(
        target,
        by,
        RequisitionEvent.Kind.MERGED,
        data={"from": [source.number for source in merged], "combined": combined[:100]},
    )
    _lines_changed(target, by)
    return target


@transaction.atomic
def requisition_copy(*, requisition: Requisition, by: Employee) -> Requisition:
    """A new cart with the same header and lines; catalog lines at today's prices."""
    copy = requisition_create(
        by=by,
        legal_entity=requisition.legal_entity,
        title=f"Copy of {requisition.title}"[:200],
        justification=requisition.justification,
        ship_to=requisition.ship_to,
        supplier_note=requisition.supplier_note,
    )
    copy.copied_from = requisition
    copy.save(update_fields=["copied_from"])
    lines = list(requisition.lines.select_related("catalog_item").order_by("line_number"))
    item_ids = {line.catalog_item_id for line in lines if line.catalog_item_id}
    pricing = catalog_pricing_applicable(legal_entity=copy.legal_entity, user=by.user, item_ids=item_ids)
    visible = set(catalog_items_visible(legal_entity=copy.legal_entity, user=by.user).values_list("pk", flat=True))
    new_lines = []
    skipped = []
    taxes = LineTaxes(copy)
    for number, line in enumerate(lines, 1):
        fresh = RequisitionLine(
            requisition=copy,
            line_number=number,
            source=line.source,
            catalog_item=line.catalog_item,
            supplier_id=line.supplier_id,
            supplier_part_id=line.supplier_part_id,
            supplier_part_auxiliary_id=line.supplier_part_auxiliary_id,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price_minor=line.unit_price_minor,
            currency=line.currency,
            price_basis_quantity=line.price_basis_quantity,
            unspsc=line.unspsc,
            lead_time_days=line.lead_time_days,
            manufacturer=line.manufacturer,
            manufacturer_part_id=line.manufacturer_part_id,
            cost_centre_id=line.cost_centre_id,
            gl_account=line.gl_account,
            project=line.project,
            supplier_note=line.supplier_note,
            extrinsics=line.extrinsics,
        )
        if line.catalog_item is not None:
            if line.catalog_item_id not in visible:
                skipped.append(line.line_number)
                continue
            line_price_apply(fresh, catalog_item_quote(item=line.catalog_item, pricing=pricing, quantity=line.quantity))
        fresh.total_minor = fresh.compute_total_minor()
        # Today's codes; a punchout line keeps the rate its supplier's cart gave.
        taxes.apply(fresh, supplier_rate=line.tax_rate if line.source == RequisitionLine.Source.PUNCHOUT else None)
        new_lines.append(fresh)
    RequisitionLine.objects.bulk_create(new_lines, batch_size=LINE_BATCH)
    _event(copy, by, RequisitionEvent.Kind.COPIED, data={"from": requisition.number, "skipped_lines": skipped})
    _lines_changed(copy, by)
    return copy
