"""Quick order: SKUs typed or pasted, resolved against the catalog and added to a cart."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import CatalogItem, Employee
from procurement.selectors import catalog_items_visible

from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError
from ..models import Requisition, RequisitionLine
from ..quick_order import QuickOrderError, QuickOrderErrorGroup, QuickOrderParse, QuickOrderRow, errors_grouped
from ..selectors import cost_centres_chargeable
from .lines import CatalogPick, requisition_lines_add_from_catalog

NOTHING_TO_READ = gettext_lazy(
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
            errors.append(
                QuickOrderError(row.line, _("unknown SKU %(sku)s") % {"sku": row.sku}, row.sku, _("Unknown SKU"))
            )
            continue
        mine = [item for item in items if item.pk in visible]
        if not mine:
            errors.append(
                QuickOrderError(
                    row.line,
                    _("%(sku)s is not in your catalog for %(code)s")
                    % {"sku": row.sku, "code": requisition.legal_entity.code},
                    row.sku,
                    _("Not in your catalog for %(code)s") % {"code": requisition.legal_entity.code},
                )
            )
            continue
        if len(mine) > 1:
            suppliers = ", ".join(sorted(item.supplier.code for item in mine))
            errors.append(
                QuickOrderError(
                    row.line,
                    _("%(sku)s is sold by several suppliers (%(suppliers)s): add it from the catalog")
                    % {"sku": row.sku, "suppliers": suppliers},
                    row.sku,
                    _("Sold by several suppliers: add it from the catalog"),
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
                        _("you may not charge cost centre %(cost_centre)s") % {"cost_centre": row.cost_centre},
                        row.sku,
                        _("You may not charge cost centre %(cost_centre)s") % {"cost_centre": row.cost_centre},
                    )
                )
                continue
        problem = mine[0].quantity_problem(row.quantity)
        if problem:
            errors.append(
                QuickOrderError(row.line, problem, row.sku, _("Quantity not allowed for the item's order unit"))
            )
            continue
        picks.append((row, CatalogPick(item=mine[0], quantity=row.quantity, cost_centre=centre)))
    return picks, errors


def requisition_quick_add(*, requisition: Requisition, by: Employee, parsed: QuickOrderParse) -> QuickAddResult:
    """Add pasted or uploaded lines: the good ones go in, each bad one comes back with its line number.

    Input with no line at all is refused (`nothing_to_read`): there is nothing to say "done" about.
    """
    if not parsed.rows and not parsed.errors:
        raise RequisitionError(str(NOTHING_TO_READ), code=RequisitionErrorCode.NOTHING_TO_READ)
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
            if error.code != RequisitionErrorCode.INVALID_QUANTITY:
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
                        QuickOrderError(row.line, row_error.message, row.sku, _("Quantity too large once added up"))
                    )
    all_errors = sorted([*parsed.errors, *errors], key=lambda e: e.line)
    return QuickAddResult(added=added, errors=all_errors)
