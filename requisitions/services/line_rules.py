"""The rules a line keeps whoever adds it: quantities, typed prices, cost centres, which lines combine."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from procurement.models import CatalogItem, CostCentre
from procurement.money import Money, MoneyError, is_currency, typed_price_check
from procurement.selectors import exchange_rate_get

from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError
from ..models import Requisition, RequisitionLine
from ..quick_order import MAX_QUANTITY
from ..selectors import cost_centres_chargeable
from .line_prices import line_price_key

MAX_LEAD_TIME_DAYS = 99_999  # what OCI's LEADTIME (5 digits) and our column hold


def _check_quantity(quantity: Decimal) -> Decimal:
    if quantity <= 0:
        raise RequisitionError(_("The quantity must be greater than 0."), code=RequisitionErrorCode.INVALID_QUANTITY)
    if quantity > MAX_QUANTITY:
        raise RequisitionError(
            _("The quantity must be at most %(max_quantity)s.") % {"max_quantity": MAX_QUANTITY},
            code=RequisitionErrorCode.INVALID_QUANTITY,
        )
    if quantity != quantity.quantize(Decimal("0.001")):
        raise RequisitionError(
            _("The quantity may have at most 3 decimals."), code=RequisitionErrorCode.INVALID_QUANTITY
        )
    return quantity


def _check_typed_price(requisition: Requisition, unit_price: Money) -> None:
    """A price a person typed (free-text line, page or API): an ISO 4217 currency that is the requisition's or has
    a stored rate to it, not negative, at most MAX_TYPED_PRICE (docs/money.md)."""
    currency = unit_price.currency
    try:
        typed_price_check(unit_price.amount, currency)
    except MoneyError as error:
        code = (
            RequisitionErrorCode.INVALID_CURRENCY if not is_currency(currency) else RequisitionErrorCode.INVALID_PRICE
        )
        raise RequisitionError(str(error), code=code) from None
    if (
        currency != requisition.currency
        and exchange_rate_get(from_currency=currency, to_currency=requisition.currency) is None
    ):
        raise RequisitionError(
            _(
                "No exchange rate from %(currency)s to %(currency2)s is stored: use %(currency2)s or ask "
                "finance to add the rate."
            )
            % {"currency": currency, "currency2": requisition.currency},
            code=RequisitionErrorCode.INVALID_CURRENCY,
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
        raise RequisitionError(problem, code=RequisitionErrorCode.INVALID_QUANTITY)
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
    """Lines with the same key are one line: the same catalog item at the same price (or from the same
    contract), charged the same way
    (cost centre, GL account, project and splits). Quick order and merging carts both combine by it;
    free-text and punchout lines are never combined."""
    if line.catalog_item_id is None or line.source not in COMBINABLE_SOURCES:
        return None
    return (
        line.catalog_item_id,
        line_price_key(line),
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
            _("Cost centre %(code)s belongs to another legal entity.") % {"code": cost_centre.code},
            code=RequisitionErrorCode.INVALID_COST_CENTRE,
        )
    allowed = cost_centres_chargeable(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id)
    if not allowed.filter(pk=cost_centre.pk).exists():
        raise RequisitionError(
            _("You may not charge cost centre %(code)s.") % {"code": cost_centre.code},
            code=RequisitionErrorCode.INVALID_COST_CENTRE,
        )
    return cost_centre


def _default_cost_centre(requisition: Requisition) -> CostCentre | None:
    default = requisition.requester.default_cost_centre
    if default is not None and default.legal_entity_id == requisition.legal_entity_id:
        return default
    return cost_centres_chargeable(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id).first()
