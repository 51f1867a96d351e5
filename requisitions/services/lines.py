"""Lines of a cart: from the catalog, typed, from a punchout or an ERP, changed, split over cost centres,
removed."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from procurement.bulk import bulk_insert_objects, bulk_insert_rows
from procurement.models import CatalogItem, CostCentre, Employee, Supplier
from procurement.money import MAX_MINOR, Money, MoneyError, line_total_minor, minor_storable
from procurement.selectors import catalog_item_quote, catalog_items_visible, catalog_pricing_applicable
from procurement.taxes import EntityTaxCodes
from punchout.cart_lines import IncomingLine, IncomingRow

from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError
from ..lock_objects import requisition_lines_qs_select_for_update
from ..models import Requisition, RequisitionEvent, RequisitionLine, RequisitionLineSplit
from .carts import _supplier_note
from .line_prices import line_price_apply, line_reprice_for_quantity
from .line_rules import (
    COMBINABLE_SOURCES,
    MAX_LEAD_TIME_DAYS,
    _check_cost_centre,
    _check_quantity,
    _check_typed_price,
    _default_cost_centre,
    catalog_quantity_check,
    combine_key,
)
from .line_taxes import LineTaxes, line_tax_amount_refresh
from .shared import (
    LINE_BATCH,
    _check_editable,
    _event,
    _event_row,
    _line_write,
    _lines_changed,
    _lock,
    _lock_for_line_add,
    _next_line_number,
)


@dataclass(frozen=True)
class CatalogPick:
    item: CatalogItem
    quantity: Decimal
    cost_centre: CostCentre | None = None


def _catalog_lines(
    requisition: Requisition, picks: Sequence[CatalogPick], source: str, *, number: int, taxes: LineTaxes
) -> tuple[list[RequisitionLine], list[RequisitionLine]]:
    """New lines for the picks (numbered from `number`), or more quantity on lines that already hold the same item
    and cost centre."""
    pricing = catalog_pricing_applicable(
        legal_entity=requisition.legal_entity,
        user=requisition.requester.user,
        item_ids={pick.item.pk for pick in picks},
    )
    default_centre = _default_cost_centre(requisition)
    existing: dict[tuple[Any, ...], RequisitionLine] = {}
    for found in requisition.lines.filter(
        catalog_item__isnull=False, splits__isnull=True, source__in=COMBINABLE_SOURCES
    ).prefetch_related("splits"):
        found_key = combine_key(found)
        if found_key is not None:
            existing.setdefault(found_key, found)
    created: list[RequisitionLine] = []
    updated: dict[int, RequisitionLine] = {}
    for pick in picks:
        catalog_quantity_check(item=pick.item, quantity=pick.quantity)
        centre = pick.cost_centre or default_centre
        # A contract in force beats the price lists, at the tier the pick's quantity reaches.
        quote = catalog_item_quote(item=pick.item, pricing=pricing, quantity=pick.quantity)
        price = quote.price
        price_key = ("contract", quote.contract.contract_id) if quote.contract else price.minor
        key = (pick.item.pk, price_key, price.currency, Decimal(1), centre.pk if centre else None, "", "", ())
        line = existing.get(key)
        if line is not None:
            line.quantity = catalog_quantity_check(item=pick.item, quantity=line.quantity + pick.quantity)
            if quote.contract is not None:  # the combined quantity may reach another tier
                line_price_apply(line, replace(quote, price=quote.contract.price_for(line.quantity)))
            line.total_minor = line.compute_total_minor()
            line_tax_amount_refresh(line)
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
            contract_id=quote.contract.contract_id if quote.contract else None,
            unspsc=pick.item.unspsc,
            lead_time_days=pick.item.lead_time_days,
            manufacturer=pick.item.manufacturer,
            manufacturer_part_id=pick.item.manufacturer_part_id,
            cost_centre=centre,
        )
        line.total_minor = line.compute_total_minor()
        taxes.apply(line)
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
    # The cart under its lock, with its next line number and its entity's tax codes, in one query.
    requisition, number, tax_codes = _lock_for_line_add(requisition)
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
            _("Not in the catalog of %(code)s: %(refused)s.")
            % {"code": requisition.legal_entity.code, "refused": ", ".join(refused[:10])},
            code=RequisitionErrorCode.NOT_IN_CATALOG,
        )
    for pick in picks:
        _check_cost_centre(requisition, pick.cost_centre)
    created, updated = _catalog_lines(
        requisition, picks, source, number=number, taxes=LineTaxes(requisition, codes=tax_codes)
    )
    bulk_insert_objects(created, batch_size=LINE_BATCH)
    if updated:
        RequisitionLine.objects.bulk_update(
            updated, ["quantity", "unit_price_minor", "total_minor", "tax_minor"], batch_size=LINE_BATCH
        )
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
    # The cart under its lock, with its next line number and its entity's tax codes, in one query.
    requisition, line_number, tax_codes = _lock_for_line_add(requisition)
    _check_editable(requisition, by)
    if not description.strip():
        raise RequisitionError(_("A free-text line needs a description."), code=RequisitionErrorCode.INVALID)
    _check_typed_price(requisition, unit_price)
    line = RequisitionLine(
        requisition=requisition,
        line_number=line_number,
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
    return _typed_line_write(requisition, by, line, tax_codes)


@transaction.atomic
def requisition_line_add_quoted(
    *,
    requisition: Requisition,
    by: Employee,
    description: str,
    quantity: Decimal,
    unit: str,
    unit_price: Money,
    supplier: Supplier,
    lead_time_days: int | None,
    quote: dict[str, Any],
) -> RequisitionLine:
    """Add a line awarded from a supplier's quote (sourcing): its price is the quoted one, its source "quote",
    and `quote` (the request for quotation's number, the quote's and its line's ids) is kept in `extrinsics`."""
    requisition, line_number, tax_codes = _lock_for_line_add(requisition)
    _check_editable(requisition, by)
    if not description.strip():
        raise RequisitionError(_("A quoted line needs a description."), code=RequisitionErrorCode.INVALID)
    _check_typed_price(requisition, unit_price)
    line = RequisitionLine(
        requisition=requisition,
        line_number=line_number,
        source=RequisitionLine.Source.QUOTE,
        supplier=supplier,
        description=description.strip()[:500],
        quantity=_check_quantity(quantity),
        unit=unit.upper(),
        unit_price_minor=unit_price.minor,
        currency=unit_price.currency,
        lead_time_days=lead_time_days,
        cost_centre=_default_cost_centre(requisition),
        extrinsics={"quote": quote},
    )
    return _typed_line_write(requisition, by, line, tax_codes, event_data={"quote": quote})


def _typed_line_write(
    requisition: Requisition,
    by: Employee,
    line: RequisitionLine,
    tax_codes: EntityTaxCodes,
    *,
    event_data: dict[str, Any] | None = None,
) -> RequisitionLine:
    """The end of a typed line's add (free text, or awarded from a quote): its total, the entity's default tax
    code (or reverse charge), the "lines added" event, and the write with the totals (one statement on
    PostgreSQL)."""
    line.total_minor = line.compute_total_minor()
    LineTaxes(requisition, codes=tax_codes).apply(line)
    event = _event_row(
        requisition,
        by,
        RequisitionEvent.Kind.LINES_ADDED,
        data={"source": line.source, "added": 1, "description": line.description, **(event_data or {})},
    )
    _line_write(requisition, line, event)
    return line


# The columns an external line is written with; the others (GL account, project, supplier note, created_at)
# get what Django gives a new line (procurement.bulk).
EXTERNAL_LINE_FIELDS = (
    "requisition_id",
    "line_number",
    "source",
    "catalog_item_id",
    "supplier_id",
    "supplier_part_id",
    "supplier_part_auxiliary_id",
    "description",
    "quantity",
    "unit",
    "unit_price_minor",
    "currency",
    "price_basis_quantity",
    "total_minor",
    "tax_code",
    "tax_category",
    "tax_rate",
    "tax_minor",
    "unspsc",
    "lead_time_days",
    "manufacturer",
    "manufacturer_part_id",
    "cost_centre_id",
    "extrinsics",
)
_UNIT = re.compile(r"[A-Z0-9]{2,3}")  # procurement.models.unit_validator
_LINE_NUMBER = EXTERNAL_LINE_FIELDS.index("line_number")


# What an external line's checks and money give, the same for every line alike in what they read (its unit price,
# unit, quantity, price basis, lead time, catalog item, supplier and the supplier's VAT rate): our unit, the unit
# price in minor units, the total, the tax code, category, rate and amount.
_Checked = tuple[str, int, int, str, str, Decimal | None, int]


def _external_line_values(
    spec: IncomingLine | IncomingRow,
    index: int,
    requisition_id: int,
    source: str,
    centre_id: int | None,
    taxes: LineTaxes,
    unit_prices: dict[Money, int],
    known: dict[tuple[Any, ...], _Checked],
    quantities: set[tuple[int, Decimal]],
) -> list[Any]:
    """The column values (EXTERNAL_LINE_FIELDS, line number 0 until numbered) of one incoming line, every
    value checked and bounded as a line's columns hold it; a RequisitionError naming the line otherwise.

    The checks and the money (`_external_line_checked`) are done once per distinct (unit price, unit, quantity,
    price basis, lead time, catalog item, supplier, VAT rate) of the write, kept in `known`: a line alike in all
    of them to one already checked passes the same checks and gets the same amounts (a large cart repeats them).
    `unit_prices`: the minor units of each unit price the write has met; `quantities`: the (catalog item's id(),
    quantity) pairs found usable."""
    description = " ".join(spec.description.split())[:500] or spec.supplier_part_id or f"Item {index}"
    item = spec.catalog_item
    supplier = spec.supplier
    quantity = spec.quantity
    basis = spec.price_basis_quantity
    lead_time = spec.lead_time_days
    # The item and supplier by identity: the same objects give the same quantity rule and tax.
    price = spec.unit_price
    key: tuple[Any, ...] | None = (
        price.amount,
        price.currency,
        spec.unit,
        quantity,
        basis,
        lead_time,
        id(item),
        id(supplier),
        spec.tax_rate,
    )
    try:
        checked = known.get(key)  # type: ignore[arg-type]
    except TypeError:  # a signalling NaN has no hash: checked (and refused) below
        checked, key = None, None
    if checked is None:
        checked = _external_line_checked(spec, index, description, taxes, unit_prices, quantities)
        if key is not None:
            known[key] = checked
    unit, unit_price_minor, total, tax_code, tax_category, tax_rate, tax_minor = checked
    unspsc = spec.unspsc
    return [
        requisition_id,
        0,
        source,
        item.pk if item is not None else None,
        supplier.pk if supplier is not None else None,
        spec.supplier_part_id[:64],
        spec.supplier_part_auxiliary_id[:255],
        description,
        quantity,
        unit,
        unit_price_minor,
        price.currency,
        basis,
        total,
        tax_code,
        tax_category,
        tax_rate,
        tax_minor,
        unspsc[:8] if unspsc.isdigit() else "",
        lead_time,
        spec.manufacturer[:100],
        spec.manufacturer_part_id[:64],
        centre_id,
        spec.extrinsics,
    ]


def _external_line_checked(
    spec: IncomingLine | IncomingRow,
    index: int,
    description: str,
    taxes: LineTaxes,
    unit_prices: dict[Money, int],
    quantities: set[tuple[int, Decimal]],
) -> _Checked:
    """An incoming line's price, unit, quantity, price basis and lead time checked, in this order, as a line's
    columns hold them (a RequisitionError naming the line otherwise); its unit, unit price in minor units, total
    and tax (`_Checked`)."""
    if spec.unit_price.amount < 0:
        raise RequisitionError(
            _("Line %(index)s (%(description)s) has a negative price.") % {"index": index, "description": description},
            code=RequisitionErrorCode.INVALID_PRICE,
        )
    unit = (spec.unit or "EA").upper()
    if not _UNIT.fullmatch(unit):
        raise RequisitionError(
            _("Line %(index)s (%(description)s) has the unit %(unit)s.")
            % {"index": index, "description": description, "unit": repr(unit)},
            code=RequisitionErrorCode.INVALID_UNIT,
        )
    item = spec.catalog_item
    quantity = spec.quantity
    try:
        usable = (id(item), quantity) in quantities  # the item's quantity rule, or the plain one, passed already
    except TypeError:  # a signalling NaN has no hash: checked (and refused) below
        usable = False
    if not usable:
        try:
            quantity = (
                catalog_quantity_check(item=item, quantity=quantity) if item is not None else _check_quantity(quantity)
            )
        except RequisitionError as exc:
            raise RequisitionError(
                _("Line %(index)s (%(description)s): %(reason)s")
                % {"index": index, "description": description, "reason": exc.message},
                code=exc.code,
            ) from None
        quantities.add((id(item), quantity))
    basis = spec.price_basis_quantity
    if basis <= 0:
        raise RequisitionError(
            _("Line %(index)s (%(description)s) has a price basis of 0.")
            % {"index": index, "description": description},
            code=RequisitionErrorCode.INVALID_PRICE,
        )
    try:
        unit_price_minor = unit_prices.get(spec.unit_price)
        if unit_price_minor is None:
            unit_price_minor = unit_prices[spec.unit_price] = minor_storable(spec.unit_price)
    except MoneyError as exc:
        raise RequisitionError(
            _("Line %(index)s (%(description)s): %(reason)s.")
            % {"index": index, "description": description, "reason": exc},
            code=RequisitionErrorCode.INVALID_PRICE,
        ) from None
    lead_time = spec.lead_time_days
    if lead_time is not None and not 0 <= lead_time <= MAX_LEAD_TIME_DAYS:
        raise RequisitionError(
            _("Line %(index)s (%(description)s) has a lead time of %(lead_time)s days: at most %(max_lead_time_days)s.")
            % {
                "index": index,
                "description": description,
                "lead_time": lead_time,
                "max_lead_time_days": MAX_LEAD_TIME_DAYS,
            },
            code=RequisitionErrorCode.INVALID_LEAD_TIME,
        )
    total = line_total_minor(quantity=quantity, unit_price_minor=unit_price_minor, price_basis_quantity=basis)
    if total > MAX_MINOR:
        raise RequisitionError(
            _("Line %(index)s (%(description)s) comes to more than can be stored.")
            % {"index": index, "description": description},
            code=RequisitionErrorCode.INVALID_PRICE,
        )
    supplier = spec.supplier
    # The rate the supplier's cart gave, when it gave one.
    tax = taxes.tax_for(
        supplier_id=supplier.pk if supplier is not None else None,
        supplier=supplier,
        item=item,
        supplier_rate=spec.tax_rate,
    )
    return unit, unit_price_minor, total, tax.code, tax.category, tax.rate, tax.amount_minor(total)


def _external_lines_write(
    *,
    requisition: Requisition,
    by: Employee,
    lines: Sequence[IncomingLine | IncomingRow],
    replace_line_ids: Iterable[int],
    source: str,
    note: str,
    write: Any,
) -> Any:
    """What adding external lines shares: lock, check every line, remove the replaced ones, number the new ones,
    `write(rows)` them, record the event and the totals. Returns what `write` returns."""
    # The cart under its lock, with its next line number and its entity's tax codes, in one query.
    requisition, number, tax_codes = _lock_for_line_add(requisition)
    _check_editable(requisition, by)
    centre = _default_cost_centre(requisition)
    centre_id = centre.pk if centre is not None else None
    taxes = LineTaxes(requisition, codes=tax_codes)
    unit_prices: dict[Money, int] = {}
    known: dict[tuple[Any, ...], _Checked] = {}
    quantities: set[tuple[int, Decimal]] = set()
    requisition_id = requisition.pk
    rows = [
        _external_line_values(spec, index, requisition_id, source, centre_id, taxes, unit_prices, known, quantities)
        for index, spec in enumerate(lines, 1)
    ]
    replace = list(replace_line_ids)
    removed = list(requisition.lines.filter(pk__in=replace).values_list("line_number", flat=True)) if replace else []
    if removed:
        requisition.lines.filter(pk__in=replace).delete()
        number = _next_line_number(requisition)  # the top one may have gone
    for offset, row in enumerate(rows):
        row[_LINE_NUMBER] = number + offset
    written = write(requisition, rows)
    _event(
        requisition,
        by,
        RequisitionEvent.Kind.LINES_ADDED,
        comment=note,
        data={"source": source, "added": len(rows), "replaced": removed[:100]},
    )
    _lines_changed(requisition, by)
    return written


@transaction.atomic
def requisition_lines_add_external(
    *,
    requisition: Requisition,
    by: Employee,
    lines: Sequence[IncomingLine | IncomingRow],
    replace_line_ids: Iterable[int] = (),
    source: str = RequisitionLine.Source.PUNCHOUT,
    note: str = "",
) -> list[int]:
    """`requisition_lines_replace_external` for thousands of lines: the ids of the new lines, in order, written
    as rows (COPY on PostgreSQL) without building a model instance per line."""
    return _external_lines_write(
        requisition=requisition,
        by=by,
        lines=lines,
        replace_line_ids=replace_line_ids,
        source=source,
        note=note,
        write=lambda _requisition, rows: bulk_insert_rows(RequisitionLine, EXTERNAL_LINE_FIELDS, rows),
    )


def _write_instances(requisition: Requisition, rows: list[list[Any]]) -> list[RequisitionLine]:
    built = [RequisitionLine(**dict(zip(EXTERNAL_LINE_FIELDS, row, strict=True))) for row in rows]
    for line in built:
        line.requisition = requisition  # the locked instance, as the lines were built with before
    return bulk_insert_objects(built)


@transaction.atomic
def requisition_lines_replace_external(
    *,
    requisition: Requisition,
    by: Employee,
    lines: Sequence[IncomingLine | IncomingRow],
    replace_line_ids: Iterable[int] = (),
    source: str = RequisitionLine.Source.PUNCHOUT,
    note: str = "",
) -> list[RequisitionLine]:
    """Add lines from outside in one step, removing `replace_line_ids` first (a punchout edit replaces its lines).

    Every line is checked (quantity, unit, price) before anything changes; the first bad one refuses all.
    Cost centres are the requester's default; the lines keep the supplier's part ids and extras.
    """
    lines_written: list[RequisitionLine] = _external_lines_write(
        requisition=requisition,
        by=by,
        lines=lines,
        replace_line_ids=replace_line_ids,
        source=source,
        note=note,
        write=_write_instances,
    )
    return lines_written


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
            _("These fields of a %(source)s line cannot be changed: %(refused)s.")
            % {"source": line.get_source_display().lower(), "refused": ", ".join(sorted(refused))},
            code=RequisitionErrorCode.INVALID,
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
            # Stored in the history: the same text whatever the language of who changed it.
            old_price = line.unit_price.format("en")
            line.unit_price_minor, line.currency = value.minor, value.currency
            if old_price != line.unit_price.format("en"):
                changes["unit_price"] = [old_price, line.unit_price.format("en")]
            continue
        old = getattr(line, key)
        if old != value:
            changes[key] = [str(old) if old is not None else None, str(value) if value is not None else None]
            setattr(line, key, value)
    if "quantity" in changes:
        # A line priced from a contract takes the price of the tier its new quantity reaches.
        old_price = line.unit_price.format("en")
        if line_reprice_for_quantity(line):
            changes["unit_price"] = [old_price, line.unit_price.format("en")]
    line.total_minor = line.compute_total_minor()
    if line.source == RequisitionLine.Source.FREE_TEXT:
        LineTaxes(requisition).apply(line)  # its supplier (and so reverse charge) may have changed
    else:
        line_tax_amount_refresh(line)  # the rate stays: the catalog's or the supplier's cart's
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
                _("A split needs at least two parts; otherwise set the line's cost centre."),
                code=RequisitionErrorCode.INVALID_SPLIT,
            )
        total = sum((split.percent for split in splits), Decimal(0))
        if total != Decimal(100):
            raise RequisitionError(
                _("The parts add up to %(total)s %%, not 100 %%.") % {"total": total},
                code=RequisitionErrorCode.INVALID_SPLIT,
            )
        seen = set()
        for split in splits:
            if split.percent <= 0 or split.percent != split.percent.quantize(Decimal("0.01")):
                raise RequisitionError(
                    _("Each part must be more than 0 % with at most 2 decimals."),
                    code=RequisitionErrorCode.INVALID_SPLIT,
                )
            _check_cost_centre(requisition, split.cost_centre)
            key = (split.cost_centre.pk, split.gl_account, split.project)
            if key in seen:
                raise RequisitionError(
                    _("Cost centre %(code)s appears twice.") % {"code": split.cost_centre.code},
                    code=RequisitionErrorCode.INVALID_SPLIT,
                )
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
