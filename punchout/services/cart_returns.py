"""The cart a supplier's shop sends back: the session its token names, and its lines read and checked.

The protocol layer (punchout.cxml, punchout.oci) turns the posted fields into dataclasses; this module maps
them to `IncomingRow`s (`IncomingLine`'s fields as a tuple) in our units, prices and codes (contract prices win
when lower) and keeps the session's outcome. Putting the lines into the cart is the cart's app's work. Nothing
here logs a shared secret, a password or a token.
"""

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.bulk import bulk_insert_id_pairs
from procurement.models import CatalogItem, LegalEntity
from procurement.money import (
    Money,
    MoneyError,
    currency_digits,
    decimal_text,
    line_total_minor,
    to_minor,
    total_minor,
)
from procurement.selectors import catalog_item_price, price_lists_applicable

from .. import cxml, oci
from ..cart_lines import IncomingRow
from ..error_codes import PunchoutErrorCode
from ..errors import PunchoutReturnRefused
from ..lock_objects import punchout_sessions_qs_select_for_update
from ..models import PunchoutSession, PunchoutSessionLine
from ..redact import redact_form_fields, redact_text
from ..tokens import token_hash
from ..transitions import punchout_session_status_move

logger = logging.getLogger(__name__)

MAX_RETURN_BYTES = 40 * 1024 * 1024  # a 5,000-line cart in base64 is about 10 MB
MAX_QUANTITY = Decimal(10) ** 10  # requisition lines hold 13 digits, 3 of them decimals


@dataclass
class ReturnOutcome:
    session: PunchoutSession
    added: int = 0
    removed: int = 0
    kept: bool = False
    warnings: list[str] = field(default_factory=list)


MAX_PRICE_BASIS = Decimal(10) ** 10  # price_basis_quantity holds 13 digits, 3 of them decimals
_THOUSANDTH = Decimal("0.001")


def _price_and_basis(price: Decimal, basis: Decimal, currency: str) -> tuple[int, Decimal]:
    """The shop's price of `basis` units as (unit price in minor units, price basis quantity), kept exact.

    The price is never divided by its basis (that rounds before multiplying: 12.50 per 100 × 500 must be
    62.50, docs/money.md). A price with more digits than its currency is quoted per 10, 100 … times the basis
    while the basis fits its column; only then is it rounded, once."""
    digits = currency_digits(currency)
    for shift in range(0, 7):
        scale = Decimal(10) ** shift
        scaled_basis = basis * scale
        if scaled_basis >= MAX_PRICE_BASIS:
            break
        minor = price * scale * (Decimal(10) ** digits)
        if minor == minor.to_integral_value():
            return int(minor), scaled_basis
    return to_minor(price, currency), basis


def _cxml_basis(item: cxml.ItemRow) -> tuple[Decimal, Decimal]:
    """(price, price basis quantity in ordered units) of a cXML line.

    PriceBasisQuantity says the UnitPrice is for `quantity` price units and one ordered unit is
    `conversionFactor` price units (cXML DTD), so the price is for quantity ÷ conversionFactor ordered units.
    When that is not exact to 3 decimals, the price is moved onto the basis instead (price × factor for
    `quantity` units)."""
    price = item.price
    basis = item.price_basis_quantity
    if basis is None or not basis.quantity or not basis.conversion_factor:
        return price, Decimal(1)
    per_ordered = basis.quantity / basis.conversion_factor
    if per_ordered == per_ordered.quantize(_THOUSANDTH) and 0 < per_ordered < MAX_PRICE_BASIS:
        return price, per_ordered
    return price * basis.conversion_factor, basis.quantity


def _unspsc(value: str | None) -> str:
    value = value or ""
    # Most codes are plain ASCII digits already (the same digits, without a walk over the characters).
    digits = value if value.isascii() and value.isdigit() else "".join(ch for ch in value if ch.isdigit())
    return digits[:8] if len(digits) >= 8 else (digits if len(digits) in (2, 4, 6) else "")


def punchout_return_session_take(*, token: str, user: Any = None) -> PunchoutSession:
    """The open session a return token names, locked for the rest of the transaction; refused when it is
    unknown, someone else's, used or expired (an expired session is marked so)."""
    session = (
        punchout_sessions_qs_select_for_update()
        .select_related("connection__supplier", "requisition", "employee__user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if session is None:
        raise PunchoutReturnRefused(
            _("This punchout return is not for any session we know. Start the punchout again from your cart."),
            code=PunchoutErrorCode.UNKNOWN_SESSION,
            status=404,
        )
    if user is not None and getattr(user, "is_authenticated", False) and user.pk != session.employee.user_id:
        raise PunchoutReturnRefused(
            _("This punchout session belongs to someone else: nothing was changed."),
            code=PunchoutErrorCode.FOREIGN_SESSION,
            status=403,
        )
    if session.status != PunchoutSession.Status.OPEN:
        raise PunchoutReturnRefused(
            _(
                "This punchout session has already ended (%(status)s): nothing was changed. Start the "
                "punchout again to shop more."
            )
            % {"status": session.get_status_display().lower()},
            code=PunchoutErrorCode.SESSION_USED,
            status=410,
        )
    if session.expires_at <= timezone.now():
        punchout_session_status_move(session=session, to_status=PunchoutSession.Status.EXPIRED)
        raise PunchoutReturnRefused(
            _("This punchout session has expired: nothing was changed. Start the punchout again from your cart."),
            code=PunchoutErrorCode.EXPIRED,
            status=410,
        )
    return session


def punchout_cart_read(
    *,
    session: PunchoutSession,
    fields: list[tuple[str, str]],
    outcome: ReturnOutcome,
    currency: str,
    legal_entity: LegalEntity,
) -> tuple[list[IncomingRow] | None, str]:
    """The lines the shop sent, mapped to ours; None means "keep what is there" (cXML status 204).

    `currency` is the cart's, `legal_entity` the one whose contract prices apply. The second value is a
    note for the shopper when the shop's total differs from its lines."""
    if any(name.upper().startswith("NEW_ITEM-") for name, _ in fields):
        try:
            items = oci.parse_new_item_form(fields)
        except oci.OciError as exc:
            raise PunchoutReturnRefused(
                _("The shop's cart could not be read: %(message)s") % {"message": exc.message},
                code=PunchoutErrorCode.BAD_CART,
            ) from exc
        contracts = _Contracts(
            session, legal_entity, {i.vendor_material or i.material_number or i.ext_product_id for i in items}
        )
        return [_oci_line(session, currency, item, outcome, contracts) for item in items], ""
    try:
        document = cxml.extract_cxml_from_form(fields)
        message = cxml.parse_punchout_order_cart(document)
    except cxml.CXMLError as exc:
        raise PunchoutReturnRefused(
            _("The shop's cart could not be read (cXML status %(status_code)s): %(message)s")
            % {"status_code": exc.status_code, "message": exc.message},
            code=PunchoutErrorCode.BAD_CART,
        ) from exc
    if not secrets.compare_digest(message.buyer_cookie.strip().encode(), session.buyer_cookie.encode()):
        raise PunchoutReturnRefused(
            _("The cart names another punchout session (BuyerCookie does not match): nothing was changed."),
            code=PunchoutErrorCode.BUYER_COOKIE_MISMATCH,
            status=403,
        )
    if message.status is not None and message.status.code == 204:
        return None, ""
    contracts = _Contracts(session, legal_entity, {row.supplier_part_id for row in message.rows})
    # The cart's Tax (header) gives a rate for lines whose own Tax does not; the cart's tax follows our lines.
    cart_rate = message.tax_detail.single_rate if message.tax_detail is not None else None
    lines = [_cxml_line(session, currency, row, outcome, contracts, cart_rate) for row in message.rows]
    note = ""
    total_currency = message.total.currency if message.total is not None else ""
    totals = _line_totals_minor(lines, total_currency) if message.total is not None and lines else None
    if message.total is not None and totals is not None:
        # Never trust the shop's Total: the lines count (each rounded once, then added). Say so when they disagree.
        computed = Money.from_minor(total_minor(totals), total_currency)
        if to_minor(message.total.amount, total_currency) != computed.minor:
            theirs = decimal_text(message.total.amount, currency_digits(total_currency))
            note = _(
                "The shop's total (%(theirs)s %(total_currency)s) differs from the sum of its lines (%(computed)s); "
                "the lines count."
            ) % {"theirs": theirs, "total_currency": total_currency, "computed": computed}
    return lines, note


def _line_totals_minor(lines: list[IncomingRow], currency: str) -> list[int] | None:
    """Each line's total in minor units (`line_total_minor`), None when a line is in another currency than
    `currency`. Computed once per distinct (quantity, unit price, price basis): a large cart repeats them."""
    minor: dict[Money, int] = {}  # once per distinct price
    known: dict[tuple[Decimal, Money, Decimal], int] = {}
    totals = []
    for line in lines:
        unit_price = line.unit_price
        if unit_price.currency != currency:
            return None
        key = (line.quantity, unit_price, line.price_basis_quantity)
        total = known.get(key)
        if total is None:
            price_minor = minor.get(unit_price)
            if price_minor is None:
                price_minor = minor[unit_price] = unit_price.minor
            total = known[key] = line_total_minor(
                quantity=line.quantity, unit_price_minor=price_minor, price_basis_quantity=line.price_basis_quantity
            )
        totals.append(total)
    return totals


class _Contracts:
    """Our catalog's prices for the shop's part ids, read in two queries for the whole cart."""

    def __init__(self, session: PunchoutSession, legal_entity: LegalEntity, part_ids: set[str]) -> None:
        wanted = [p for p in part_ids if p]
        self.supplier = session.connection.supplier  # every line's, read once (a related descriptor per line costs)
        items = CatalogItem.objects.filter(supplier=self.supplier, is_active=True)
        if connection.vendor == "postgresql":
            # One array parameter rather than one placeholder per part id: a cart of thousands of lines otherwise
            # sends (and has the driver and the server parse) a statement with thousands of parameters.
            items = items.filter(sku__in=RawSQL("SELECT unnest(%s::varchar[])", (wanted,)))
        else:
            items = items.filter(sku__in=wanted)
        self.items = {item.sku: item for item in items}
        self.lists = price_lists_applicable(legal_entity=legal_entity, user=session.employee.user) if self.items else []
        # The shop's units in ours, its own map read once for the cart (oci.map_unit).
        self.unit = oci.unit_mapper(session.connection.unit_map or None)
        # (unit price, minor units, price basis) by the shop's (price, price basis, currency), checked and
        # computed once for the cart (`_unit_price`): a large cart repeats few prices.
        self.priced: dict[tuple[Decimal, str, str], tuple[Money, int, Decimal]] = {}
        # What the cart's lines repeat, checked or converted once per distinct value (`_line`): the quantities
        # found usable, our unit for each of the shop's, the UNSPSC code for each classification the shop
        # gave, the VAT rates found usable.
        self.quantities: set[Decimal] = set()
        self.units: dict[str, str] = {}
        self.unspsc: dict[str, str] = {}
        self.classified: dict[tuple[tuple[str, str], ...], str] = {}
        self.rates: set[Decimal] = set()

    def price(self, part_id: str) -> tuple[CatalogItem | None, Money | None]:
        item = self.items.get(part_id)
        if item is None:
            return None, None
        return item, catalog_item_price(item=item, price_lists=self.lists)


class _Label:
    """'Line 3 (Steel bolt M8)': a line as a refusal or a warning names it, formatted when one is written."""

    __slots__ = ("description", "index", "part_id")

    def __init__(self, index: int, description: str, part_id: str) -> None:
        self.index, self.description, self.part_id = index, description, part_id

    def __str__(self) -> str:
        return f"Line {self.index} ({(self.description or self.part_id)[:40]})"


def _unit_price(price: Decimal, price_basis: Decimal, currency: str, label: _Label) -> tuple[Money, int, Decimal]:
    """(unit price, in minor units, price basis) of the shop's price for `price_basis` units, checked: the same for
    every line with the same price, basis and currency, so a cart computes it once for each (`_Contracts.priced`);
    a refusal names the first line that has it."""
    if not price_basis.is_finite() or not 0 < price_basis < MAX_PRICE_BASIS:
        raise PunchoutReturnRefused(
            _("%(label)s has a price basis we cannot use: %(price_basis)s.")
            % {"label": label, "price_basis": price_basis},
            code=PunchoutErrorCode.BAD_CART,
        )
    try:
        minor, price_basis = _price_and_basis(price, price_basis, currency)
    except (MoneyError, ArithmeticError, ValueError) as exc:  # an unknown currency code or a price beyond reason
        raise PunchoutReturnRefused(
            _("%(label)s has a price we cannot use: %(price)s %(currency)s.")
            % {"label": label, "price": price, "currency": repr(currency)},
            code=PunchoutErrorCode.BAD_CART,
        ) from exc
    if abs(minor) >= 10**15:
        raise PunchoutReturnRefused(
            _("%(label)s has a price we cannot use: %(price)s %(currency)s.")
            % {"label": label, "price": price, "currency": currency},
            code=PunchoutErrorCode.BAD_CART,
        )
    return Money.from_minor(minor, currency), minor, price_basis


def _quantity_check(quantity: Decimal | None, label: _Label) -> None:
    """A line's quantity as a requisition line holds it (more than 0, at most 10 digits and 3 decimals), else the
    refusal naming the line."""
    if quantity is None or not quantity.is_finite() or quantity <= 0:
        raise PunchoutReturnRefused(_("%(label)s has no quantity.") % {"label": label}, code=PunchoutErrorCode.BAD_CART)
    if quantity >= MAX_QUANTITY or quantity != quantity.quantize(_THOUSANDTH):
        raise PunchoutReturnRefused(
            _("%(label)s has a quantity we cannot hold: %(quantity)s (at most 10 digits and 3 decimals).")
            % {"label": label, "quantity": str(quantity)[:30]},
            code=PunchoutErrorCode.BAD_CART,
        )


def _line(
    session: PunchoutSession,
    cart_currency: str,
    outcome: ReturnOutcome,
    contracts: _Contracts,
    index: int,
    description: str,
    quantity: Decimal | None,
    unit: str,
    price: Decimal | None,
    currency: str,
    part_id: str,
    price_basis: Decimal = Decimal(1),
    aux_id: str = "",
    unspsc: str = "",
    lead_time: int | None = None,
    manufacturer: str = "",
    manufacturer_part_id: str = "",
    extrinsics: dict[str, Any] | None = None,
    tax_rate: Decimal | None = None,
) -> IncomingRow:
    """One of the shop's lines in our units, prices and codes, checked. What lines repeat (a quantity, a price
    with its basis and currency, a unit, a UNSPSC code, a VAT rate) is checked and converted once per distinct
    value for the cart (`contracts`); a refusal or a warning names the line (`_Label`, formatted only then)."""
    quantities = contracts.quantities
    try:
        known = quantity in quantities
    except TypeError:  # a signalling NaN has no hash: the check refuses it
        known = False
    if not known:
        _quantity_check(quantity, _Label(index, description, part_id))
        quantities.add(quantity)  # type: ignore[arg-type]  # checked: a Decimal
    if price is None:
        raise PunchoutReturnRefused(
            _("%(label)s has no price.") % {"label": _Label(index, description, part_id)},
            code=PunchoutErrorCode.BAD_CART,
        )
    currency = (currency or cart_currency).upper()
    if price.is_finite():
        # The basis by its text: an equal basis written with other digits (1, 1.000) gives its own digits back.
        key = (price, str(price_basis), currency)
        priced = contracts.priced.get(key)
        if priced is None:
            priced = contracts.priced[key] = _unit_price(
                price, price_basis, currency, _Label(index, description, part_id)
            )
    else:
        priced = _unit_price(price, price_basis, currency, _Label(index, description, part_id))
    unit_price, minor, price_basis = priced
    item, contract = contracts.price(part_id) if contracts.items else (None, None)
    if contract is not None and contract.currency == currency:
        # Our contract price is for one unit: compare the line totals, each rounded once.
        theirs = line_total_minor(quantity=quantity, unit_price_minor=minor, price_basis_quantity=price_basis)  # type: ignore[arg-type]
        ours = line_total_minor(quantity=quantity, unit_price_minor=contract.minor)  # type: ignore[arg-type]
        if ours < theirs:
            outcome.warnings.append(
                (
                    _("%(label)s: priced at our contract price %(contract)s instead of the shop's %(unit_price)s")
                    % {"label": _Label(index, description, part_id), "contract": contract, "unit_price": unit_price}
                )
                + (f" per {price_basis.normalize():f}" if price_basis != 1 else "")
                + "."
            )
            unit_price, price_basis = contract, Decimal(1)
    if currency != cart_currency:
        outcome.warnings.append(
            _("%(label)s is in %(currency)s, the cart in %(cart_currency)s.")
            % {"label": _Label(index, description, part_id), "currency": currency, "cart_currency": cart_currency}
        )
    unit = unit or "EA"
    mapped = contracts.units.get(unit)
    if mapped is None:
        mapped = contracts.units[unit] = contracts.unit(unit)
    code = contracts.unspsc.get(unspsc)
    if code is None:
        code = contracts.unspsc[unspsc] = _unspsc(unspsc)
    if tax_rate is not None:
        try:
            usable = tax_rate in contracts.rates
        except TypeError:  # a signalling NaN has no hash: the check refuses it
            usable = False
        if not usable:
            tax_rate = _tax_rate(tax_rate, _Label(index, description, part_id), outcome)
            if tax_rate is not None:
                contracts.rates.add(tax_rate)
    return IncomingRow(
        description or part_id,
        quantity,  # type: ignore[arg-type]  # checked: a Decimal
        mapped,
        unit_price,
        contracts.supplier,
        part_id,
        aux_id,
        price_basis,
        code or (item.unspsc if item else ""),
        lead_time,
        manufacturer,
        manufacturer_part_id,
        item,
        extrinsics or {},
        tax_rate,
    )


def _tax_rate(rate: Decimal | None, label: _Label, outcome: ReturnOutcome) -> Decimal | None:
    """The VAT rate the shop gave for a line, when we can keep it (0 to 100 %, at most 3 decimals)."""
    if rate is None:
        return None
    if not 0 <= rate <= 100 or rate != rate.quantize(Decimal("0.001")):
        outcome.warnings.append(
            _("%(label)s: the shop's VAT rate %(rate)s %% was not used.") % {"label": label, "rate": str(rate)[:20]}
        )
        return None
    return rate


def _cxml_line(
    session: PunchoutSession,
    cart_currency: str,
    item: cxml.ItemRow,
    outcome: ReturnOutcome,
    contracts: _Contracts,
    cart_rate: Decimal | None = None,
) -> IncomingRow:
    price, basis = _cxml_basis(item)
    classifications = item.classifications
    unspsc = contracts.classified.get(classifications)
    if unspsc is None:  # the same classifications give the same code: read once per distinct set
        unspsc = contracts.classified[classifications] = item.classification("UNSPSC") or ""
    tax = item.tax
    rate = tax.single_rate if tax is not None else None
    return _line(
        session,
        cart_currency,
        outcome,
        contracts,
        item.line_number or 0,
        item.description or item.short_name,  # ItemRow.text
        item.quantity,
        item.unit_of_measure,
        price,
        item.currency,
        item.supplier_part_id,
        basis,
        item.supplier_part_auxiliary_id or "",
        unspsc,
        item.lead_time,
        item.manufacturer_name or "",
        item.manufacturer_part_id or "",
        dict(redact_form_fields(list(dict(item.extrinsics).items()))) if item.extrinsics else {},
        cart_rate if rate is None else rate,
    )


def _oci_line(
    session: PunchoutSession, cart_currency: str, item: oci.OciItem, outcome: ReturnOutcome, contracts: _Contracts
) -> IncomingRow:
    return _line(
        session,
        cart_currency,
        outcome,
        contracts,
        index=item.index,
        description=(item.long_text.split("\n")[0] if not item.description else item.description),
        quantity=item.quantity,
        unit=item.unit,
        price=item.price,  # for PRICEUNIT units: kept with its basis, never divided first
        price_basis=item.price_unit,
        currency=item.currency,
        part_id=item.vendor_material or item.material_number or item.ext_product_id,
        aux_id=item.ext_quote_id,
        unspsc=item.material_group if item.material_group.isdigit() else "",
        lead_time=item.lead_time,
        manufacturer=item.manufacturer_code,
        manufacturer_part_id=item.manufacturer_material,
        extrinsics={
            k: v for k, v in redact_form_fields([("long_text", item.long_text), *dict(item.extra).items()]) if v
        },
    )


def punchout_session_line_ids(*, session: PunchoutSession) -> list[int]:
    """The cart lines this session brought (an edit replaces them)."""
    return list(session.lines.values_list("pk", flat=True))


def _session_lines_set(session: PunchoutSession, line_ids: list[int]) -> None:
    """`session.lines.set(line_ids)` in two statements whatever the number of lines: the session's links go, then
    the new ones are written (on PostgreSQL made by the database from the runs of the lines' consecutive ids,
    `bulk_insert_id_pairs`). The lines are the ones the return just created, never linked to anything, so no link
    `set` would keep is lost."""
    PunchoutSessionLine.objects.filter(punchoutsession_id=session.pk).delete()
    bulk_insert_id_pairs(PunchoutSessionLine, ("punchoutsession_id", "requisitionline_id"), session.pk, line_ids)


def punchout_return_record(
    *,
    session: PunchoutSession,
    outcome: ReturnOutcome,
    failed: PunchoutReturnRefused | None,
    line_ids: Iterable[int] | None = None,
) -> None:
    """The session has ended: returned with what it changed (and the lines it brought), or failed with why."""
    if line_ids is not None:
        _session_lines_set(session, list(line_ids))
    session.returned_at = timezone.now()
    session.result = (
        {"error": redact_text(failed.message)}
        if failed
        else {
            "added": outcome.added,
            "removed": outcome.removed,
            "kept": outcome.kept,
            "warnings": outcome.warnings,
        }
    )
    punchout_session_status_move(
        session=session,
        to_status=PunchoutSession.Status.FAILED if failed else PunchoutSession.Status.RETURNED,
        comment=session.result["error"] if failed else "",
        also_save=["returned_at", "result"],
    )
