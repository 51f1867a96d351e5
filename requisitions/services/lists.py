"""Requisition lists: saved sets of catalog items a cart is made from."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from procurement.models import CatalogItem, CostCentre, Employee, LegalEntity
from procurement.money import Money
from procurement.selectors import (
    catalog_item_price,
    catalog_items_visible,
    legal_entities_for_employee,
    price_lists_applicable,
)

from ..error_codes import RequisitionErrorCode
from ..errors import NotRequester, RequisitionError
from ..lock_objects import requisition_lists_qs_select_for_update
from ..models import Requisition, RequisitionList, RequisitionListItem
from ..selectors import cost_centres_chargeable
from .carts import requisition_create
from .line_rules import _check_quantity, catalog_quantity_check
from .lines import CatalogPick, requisition_line_add_free_text, requisition_lines_add_from_catalog
from .shared import _check_requester


@transaction.atomic
def requisition_list_create(
    *, requisition: Requisition, by: Employee, name: str, shared_with_org_unit: bool = False
) -> RequisitionList:
    """Save a requisition's lines as a named, reusable list (personal, or shared with the owner's org unit)."""
    _check_requester(requisition, by)
    if not name.strip():
        raise RequisitionError(_("Give the list a name."), code=RequisitionErrorCode.INVALID)
    if shared_with_org_unit and by.org_unit_id is None:
        raise RequisitionError(
            _("You belong to no org unit to share the list with."), code=RequisitionErrorCode.INVALID
        )
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
        raise NotRequester(_("Only the owner may change this list."))


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
            _("The list “%(name)s” has no item %(ids)s.")
            % {"name": saved.name, "ids": ", ".join(str(pk) for pk in unknown[:10])},
            code=RequisitionErrorCode.UNKNOWN_ITEM,
        )
    if name is not None:
        if not name.strip():
            raise RequisitionError(_("Give the list a name."), code=RequisitionErrorCode.INVALID)
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
        raise RequisitionError(
            _("You are not a member of legal entity %(code)s.") % {"code": legal_entity.code},
            code=RequisitionErrorCode.NOT_A_MEMBER,
        )
    if not name.strip():
        raise RequisitionError(_("Give the list a name."), code=RequisitionErrorCode.INVALID)
    if not items:
        raise RequisitionError(_("A list needs at least one item."), code=RequisitionErrorCode.INVALID)
    if shared_with_org_unit and by.org_unit_id is None:
        raise RequisitionError(
            _("You belong to no org unit to share the list with."), code=RequisitionErrorCode.INVALID
        )
    visible = set(
        catalog_items_visible(legal_entity=legal_entity, user=by.user)
        .filter(pk__in=[spec.item.pk for spec in items])
        .values_list("pk", flat=True)
    )
    refused = sorted({spec.item.sku for spec in items if spec.item.pk not in visible})
    if refused:
        raise RequisitionError(
            _("Not in the catalog of %(code)s: %(refused)s.")
            % {"code": legal_entity.code, "refused": ", ".join(refused[:10])},
            code=RequisitionErrorCode.NOT_IN_CATALOG,
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
        raise NotRequester(_("Only the owner may delete this list."))
    requisition_list.delete()
