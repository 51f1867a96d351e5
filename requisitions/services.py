"""Writes of requisitions. Each service owns its transaction, locks the requisition it changes and
records what it did as a RequisitionEvent in the same transaction."""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.functions import Lower
from django.utils import timezone

from procurement.models import Address, CatalogItem, CostCentre, Employee, LegalEntity, Supplier
from procurement.money import (
    MAX_MINOR,
    Money,
    MoneyError,
    convert_minor,
    decimal_text,
    is_currency,
    minor_storable,
    total_minor,
    typed_price_check,
)
from procurement.selectors import (
    catalog_item_price,
    catalog_items_visible,
    exchange_rate_get,
    legal_entities_for_employee,
    price_lists_applicable,
)
from procurement.services import document_number_next

from . import hooks
from .errors import (
    NotRequester,
    RequisitionError,
    RequisitionNotEditable,
    SubmissionInvalid,
    TransitionNotAllowed,
)
from .lock_objects import (
    import_jobs_qs_select_for_update,
    requisition_lines_qs_select_for_update,
    requisition_lists_qs_select_for_update,
    requisitions_select_for_update,
)
from .models import (
    SUPPLIER_NOTE_MAX,
    ImportJob,
    Requisition,
    RequisitionEvent,
    RequisitionLine,
    RequisitionLineSplit,
    RequisitionList,
    RequisitionListItem,
    RequisitionStatus,
)
from .quick_order import (
    MAX_BYTES,
    MAX_QUANTITY,
    QuickOrderError,
    QuickOrderErrorGroup,
    QuickOrderFormatError,
    QuickOrderParse,
    QuickOrderRow,
    errors_grouped,
    parse_upload,
)
from .selectors import cost_centres_chargeable, requestable_for
from .transitions import CANCELLABLE, WITHDRAWABLE, is_allowed

LINE_BATCH = 1000


# --- helpers -------------------------------------------------------------------------------------


def _event(
    requisition: Requisition,
    by: Employee | None,
    kind: str,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
) -> RequisitionEvent:
    return RequisitionEvent.objects.create(
        requisition=requisition,
        actor=by.user if by else None,
        kind=kind,
        comment=comment,
        data=data or {},
        from_status=from_status,
        to_status=to_status,
    )


def _lock(requisition: Requisition) -> Requisition:
    """Re-read the requisition under a row lock: concurrent edits of one cart take turns."""
    [locked] = requisitions_select_for_update([requisition.pk])
    return locked


def _check_requester(requisition: Requisition, by: Employee) -> None:
    if by.pk not in (requisition.requester_id, requisition.on_behalf_of_id):
        raise NotRequester("Only the requester may change this requisition.")


def _check_editable(requisition: Requisition, by: Employee) -> None:
    _check_requester(requisition, by)
    if not requisition.is_editable:
        raise RequisitionNotEditable(
            f"{requisition.number} is {requisition.get_status_display().lower()}: it can be changed only while "
            "it is a draft or has been returned to you."
        )


def _status_move(requisition: Requisition, to_status: str, by: Employee | None, *, comment: str = "") -> None:
    """The one place a status changes: checked against the table, logged, told to the hooks."""
    from_status = requisition.status
    if not is_allowed(from_status, to_status):
        raise TransitionNotAllowed(
            f"A {RequisitionStatus(from_status).label.lower()} requisition cannot become "
            f"{RequisitionStatus(to_status).label.lower()}."
        )
    requisition.status = to_status
    requisition.save(update_fields=["status", "updated_at", *(["submitted_at"] if to_status == "submitted" else [])])
    _event(requisition, by, RequisitionEvent.Kind.STATUS, comment=comment, from_status=from_status, to_status=to_status)
    for hook in hooks.registered():
        hook.after_status_change(requisition=requisition, from_status=from_status, to_status=to_status, by=by)


def requisition_status_move(
    *, requisition: Requisition, to_status: str, by: Employee | None, comment: str = ""
) -> Requisition:
    """Move a requisition to another status (for approvals and purchase orders), under its row lock."""
    with transaction.atomic():
        locked = _lock(requisition)
        _status_move(locked, to_status, by, comment=comment)
        return locked


def _refresh_totals(requisition: Requisition) -> None:
    """The total is the sum of the line totals, added per currency in minor units; each other currency's sum
    is converted once at the stored rate of the day (`convert_minor`) and the rate recorded in `total_rates`.
    A currency without a stored rate leaves the total unknown (None) and is recorded with rate None."""
    per_currency = dict(
        requisition.lines.order_by()
        .values("currency")
        .annotate(sum_minor=Sum("total_minor"))
        .values_list("currency", "sum_minor")
    )
    parts: list[int] = []
    rates: dict[str, str | None] = {}
    known = True
    for currency, amount in sorted(per_currency.items()):
        if currency == requisition.currency:
            parts.append(amount or 0)
            continue
        rate = exchange_rate_get(from_currency=currency, to_currency=requisition.currency)
        rates[currency] = None if rate is None else decimal_text(rate)
        if rate is None:
            known = False
            continue
        parts.append(convert_minor(amount or 0, from_currency=currency, to_currency=requisition.currency, rate=rate))
    requisition.total_minor = total_minor(parts) if known else None
    requisition.total_rates = rates
    requisition.line_count = requisition.lines.count()
    requisition.save(update_fields=["total_minor", "total_rates", "line_count", "updated_at"])


def _lines_changed(requisition: Requisition, by: Employee) -> None:
    _refresh_totals(requisition)
    for hook in hooks.registered():
        hook.after_lines_changed(requisition=requisition, by=by)


def _next_line_number(requisition: Requisition) -> int:
    return (requisition.lines.aggregate(top=Max("line_number"))["top"] or 0) + 1


MAX_LEAD_TIME_DAYS = 99_999  # what OCI's LEADTIME (5 digits) and our column hold


def _check_quantity(quantity: Decimal) -> Decimal:
    if quantity <= 0:
        raise RequisitionError("The quantity must be greater than 0.", code="invalid_quantity")
    if quantity > MAX_QUANTITY:
        raise RequisitionError(f"The quantity must be at most {MAX_QUANTITY}.", code="invalid_quantity")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise RequisitionError("The quantity may have at most 3 decimals.", code="invalid_quantity")
    return quantity


def _check_typed_price(requisition: Requisition, unit_price: Money) -> None:
    """A price a person typed (free-text line, page or API): an ISO 4217 currency that is the requisition's or has
    a stored rate to it, not negative, at most MAX_TYPED_PRICE (docs/money.md)."""
    currency = unit_price.currency
    try:
        typed_price_check(unit_price.amount, currency)
    except MoneyError as error:
        code = "invalid_currency" if not is_currency(currency) else "invalid_price"
        raise RequisitionError(str(error), code=code) from None
    if (
        currency != requisition.currency
        and exchange_rate_get(from_currency=currency, to_currency=requisition.currency) is None
    ):
        raise RequisitionError(
            f"No exchange rate from {currency} to {requisition.currency} is stored: use {requisition.currency} "
            "or ask finance to add the rate.",
            code="invalid_currency",
        )


def catalog_quantity_check(*, item: CatalogItem, quantity: Decimal) -> Decimal:
    """The one quantity rule for a catalog item, applied by every entry point (catalog page, API, quick order,
    upload, the cart's quantity change, merging carts, requisition lists): greater than 0, at most 3 decimals
    and 9,999,999, a whole multiple of the item's order multiple and at least its minimum quantity.

    Raises `invalid_quantity` with a message that names the item, e.g. "BOX-12 is sold in multiples of 12 EA:
    order 12 or 24, not 18."
    """
    problem = item.quantity_problem(quantity)
    if problem:
        raise RequisitionError(problem, code="invalid_quantity")
    try:
        return _check_quantity(quantity)
    except RequisitionError as error:
        raise RequisitionError(f"{item.sku}: {error.message}", code=error.code) from None


def _splits_key(line: RequisitionLine) -> tuple[tuple[int, str, str, str], ...]:
    if line.pk is None:
        return ()
    return tuple(
        sorted(
            (split.cost_centre_id, str(split.percent), split.gl_account, split.project) for split in line.splits.all()
        )
    )


def combine_key(line: RequisitionLine) -> tuple[Any, ...] | None:
    """Lines with the same key are one line: the same catalog item at the same price, charged the same way
    (cost centre, GL account, project and splits). Quick order and merging carts both combine by it;
    free-text and punchout lines are never combined."""
    if line.catalog_item_id is None or line.source not in COMBINABLE_SOURCES:
        return None
    return (
        line.catalog_item_id,
        line.unit_price_minor,
        line.currency,
        line.price_basis_quantity,
        line.cost_centre_id,
        line.gl_account,
        line.project,
        _splits_key(line),
    )


COMBINABLE_SOURCES = (RequisitionLine.Source.CATALOG, RequisitionLine.Source.QUICK_ORDER)


def _check_cost_centre(requisition: Requisition, cost_centre: CostCentre | None) -> CostCentre | None:
    if cost_centre is None:
        return None
    if cost_centre.legal_entity_id != requisition.legal_entity_id:
        raise RequisitionError(
            f"Cost centre {cost_centre.code} belongs to another legal entity.", code="invalid_cost_centre"
        )
    allowed = cost_centres_chargeable(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id)
    if not allowed.filter(pk=cost_centre.pk).exists():
        raise RequisitionError(f"You may not charge cost centre {cost_centre.code}.", code="invalid_cost_centre")
    return cost_centre


def _default_cost_centre(requisition: Requisition) -> CostCentre | None:
    default = requisition.requester.default_cost_centre
    if default is not None and default.legal_entity_id == requisition.legal_entity_id:
        return default
    return cost_centres_chargeable(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id).first()


# --- requisitions --------------------------------------------------------------------------------


def _check_on_behalf_of(requisition: Requisition, by: Employee, person: Employee | None) -> Employee | None:
    """Only a colleague of the requisition's entity (active, not a punch-in identity, not the requester)."""
    if person is None:
        return None
    if person.pk == requisition.requester_id:
        return None  # for oneself: no one else
    allowed = requestable_for(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id)
    if not allowed.filter(pk=person.pk).exists():
        raise RequisitionError(
            f"You cannot request for {person.display_name}: pick an active colleague of "
            f"{requisition.legal_entity.code}.",
            code="invalid_on_behalf_of",
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
    if not legal_entities_for_employee(employee=by).filter(pk=legal_entity.pk).exists():
        raise RequisitionError(f"You are not a member of legal entity {legal_entity.code}.", code="not_a_member")
    if ship_to is not None and ship_to.legal_entity_id != legal_entity.pk:
        raise RequisitionError("The ship-to address belongs to another legal entity.", code="invalid_ship_to")
    if ship_to is None:
        ship_to = legal_entity.addresses.filter(kind=Address.Kind.SHIP_TO, is_default=True).first()
    if on_behalf_of is not None:
        _check_on_behalf_of(Requisition(requester=by, legal_entity=legal_entity), by, on_behalf_of)
        if on_behalf_of.pk == by.pk:
            on_behalf_of = None
    number = document_number_next(legal_entity=legal_entity, kind="requisition")
    requisition = Requisition.objects.create(
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
    _event(requisition, by, RequisitionEvent.Kind.CREATED)
    return requisition


EDITABLE_FIELDS = ("title", "justification", "supplier_note", "needed_by", "ship_to", "on_behalf_of")


def _supplier_note(text: str) -> str:
    """A note to the supplier (requisition or line), trimmed; refused when longer than it can be sent."""
    text = (text or "").strip()
    if len(text) > SUPPLIER_NOTE_MAX:
        raise RequisitionError(
            f"A note to the supplier has at most {SUPPLIER_NOTE_MAX} characters ({len(text)} given).",
            code="invalid_supplier_note",
        )
    return text


@transaction.atomic
def requisition_update(*, requisition: Requisition, by: Employee, fields: dict[str, Any]) -> Requisition:
    """Change the header (title, justification, needed-by, ship-to, on-behalf-of) of an editable requisition."""
    requisition = _lock(requisition)
    _check_editable(requisition, by)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise RequisitionError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.", code="invalid")
    ship_to = fields.get("ship_to")
    if ship_to is not None and ship_to.legal_entity_id != requisition.legal_entity_id:
        raise RequisitionError("The ship-to address belongs to another legal entity.", code="invalid_ship_to")
    if "supplier_note" in fields:
        fields = {**fields, "supplier_note": _supplier_note(fields["supplier_note"])}
    if "on_behalf_of" in fields:
        if fields["on_behalf_of"] is not None and by.pk != requisition.requester_id:
            raise NotRequester("Only the requester may say for whom the requisition is.")
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


@dataclass(frozen=True)
class CatalogPick:
    item: CatalogItem
    quantity: Decimal
    cost_centre: CostCentre | None = None


def _catalog_lines(
    requisition: Requisition, picks: Sequence[CatalogPick], source: str
) -> tuple[list[RequisitionLine], list[RequisitionLine]]:
    """New lines for the picks, or more quantity on lines that already hold the same item and cost centre."""
    price_lists = price_lists_applicable(legal_entity=requisition.legal_entity, user=requisition.requester.user)
    default_centre = _default_cost_centre(requisition)
    existing: dict[tuple[Any, ...], RequisitionLine] = {}
    for found in requisition.lines.filter(
        catalog_item__isnull=False, splits__isnull=True, source__in=COMBINABLE_SOURCES
    ).prefetch_related("splits"):
        found_key = combine_key(found)
        if found_key is not None:
            existing.setdefault(found_key, found)
    number = _next_line_number(requisition)
    created: list[RequisitionLine] = []
    updated: dict[int, RequisitionLine] = {}
    prices: dict[int, Money] = {}
    for pick in picks:
        catalog_quantity_check(item=pick.item, quantity=pick.quantity)
        centre = pick.cost_centre or default_centre
        if pick.item.pk not in prices:
            prices[pick.item.pk] = catalog_item_price(item=pick.item, price_lists=price_lists)
        price = prices[pick.item.pk]
        key = (pick.item.pk, price.minor, price.currency, Decimal(1), centre.pk if centre else None, "", "", ())
        line = existing.get(key)
        if line is not None:
            line.quantity = catalog_quantity_check(item=pick.item, quantity=line.quantity + pick.quantity)
            line.total_minor = line.compute_total_minor()
            if line.pk:
                updated[line.pk] = line
            continue
        line = RequisitionLine(
            requisition=requisition,
            line_number=number,
            source=source,
            catalog_item=pick.item,
            supplier=pick.item.supplier,
            supplier_part_id=pick.item.sku,
            description=pick.item.name,
            quantity=pick.quantity,
            unit=pick.item.unit,
            unit_price_minor=price.minor,
            currency=price.currency,
            unspsc=pick.item.unspsc,
            lead_time_days=pick.item.lead_time_days,
            manufacturer=pick.item.manufacturer,
            manufacturer_part_id=pick.item.manufacturer_part_id,
            cost_centre=centre,
        )
        line.total_minor = line.compute_total_minor()
        number += 1
        existing[key] = line
        created.append(line)
    return created, list(updated.values())


@transaction.atomic
def requisition_lines_add_from_catalog(
    *,
    requisition: Requisition,
    by: Employee,
    picks: Sequence[CatalogPick],
    source: str = RequisitionLine.Source.CATALOG,
) -> list[RequisitionLine]:
    """Add catalog items (many at once) to an editable cart at the entity's prices.

    An item already in the cart for the same cost centre gets the quantity added instead of a second line.
    Items outside what the requester may see for the cart's entity are refused with their SKUs.
    """
    requisition = _lock(requisition)
    _check_editable(requisition, by)
    if not picks:
        return []
    visible = set(
        catalog_items_visible(legal_entity=requisition.legal_entity, user=requisition.requester.user)
        .filter(pk__in={pick.item.pk for pick in picks})
        .values_list("pk", flat=True)
    )
    refused = sorted({pick.item.sku for pick in picks if pick.item.pk not in visible})
    if refused:
        raise RequisitionError(
            f"Not in the catalog of {requisition.legal_entity.code}: {', '.join(refused[:10])}.",
            code="not_in_catalog",
        )
    for pick in picks:
        _check_cost_centre(requisition, pick.cost_centre)
    created, updated = _catalog_lines(requisition, picks, source)
    for start in range(0, len(created), LINE_BATCH):
        RequisitionLine.objects.bulk_create(created[start : start + LINE_BATCH])
    if updated:
        RequisitionLine.objects.bulk_update(updated, ["quantity", "total_minor"], batch_size=LINE_BATCH)
    _event(
        requisition,
        by,
        RequisitionEvent.Kind.LINES_ADDED,
        data={
            "source": source,
            "added": len(created),
            "increased": len(updated),
            "skus": [pick.item.sku for pick in picks[:20]],
        },
    )
    _lines_changed(requisition, by)
    return created + updated


@transaction.atomic
def requisition_line_add_free_text(
    *,
    requisition: Requisition,
    by: Employee,
    description: str,
    quantity: Decimal,
    unit: str,
    unit_price: Money,
    supplier: Supplier | None = None,
    cost_centre: CostCentre | None = None,
    unspsc: str = "",
    gl_account: str = "",
    project: str = "",
    supplier_note: str = "",
) -> RequisitionLine:
    """Add a line for something not in the catalog: a description, a price and a unit."""
    requisition = _lock(requisition)
    _check_editable(requisition, by)
    if not description.strip():
        raise RequisitionError("A free-text line needs a description.", code="invalid")
    _check_typed_price(requisition, unit_price)
    line = RequisitionLine(
        requisition=requisition,
        line_number=_next_line_number(requisition),
        source=RequisitionLine.Source.FREE_TEXT,
        supplier=supplier,
        description=description.strip()[:500],
        quantity=_check_quantity(quantity),
        unit=unit.upper(),
        unit_price_minor=unit_price.minor,
        currency=unit_price.currency,
        unspsc=unspsc,
        cost_centre=_check_cost_centre(requisition, cost_centre) or _default_cost_centre(requisition),
        gl_account=gl_account,
        project=project,
        supplier_note=_supplier_note(supplier_note),
    )
    line.total_minor = line.compute_total_minor()
    line.save()
    _event(
        requisition,
        by,
        RequisitionEvent.Kind.LINES_ADDED,
        data={"source": line.source, "added": 1, "description": line.description},
    )
    _lines_changed(requisition, by)
    return line


@dataclass(frozen=True)
class ExternalLine:
    """A line that comes from outside (a supplier's punchout cart), already mapped to our units and codes."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Money
    supplier: Supplier | None
    supplier_part_id: str = ""
    supplier_part_auxiliary_id: str = ""
    price_basis_quantity: Decimal = Decimal(1)
    unspsc: str = ""
    lead_time_days: int | None = None
    manufacturer: str = ""
    manufacturer_part_id: str = ""
    catalog_item: CatalogItem | None = None
    extrinsics: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def requisition_lines_replace_external(
    *,
    requisition: Requisition,
    by: Employee,
    lines: Sequence[ExternalLine],
    replace_line_ids: Iterable[int] = (),
    source: str = RequisitionLine.Source.PUNCHOUT,
    note: str = "",
) -> list[RequisitionLine]:
    """Add lines from outside in one step, removing `replace_line_ids` first (a punchout edit replaces its lines).

    Every line is checked (quantity, unit, price) before anything changes; the first bad one refuses all.
    Cost centres are the requester's default; the lines keep the supplier's part ids and extras.
    """
    requisition = _lock(requisition)
    _check_editable(requisition, by)
    centre = _default_cost_centre(requisition)
    built: list[RequisitionLine] = []
    for index, spec in enumerate(lines, 1):
        description = " ".join(spec.description.split())[:500] or spec.supplier_part_id or f"Item {index}"
        if spec.unit_price.amount < 0:
            raise RequisitionError(f"Line {index} ({description}) has a negative price.", code="invalid_price")
        unit = (spec.unit or "EA").upper()
        if not re.fullmatch(r"[A-Z0-9]{2,3}", unit):  # procurement.models.unit_validator
            raise RequisitionError(f"Line {index} ({description}) has the unit {unit!r}.", code="invalid_unit")
        try:
            quantity = (
                catalog_quantity_check(item=spec.catalog_item, quantity=spec.quantity)
                if spec.catalog_item is not None
                else _check_quantity(spec.quantity)
            )
        except RequisitionError as exc:
            raise RequisitionError(f"Line {index} ({description}): {exc.message}", code=exc.code) from None
        if spec.price_basis_quantity <= 0:
            raise RequisitionError(f"Line {index} ({description}) has a price basis of 0.", code="invalid_price")
        try:
            unit_price_minor = minor_storable(spec.unit_price)
        except MoneyError as exc:
            raise RequisitionError(f"Line {index} ({description}): {exc}.", code="invalid_price") from None
        lead_time = spec.lead_time_days
        if lead_time is not None and not 0 <= lead_time <= MAX_LEAD_TIME_DAYS:
            raise RequisitionError(
                f"Line {index} ({description}) has a lead time of {lead_time} days: at most {MAX_LEAD_TIME_DAYS}.",
                code="invalid_lead_time",
            )
        line = RequisitionLine(
            requisition=requisition,
            source=source,
            catalog_item=spec.catalog_item,
            supplier=spec.supplier,
            supplier_part_id=spec.supplier_part_id[:64],
            supplier_part_auxiliary_id=spec.supplier_part_auxiliary_id[:255],
            description=description,
            quantity=quantity,
            unit=unit,
            unit_price_minor=unit_price_minor,
            currency=spec.unit_price.currency,
            price_basis_quantity=spec.price_basis_quantity,
            unspsc=spec.unspsc[:8] if spec.unspsc.isdigit() else "",
            lead_time_days=lead_time,
            manufacturer=spec.manufacturer[:100],
            manufacturer_part_id=spec.manufacturer_part_id[:64],
            cost_centre=centre,
            extrinsics=spec.extrinsics,
        )
        line.total_minor = line.compute_total_minor()
        if line.total_minor > MAX_MINOR:
            raise RequisitionError(
                f"Line {index} ({description}) comes to more than can be stored.", code="invalid_price"
            )
        built.append(line)
    removed = list(requisition.lines.filter(pk__in=list(replace_line_ids)).values_list("line_number", flat=True))
    if removed:
        requisition.lines.filter(pk__in=list(replace_line_ids)).delete()
    number = _next_line_number(requisition)
    for offset, line in enumerate(built):
        line.line_number = number + offset
    created = RequisitionLine.objects.bulk_create(built, batch_size=500)
    _event(
        requisition,
        by,
        RequisitionEvent.Kind.LINES_ADDED,
        comment=note,
        data={"source": source, "added": len(created), "replaced": removed[:100]},
    )
    _lines_changed(requisition, by)
    return created


@transaction.atomic
def requisition_line_update(*, line: RequisitionLine, by: Employee, fields: dict[str, Any]) -> RequisitionLine:
    """Change a line's quantity or account assignment (and, for free text, description, unit and price)."""
    requisition = _lock(line.requisition)
    _check_editable(requisition, by)
    line = requisition_lines_qs_select_for_update(requisition=requisition).get(pk=line.pk)
    allowed = {"quantity", "cost_centre", "gl_account", "project", "supplier_note"}
    if line.source == RequisitionLine.Source.FREE_TEXT:
        allowed |= {"description", "unit", "unit_price", "supplier", "unspsc"}
    refused = set(fields) - allowed
    if refused:
        raise RequisitionError(
            f"These fields of a {line.get_source_display().lower()} line cannot be changed: "
            f"{', '.join(sorted(refused))}.",
            code="invalid",
        )
    changes: dict[str, list[str | None]] = {}
    for key, value in fields.items():
        if key == "quantity" and line.catalog_item is not None:
            value = catalog_quantity_check(item=line.catalog_item, quantity=Decimal(value))
        elif key == "quantity":
            value = _check_quantity(Decimal(value))
        if key == "cost_centre":
            value = _check_cost_centre(requisition, value)
        if key == "supplier_note":
            value = _supplier_note(value)
        if key == "unit_price":
            _check_typed_price(requisition, value)
            old_price = str(line.unit_price)
            line.unit_price_minor, line.currency = value.minor, value.currency
            if old_price != str(line.unit_price):
                changes["unit_price"] = [old_price, str(line.unit_price)]
            continue
        old = getattr(line, key)
        if old != value:
            changes[key] = [str(old) if old is not None else None, str(value) if value is not None else None]
            setattr(line, key, value)
    line.total_minor = line.compute_total_minor()
    line.save()
    if changes:
        _event(requisition, by, RequisitionEvent.Kind.LINE_CHANGED, data={"line": line.line_number, "changes": changes})
        _lines_changed(requisition, by)
    return line


@dataclass(frozen=True)
class SplitSpec:
    cost_centre: CostCentre
    percent: Decimal
    gl_account: str = ""
    project: str = ""


@transaction.atomic
def requisition_line_splits_set(*, line: RequisitionLine, by: Employee, splits: Sequence[SplitSpec]) -> RequisitionLine:
    """Charge a line to several cost centres by percentage; the parts must add up to exactly 100 %.

    An empty list removes the split, leaving the line's own cost centre.
    """
    requisition = _lock(line.requisition)
    _check_editable(requisition, by)
    line = requisition.lines.get(pk=line.pk)
    if splits:
        if len(splits) < 2:
            raise RequisitionError(
                "A split needs at least two parts; otherwise set the line's cost centre.", code="invalid_split"
            )
        total = sum((split.percent for split in splits), Decimal(0))
        if total != Decimal(100):
            raise RequisitionError(f"The parts add up to {total} %, not 100 %.", code="invalid_split")
        seen = set()
        for split in splits:
            if split.percent <= 0 or split.percent != split.percent.quantize(Decimal("0.01")):
                raise RequisitionError("Each part must be more than 0 % with at most 2 decimals.", code="invalid_split")
            _check_cost_centre(requisition, split.cost_centre)
            key = (split.cost_centre.pk, split.gl_account, split.project)
            if key in seen:
                raise RequisitionError(f"Cost centre {split.cost_centre.code} appears twice.", code="invalid_split")
            seen.add(key)
    line.splits.all().delete()
    RequisitionLineSplit.objects.bulk_create(
        RequisitionLineSplit(
            line=line,
            cost_centre=split.cost_centre,
            percent=split.percent,
            gl_account=split.gl_account,
            project=split.project,
        )
        for split in splits
    )
    _event(
        requisition,
        by,
        RequisitionEvent.Kind.LINE_CHANGED,
        data={"line": line.line_number, "splits": [[split.cost_centre.code, str(split.percent)] for split in splits]},
    )
    return line


@transaction.atomic
def requisition_lines_remove(*, requisition: Requisition, by: Employee, line_ids: Iterable[int]) -> int:
    requisition = _lock(requisition)
    _check_editable(requisition, by)
    lines = requisition.lines.filter(pk__in=list(line_ids))
    numbers = list(lines.values_list("line_number", flat=True))
    if not numbers:
        return 0
    lines.delete()
    _event(requisition, by, RequisitionEvent.Kind.LINES_REMOVED, data={"lines": numbers[:100], "count": len(numbers)})
    _lines_changed(requisition, by)
    return len(numbers)


def _move_lines(source: Requisition, target: Requisition, lines: list[RequisitionLine]) -> None:
    number = _next_line_number(target)
    for line in sorted(lines, key=lambda line: line.line_number):
        line.requisition = target
        line.line_number = number
        number += 1
    RequisitionLine.objects.bulk_update(lines, ["requisition", "line_number"], batch_size=LINE_BATCH)


def _check_same_cart_owner(source: Requisition, target: Requisition, by: Employee) -> None:
    if source.pk == target.pk:
        raise RequisitionError("Pick another cart to move the lines to.", code="same_cart")
    _check_editable(source, by)
    _check_editable(target, by)
    if source.legal_entity_id != target.legal_entity_id:
        raise RequisitionError(
            f"{source.number} is for {source.legal_entity.code} and {target.number} for "
            f"{target.legal_entity.code}: lines cannot move between legal entities.",
            code="other_legal_entity",
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
        raise RequisitionError("Pick at least one other cart to merge.", code="nothing_to_merge")
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
            into.total_minor = into.compute_total_minor()
            into.save(update_fields=["quantity", "total_minor"])
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


# --- quick order ---------------------------------------------------------------------------------


NOTHING_TO_READ = (
    "There was nothing to read: give one item per line as SKU, quantity (e.g. PEN-1,5), "
    "or upload a CSV or Excel file with the SKU in the first column and the quantity in the second."
)


@dataclass(frozen=True)
class QuickAddResult:
    """Every line read is either added or not added (with one error), so read = added + not added."""

    added: int
    errors: list[QuickOrderError]

    @property
    def not_added(self) -> int:
        return len(self.errors)

    @property
    def lines_read(self) -> int:
        return self.added + self.not_added

    @property
    def error_groups(self) -> list[QuickOrderErrorGroup]:
        return errors_grouped(self.errors)


def quick_order_resolve(
    *, requisition: Requisition, rows: Sequence[QuickOrderRow]
) -> tuple[list[tuple[QuickOrderRow, CatalogPick]], list[QuickOrderError]]:
    """Turn `sku,qty[,cost centre]` rows into catalog picks; every row that cannot be added says why.

    SKUs match whatever their case; a constant number of queries per 2,000 distinct SKUs.
    """
    user = requisition.requester.user
    wanted = sorted({row.sku.lower() for row in rows})
    candidates: dict[str, list[CatalogItem]] = defaultdict(list)
    active = CatalogItem.objects.filter(is_active=True).annotate(sku_lower=Lower("sku")).select_related("supplier")
    for start in range(0, len(wanted), 2000):
        for item in active.filter(sku_lower__in=wanted[start : start + 2000]):
            candidates[item.sku.lower()].append(item)
    visible = set(
        catalog_items_visible(legal_entity=requisition.legal_entity, user=user)
        .filter(pk__in=[item.pk for items in candidates.values() for item in items])
        .values_list("pk", flat=True)
    )
    centres = {
        centre.code.lower(): centre
        for centre in cost_centres_chargeable(
            employee=requisition.requester, legal_entity_id=requisition.legal_entity_id
        )
    }
    picks: list[tuple[QuickOrderRow, CatalogPick]] = []
    errors: list[QuickOrderError] = []
    for row in rows:
        items = candidates.get(row.sku.lower(), [])
        if not items:
            errors.append(QuickOrderError(row.line, f"unknown SKU {row.sku}", row.sku, "Unknown SKU"))
            continue
        mine = [item for item in items if item.pk in visible]
        if not mine:
            errors.append(
                QuickOrderError(
                    row.line,
                    f"{row.sku} is not in your catalog for {requisition.legal_entity.code}",
                    row.sku,
                    f"Not in your catalog for {requisition.legal_entity.code}",
                )
            )
            continue
        if len(mine) > 1:
            suppliers = ", ".join(sorted(item.supplier.code for item in mine))
            errors.append(
                QuickOrderError(
                    row.line,
                    f"{row.sku} is sold by several suppliers ({suppliers}): add it from the catalog",
                    row.sku,
                    "Sold by several suppliers: add it from the catalog",
                )
            )
            continue
        centre = None
        if row.cost_centre:
            centre = centres.get(row.cost_centre.lower())
            if centre is None:
                errors.append(
                    QuickOrderError(
                        row.line,
                        f"you may not charge cost centre {row.cost_centre}",
                        row.sku,
                        f"You may not charge cost centre {row.cost_centre}",
                    )
                )
                continue
        problem = mine[0].quantity_problem(row.quantity)
        if problem:
            errors.append(QuickOrderError(row.line, problem, row.sku, "Quantity not allowed for the item's order unit"))
            continue
        picks.append((row, CatalogPick(item=mine[0], quantity=row.quantity, cost_centre=centre)))
    return picks, errors


def requisition_quick_add(*, requisition: Requisition, by: Employee, parsed: QuickOrderParse) -> QuickAddResult:
    """Add pasted or uploaded lines: the good ones go in, each bad one comes back with its line number.

    Input with no line at all is refused (`nothing_to_read`): there is nothing to say "done" about.
    """
    if not parsed.rows and not parsed.errors:
        raise RequisitionError(NOTHING_TO_READ, code="nothing_to_read")
    resolved, errors = quick_order_resolve(requisition=requisition, rows=parsed.rows)
    added = 0
    if resolved:
        try:
            requisition_lines_add_from_catalog(
                requisition=requisition,
                by=by,
                picks=[pick for _, pick in resolved],
                source=RequisitionLine.Source.QUICK_ORDER,
            )
            added = len(resolved)
        except RequisitionError as error:
            if error.code != "invalid_quantity":
                raise
            # Quantities of one SKU added up past the limit: add row by row so the other rows still go in.
            for row, pick in resolved:
                try:
                    requisition_lines_add_from_catalog(
                        requisition=requisition, by=by, picks=[pick], source=RequisitionLine.Source.QUICK_ORDER
                    )
                    added += 1
                except RequisitionError as row_error:
                    errors.append(
                        QuickOrderError(row.line, row_error.message, row.sku, "Quantity too large once added up")
                    )
    all_errors = sorted([*parsed.errors, *errors], key=lambda e: e.line)
    return QuickAddResult(added=added, errors=all_errors)


# --- lifecycle -----------------------------------------------------------------------------------


def _submission_problems(requisition: Requisition) -> list[str]:
    problems = []
    lines = list(requisition.lines.prefetch_related("splits"))
    if not lines:
        problems.append("The requisition has no lines.")
    for line in lines:
        label = f"Line {line.line_number}"
        if line.quantity <= 0:
            problems.append(f"{label}: the quantity must be greater than 0.")
        if not line.currency:
            problems.append(f"{label}: the price has no currency.")
        if line.source == RequisitionLine.Source.FREE_TEXT and line.unit_price_minor == 0:
            problems.append(f"{label}: a free-text line needs a price.")
        if line.cost_centre_id is None and not line.splits.all():
            problems.append(f"{label}: no cost centre is charged.")
        if line.supplier_id is None and line.source != RequisitionLine.Source.FREE_TEXT:
            problems.append(f"{label}: no supplier.")
    if lines and requisition.total_minor is None:
        currencies = sorted({line.currency for line in lines} - {requisition.currency})
        problems.append(f"No exchange rate from {', '.join(currencies)} to {requisition.currency} is stored.")
    return problems


@transaction.atomic
def requisition_submit(*, requisition: Requisition, by: Employee) -> Requisition:
    """Submit a draft or returned requisition: validate it, let approvals and budgets take part, and move it on."""
    requisition = _lock(requisition)
    _check_requester(requisition, by)
    if not requisition.is_editable:
        raise TransitionNotAllowed(f"{requisition.number} is already {requisition.get_status_display().lower()}.")
    _refresh_totals(requisition)
    problems = _submission_problems(requisition)
    if problems:
        raise SubmissionInvalid(" ".join(problems[:5]) + (" …" if len(problems) > 5 else ""), problems=problems)
    for hook in hooks.registered():
        hook.validate_submit(requisition=requisition, by=by)
    requisition.submitted_at = timezone.now()
    _status_move(requisition, RequisitionStatus.SUBMITTED, by)
    for hook in hooks.registered():
        hook.after_submit(requisition=requisition, by=by)
    requisition.refresh_from_db()
    return requisition


@transaction.atomic
def requisition_withdraw(*, requisition: Requisition, by: Employee, comment: str = "") -> Requisition:
    """The requester takes a requisition back before its final approval."""
    requisition = _lock(requisition)
    _check_requester(requisition, by)
    if requisition.status not in WITHDRAWABLE:
        raise TransitionNotAllowed(
            f"{requisition.number} is {requisition.get_status_display().lower()}: only a requisition that is "
            "submitted, in approval or returned can be withdrawn."
        )
    _status_move(requisition, RequisitionStatus.WITHDRAWN, by, comment=comment)
    return requisition


@transaction.atomic
def requisition_cancel(*, requisition: Requisition, by: Employee, comment: str = "") -> Requisition:
    """Cancel a cart, a returned requisition, or (buyers) an approved or ordered one."""
    from procurement.models import Role

    requisition = _lock(requisition)
    is_buyer = (
        by.roles.filter(code=Role.BUYER).exists() and by.legal_entities.filter(pk=requisition.legal_entity_id).exists()
    )
    if by.pk not in (requisition.requester_id, requisition.on_behalf_of_id) and not is_buyer:
        raise NotRequester("Only the requester or a buyer may cancel this requisition.")
    if requisition.status not in CANCELLABLE:
        raise TransitionNotAllowed(
            f"{requisition.number} is {requisition.get_status_display().lower()} and cannot be cancelled."
        )
    _status_move(requisition, RequisitionStatus.CANCELLED, by, comment=comment)
    return requisition


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
    price_lists = price_lists_applicable(legal_entity=copy.legal_entity, user=by.user)
    visible = set(catalog_items_visible(legal_entity=copy.legal_entity, user=by.user).values_list("pk", flat=True))
    new_lines = []
    skipped = []
    for number, line in enumerate(requisition.lines.select_related("catalog_item").order_by("line_number"), 1):
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
            price = catalog_item_price(item=line.catalog_item, price_lists=price_lists)
            fresh.unit_price_minor, fresh.currency = price.minor, price.currency
        fresh.total_minor = fresh.compute_total_minor()
        new_lines.append(fresh)
    RequisitionLine.objects.bulk_create(new_lines, batch_size=LINE_BATCH)
    _event(copy, by, RequisitionEvent.Kind.COPIED, data={"from": requisition.number, "skipped_lines": skipped})
    _lines_changed(copy, by)
    return copy


# --- requisition lists ---------------------------------------------------------------------------


@transaction.atomic
def requisition_list_create(
    *, requisition: Requisition, by: Employee, name: str, shared_with_org_unit: bool = False
) -> RequisitionList:
    """Save a requisition's lines as a named, reusable list (personal, or shared with the owner's org unit)."""
    _check_requester(requisition, by)
    if not name.strip():
        raise RequisitionError("Give the list a name.", code="invalid")
    if shared_with_org_unit and by.org_unit_id is None:
        raise RequisitionError("You belong to no org unit to share the list with.", code="invalid")
    saved = RequisitionList.objects.create(
        name=name.strip()[:200],
        owner=by,
        legal_entity=requisition.legal_entity,
        shared_with_id=by.org_unit_id if shared_with_org_unit else None,
    )
    RequisitionListItem.objects.bulk_create(
        RequisitionListItem(
            requisition_list=saved,
            position=position,
            catalog_item=line.catalog_item,
            sku=line.supplier_part_id,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            supplier=line.supplier,
            unit_price_minor=line.unit_price_minor,
            currency=line.currency,
            cost_centre=line.cost_centre,
        )
        for position, line in enumerate(requisition.lines.order_by("line_number"), 1)
    )
    return saved


@transaction.atomic
def requisition_create_from_list(
    *, requisition_list: RequisitionList, by: Employee, title: str = ""
) -> tuple[Requisition, list[str]]:
    """A new cart from a saved list, at today's prices; items no longer available are named, not added."""
    cart = requisition_create(by=by, legal_entity=requisition_list.legal_entity, title=title or requisition_list.name)
    items = list(requisition_list.items.select_related("catalog_item__supplier", "cost_centre"))
    visible = set(
        catalog_items_visible(legal_entity=cart.legal_entity, user=by.user)
        .filter(pk__in=[i.catalog_item_id for i in items if i.catalog_item_id])
        .values_list("pk", flat=True)
    )
    allowed_centres = set(
        cost_centres_chargeable(employee=by, legal_entity_id=cart.legal_entity_id).values_list("pk", flat=True)
    )
    picks, skipped = [], []
    for entry in items:
        if entry.catalog_item is not None and entry.catalog_item_id in visible:
            problem = entry.catalog_item.quantity_problem(entry.quantity)
            if problem:
                skipped.append(problem)
                continue
            centre = entry.cost_centre if entry.cost_centre_id in allowed_centres else None
            picks.append(CatalogPick(item=entry.catalog_item, quantity=entry.quantity, cost_centre=centre))
        elif entry.catalog_item is None and not entry.sku:
            requisition_line_add_free_text(
                requisition=cart,
                by=by,
                description=entry.description,
                quantity=entry.quantity,
                unit=entry.unit,
                unit_price=Money.from_minor(entry.unit_price_minor, entry.currency),
                supplier=entry.supplier,
            )
        else:
            skipped.append(entry.sku or entry.description)
    requisition_lines_add_from_catalog(requisition=cart, by=by, picks=picks)
    cart.refresh_from_db()
    return cart, skipped


def _check_list_owner(requisition_list: RequisitionList, by: Employee) -> None:
    if requisition_list.owner_id != by.pk:
        raise NotRequester("Only the owner may change this list.")


def list_item_quantity_check(*, entry: RequisitionListItem, quantity: Decimal) -> Decimal:
    """A saved list's item follows the same quantity rule as a cart line."""
    label = entry.sku or entry.description
    if entry.catalog_item is not None:
        return catalog_quantity_check(item=entry.catalog_item, quantity=quantity)
    try:
        return _check_quantity(quantity)
    except RequisitionError as error:
        raise RequisitionError(f"{label}: {error.message}", code=error.code) from None


@transaction.atomic
def requisition_list_update(
    *,
    requisition_list: RequisitionList,
    by: Employee,
    name: str | None = None,
    quantities: dict[int, Decimal] | None = None,
    remove: Iterable[int] = (),
) -> RequisitionList:
    """Rename a saved list, change its items' quantities (each by its item's order unit) and remove items.

    Only the owner may; every value is checked before anything is stored. Item ids not in the list are refused.
    """
    saved = requisition_lists_qs_select_for_update().get(pk=requisition_list.pk)
    _check_list_owner(saved, by)
    items = {entry.pk: entry for entry in saved.items.select_related("catalog_item")}
    quantities = quantities or {}
    removing = set(remove)
    unknown = sorted((set(quantities) | removing) - set(items))
    if unknown:
        raise RequisitionError(
            f"The list “{saved.name}” has no item {', '.join(str(pk) for pk in unknown[:10])}.", code="unknown_item"
        )
    if name is not None:
        if not name.strip():
            raise RequisitionError("Give the list a name.", code="invalid")
        saved.name = name.strip()[:200]
    changed = []
    for pk, quantity in quantities.items():
        if pk in removing:
            continue
        entry = items[pk]
        entry.quantity = list_item_quantity_check(entry=entry, quantity=Decimal(quantity))
        changed.append(entry)
    RequisitionListItem.objects.bulk_update(changed, ["quantity"])
    if removing:
        saved.items.filter(pk__in=removing).delete()
    for position, entry in enumerate(saved.items.order_by("position", "pk"), 1):
        if entry.position != position:
            entry.position = position
            entry.save(update_fields=["position"])
    saved.save()
    return saved


@dataclass(frozen=True)
class ListItemSpec:
    item: CatalogItem
    quantity: Decimal
    cost_centre: CostCentre | None = None


@transaction.atomic
def requisition_list_create_from_items(
    *,
    by: Employee,
    legal_entity: LegalEntity,
    name: str,
    items: Sequence[ListItemSpec],
    shared_with_org_unit: bool = False,
) -> RequisitionList:
    """A saved list of catalog items (each quantity by its order unit), without a cart first."""
    if not legal_entities_for_employee(employee=by).filter(pk=legal_entity.pk).exists():
        raise RequisitionError(f"You are not a member of legal entity {legal_entity.code}.", code="not_a_member")
    if not name.strip():
        raise RequisitionError("Give the list a name.", code="invalid")
    if not items:
        raise RequisitionError("A list needs at least one item.", code="invalid")
    if shared_with_org_unit and by.org_unit_id is None:
        raise RequisitionError("You belong to no org unit to share the list with.", code="invalid")
    visible = set(
        catalog_items_visible(legal_entity=legal_entity, user=by.user)
        .filter(pk__in=[spec.item.pk for spec in items])
        .values_list("pk", flat=True)
    )
    refused = sorted({spec.item.sku for spec in items if spec.item.pk not in visible})
    if refused:
        raise RequisitionError(
            f"Not in the catalog of {legal_entity.code}: {', '.join(refused[:10])}.", code="not_in_catalog"
        )
    price_lists = price_lists_applicable(legal_entity=legal_entity, user=by.user)
    entries = []
    for position, spec in enumerate(items, 1):
        quantity = catalog_quantity_check(item=spec.item, quantity=spec.quantity)
        price = catalog_item_price(item=spec.item, price_lists=price_lists)
        entries.append(
            RequisitionListItem(
                position=position,
                catalog_item=spec.item,
                sku=spec.item.sku,
                description=spec.item.name,
                quantity=quantity,
                unit=spec.item.unit,
                supplier=spec.item.supplier,
                unit_price_minor=price.minor,
                currency=price.currency,
                cost_centre=spec.cost_centre,
            )
        )
    saved = RequisitionList.objects.create(
        name=name.strip()[:200],
        owner=by,
        legal_entity=legal_entity,
        shared_with_id=by.org_unit_id if shared_with_org_unit else None,
    )
    for entry in entries:
        entry.requisition_list = saved
    RequisitionListItem.objects.bulk_create(entries)
    return saved


@transaction.atomic
def requisition_list_delete(*, requisition_list: RequisitionList, by: Employee) -> None:
    if requisition_list.owner_id != by.pk:
        raise NotRequester("Only the owner may delete this list.")
    requisition_list.delete()


# --- imports -------------------------------------------------------------------------------------

IMPORT_CHUNK = 500


@transaction.atomic
def import_job_create(*, requisition: Requisition, by: Employee, filename: str, content: bytes) -> ImportJob:
    """Queue an uploaded (or long pasted) quick order; a worker adds it chunk by chunk, showing progress."""
    if len(content) > MAX_BYTES:
        raise RequisitionError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", code="file_too_large")
    requisition = _lock(requisition)
    _check_editable(requisition, by)
    job = ImportJob.objects.create(requisition=requisition, created_by=by, filename=filename[:255], content=content)
    transaction.on_commit(lambda: _enqueue_import(job.pk))
    return job


def _enqueue_import(job_id: int) -> None:
    from .tasks import import_job_run

    import_job_run.delay(job_id=job_id)


def _error_json(error: QuickOrderError) -> dict[str, Any]:
    return {"line": error.line, "message": error.message, "reason": error.group}


def import_job_errors_grouped(*, job: ImportJob) -> list[QuickOrderErrorGroup]:
    """The import's errors, identical ones together ("Unknown SKU — 3,316 lines: 4, 5, 6 …")."""
    return errors_grouped(
        QuickOrderError(line=e["line"], message=e["message"], reason=e.get("reason", "")) for e in job.errors
    )


def import_job_process(*, job_id: int) -> ImportJob:
    """Parse the file, then add its rows in chunks; each chunk commits with its progress, so a retry
    after a crash continues where it stopped and never adds a chunk twice."""
    job = ImportJob.objects.select_related("requisition", "created_by").get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return job
    try:
        parsed = parse_upload(job.filename or "pasted.txt", bytes(job.content))
    except QuickOrderFormatError as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=str(error), finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    rows = list(parsed.rows)
    if not rows and not parsed.errors:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=NOTHING_TO_READ, finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    # Every line read counts once: added, or not added with its error (parse errors included).
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, total_lines=len(rows) + len(parsed.errors)
    )
    job.refresh_from_db()
    start = job.processed_lines
    while start < len(rows):
        chunk = rows[start : start + IMPORT_CHUNK]
        with transaction.atomic():
            locked = import_jobs_qs_select_for_update().get(pk=job.pk)
            if locked.processed_lines != start:  # another worker took this chunk
                start = locked.processed_lines
                continue
            try:
                result = requisition_quick_add(
                    requisition=job.requisition, by=job.created_by, parsed=QuickOrderParse(rows=tuple(chunk), errors=())
                )
            except RequisitionError as error:
                locked.status, locked.message, locked.finished_at = (
                    ImportJob.Status.FAILED,
                    error.message,
                    timezone.now(),
                )
                locked.save()
                return locked
            locked.processed_lines = start + len(chunk)
            locked.added += result.added
            locked.errors = [*locked.errors, *(_error_json(e) for e in result.errors)]
            locked.save(update_fields=["processed_lines", "added", "errors"])
        start += len(chunk)
    with transaction.atomic():
        locked = import_jobs_qs_select_for_update().get(pk=job.pk)
        if locked.status == ImportJob.Status.DONE:  # another worker finished it
            return locked
        locked.errors = sorted([*locked.errors, *(_error_json(e) for e in parsed.errors)], key=lambda e: e["line"])
        locked.processed_lines = locked.total_lines
        locked.status, locked.finished_at = ImportJob.Status.DONE, timezone.now()
        locked.save(update_fields=["errors", "processed_lines", "status", "finished_at"])
        _event(
            job.requisition,
            job.created_by,
            RequisitionEvent.Kind.IMPORTED,
            data={"file": job.filename, "added": locked.added, "errors": len(locked.errors)},
        )
    return locked
