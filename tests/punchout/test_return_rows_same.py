"""A returned cart's lines, and the rows written for them, are the same column for column (value, type and digits)
as the per-line code wrote them before its checks and money were done once per distinct value: the reference below
is that code as it was (main 50bf3c4: the cart reading's `_line`, `_cxml_line` and `_oci_line`, the shop's total
check, and the writer's `_external_line_values`). Compared on the bench's 5,000-line cart, on mixed cXML carts (odd
prices with more digits than their currency, price bases and conversion factors, JPY, BHD and USD lines in a EUR
cart, line and header VAT rates usable or not, UNSPSC codes of every shape, contract prices, catalog items with
their tax kinds and quantity rules, equal values written with other digits) from a French and a German supplier,
and on an OCI cart; then end to end, the return's stored lines against the reference's rows written by the same
writer."""

import base64
from dataclasses import fields
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.bulk import bulk_insert_rows
from procurement.models import CatalogItem, Employee, Supplier
from procurement.money import (
    MAX_MINOR,
    Money,
    MoneyError,
    currency_digits,
    decimal_text,
    line_total_minor,
    minor_storable,
    to_minor,
    total_minor,
)
from procurement.taxes import tax_codes_default_create
from punchout import cxml, oci
from punchout.cart_lines import IncomingLine
from punchout.error_codes import PunchoutErrorCode
from punchout.errors import PunchoutReturnRefused
from punchout.models import PunchoutConnection, PunchoutSession
from punchout.redact import redact_form_fields
from punchout.services.cart_returns import (
    _THOUSANDTH,
    MAX_QUANTITY,
    ReturnOutcome,
    _Contracts,
    _cxml_basis,
    _Label,
    _tax_rate,
    _unit_price,
    _unspsc,
    punchout_cart_read,
)
from punchout.tokens import token_hash
from requisitions.error_codes import RequisitionErrorCode
from requisitions.errors import RequisitionError
from requisitions.models import Requisition, RequisitionLine
from requisitions.services import requisition_create
from requisitions.services.line_rules import MAX_LEAD_TIME_DAYS, _check_quantity, catalog_quantity_check
from requisitions.services.line_taxes import LineTaxes
from requisitions.services.lines import _UNIT, EXTERNAL_LINE_FIELDS, _external_line_values

pytestmark = pytest.mark.usefixtures("organisation")

COOKIE = "same-rows-cookie"

# --- the reference: the code as it was written before (main 50bf3c4), unchanged but for its names ------------------


def old_line(
    session: Any,
    cart_currency: str,
    outcome: ReturnOutcome,
    contracts: Any,
    *,
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
) -> IncomingLine:
    label = _Label(index, description, part_id)  # formatted only when a refusal or a warning is written
    if quantity is None or not quantity.is_finite() or quantity <= 0:
        raise PunchoutReturnRefused(_("%(label)s has no quantity.") % {"label": label}, code=PunchoutErrorCode.BAD_CART)
    if quantity >= MAX_QUANTITY or quantity != quantity.quantize(_THOUSANDTH):
        raise PunchoutReturnRefused(
            _("%(label)s has a quantity we cannot hold: %(quantity)s (at most 10 digits and 3 decimals).")
            % {"label": label, "quantity": str(quantity)[:30]},
            code=PunchoutErrorCode.BAD_CART,
        )
    if price is None:
        raise PunchoutReturnRefused(_("%(label)s has no price.") % {"label": label}, code=PunchoutErrorCode.BAD_CART)
    currency = (currency or cart_currency).upper()
    if price.is_finite():
        # The basis by its text: an equal basis written with other digits (1, 1.000) gives its own digits back.
        key = (price, str(price_basis), currency)
        priced = contracts.priced.get(key)
        if priced is None:
            priced = contracts.priced[key] = _unit_price(price, price_basis, currency, label)
    else:
        priced = _unit_price(price, price_basis, currency, label)
    unit_price, minor, price_basis = priced
    item, contract = contracts.price(part_id)
    if contract is not None and contract.currency == currency:
        # Our contract price is for one unit: compare the line totals, each rounded once.
        theirs = line_total_minor(quantity=quantity, unit_price_minor=minor, price_basis_quantity=price_basis)
        ours = line_total_minor(quantity=quantity, unit_price_minor=contract.minor)
        if ours < theirs:
            outcome.warnings.append(
                (
                    _("%(label)s: priced at our contract price %(contract)s instead of the shop's %(unit_price)s")
                    % {"label": label, "contract": contract, "unit_price": unit_price}
                )
                + (f" per {price_basis.normalize():f}" if price_basis != 1 else "")
                + "."
            )
            unit_price, price_basis = contract, Decimal(1)
    if currency != cart_currency:
        outcome.warnings.append(
            _("%(label)s is in %(currency)s, the cart in %(cart_currency)s.")
            % {"label": label, "currency": currency, "cart_currency": cart_currency}
        )
    mapped = contracts.unit(unit or "EA")
    return IncomingLine(
        description=description or part_id,
        quantity=quantity,
        unit=mapped,
        unit_price=unit_price,
        supplier=contracts.supplier,
        supplier_part_id=part_id,
        supplier_part_auxiliary_id=aux_id,
        price_basis_quantity=price_basis,
        unspsc=_unspsc(unspsc) or (item.unspsc if item else ""),
        lead_time_days=lead_time,
        manufacturer=manufacturer,
        manufacturer_part_id=manufacturer_part_id,
        catalog_item=item,
        extrinsics=extrinsics or {},
        tax_rate=_tax_rate(tax_rate, label, outcome),
    )


def old_cxml_line(
    session: Any,
    cart_currency: str,
    item: cxml.ItemRow,
    outcome: ReturnOutcome,
    contracts: Any,
    cart_rate: Decimal | None = None,
) -> IncomingLine:
    price, basis = _cxml_basis(item)
    return old_line(
        session,
        cart_currency,
        outcome,
        contracts,
        index=item.line_number or 0,
        description=item.text,
        quantity=item.quantity,
        unit=item.unit_of_measure,
        price=price,
        price_basis=basis,
        currency=item.currency,
        part_id=item.supplier_part_id,
        aux_id=item.supplier_part_auxiliary_id or "",
        unspsc=item.classification("UNSPSC") or "",
        lead_time=item.lead_time,
        manufacturer=item.manufacturer_name or "",
        manufacturer_part_id=item.manufacturer_part_id or "",
        extrinsics=dict(redact_form_fields(list(dict(item.extrinsics).items()))) if item.extrinsics else {},
        tax_rate=cart_rate if item.tax is None or item.tax.single_rate is None else item.tax.single_rate,
    )


def old_oci_line(
    session: Any, cart_currency: str, item: oci.OciItem, outcome: ReturnOutcome, contracts: Any
) -> IncomingLine:
    return old_line(
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


def old_external_line_values(
    spec: IncomingLine,
    index: int,
    requisition: Any,
    source: str,
    centre_id: int | None,
    taxes: LineTaxes,
    unit_prices: dict[Money, int],
) -> list[Any]:
    """The column values (EXTERNAL_LINE_FIELDS, line number 0 until numbered) of one incoming line, every
    value checked and bounded as a line's columns hold it; a RequisitionError naming the line otherwise.
    `unit_prices`: the minor units of each unit price the write has met (a large cart repeats few prices)."""
    description = " ".join(spec.description.split())[:500] or spec.supplier_part_id or f"Item {index}"
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
    try:
        quantity = (
            catalog_quantity_check(item=item, quantity=spec.quantity)
            if item is not None
            else _check_quantity(spec.quantity)
        )
    except RequisitionError as exc:
        raise RequisitionError(
            _("Line %(index)s (%(description)s): %(reason)s")
            % {"index": index, "description": description, "reason": exc.message},
            code=exc.code,
        ) from None
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
    unspsc = spec.unspsc
    return [
        requisition.pk,
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
        spec.unit_price.currency,
        basis,
        total,
        tax.code,
        tax.category,
        tax.rate,
        tax.amount_minor(total),
        unspsc[:8] if unspsc.isdigit() else "",
        lead_time,
        spec.manufacturer[:100],
        spec.manufacturer_part_id[:64],
        centre_id,
        spec.extrinsics,
    ]


def old_note(message: cxml.PunchOutOrderCart, lines: list[IncomingLine]) -> str:
    note = ""
    total_currency = message.total.currency if message.total is not None else ""
    if message.total is not None and lines and all(line.unit_price.currency == total_currency for line in lines):
        # Never trust the shop's Total: the lines count (each rounded once, then added). Say so when they disagree.
        minor = {price: price.minor for price in {line.unit_price for line in lines}}  # once per distinct price
        computed = Money.from_minor(
            total_minor(
                line_total_minor(
                    quantity=line.quantity,
                    unit_price_minor=minor[line.unit_price],
                    price_basis_quantity=line.price_basis_quantity,
                )
                for line in lines
            ),
            total_currency,
        )
        if to_minor(message.total.amount, total_currency) != computed.minor:
            theirs = decimal_text(message.total.amount, currency_digits(total_currency))
            note = _(
                "The shop's total (%(theirs)s %(total_currency)s) differs from the sum of its lines (%(computed)s); "
                "the lines count."
            ) % {"theirs": theirs, "total_currency": total_currency, "computed": computed}
    return note


# --- carts ----------------------------------------------------------------------------------------------------------


def alice() -> Employee:
    return Employee.objects.select_related("user").get(user__username="alice")


def bench_items(lines: int) -> tuple[cxml.ItemIn, ...]:
    """bench/punchout.py's cart."""
    return tuple(
        cxml.ItemIn(
            quantity=Decimal(n % 7 + 1),
            supplier_part_id=f"PART-{n:05d}",
            supplier_part_auxiliary_id=f"AUX-{n}",
            unit_price=cxml.Money(amount=Decimal(n % 500) + Decimal("0.99"), currency="EUR"),
            unit_of_measure="EA",
            description=f"Item {n} — stainless fastener, pack of {n % 50 + 1}",
            classifications=(cxml.Classification(domain="UNSPSC", value="31161500"),),
            line_number=n + 1,
        )
        for n in range(lines)
    )


ZERO_EUR = cxml.Money(amount=Decimal(0), currency="EUR")


def tax(rate: str | None, *more: str) -> cxml.Tax:
    details = tuple(
        cxml.TaxDetail(category="vat", tax_amount=ZERO_EUR, percentage_rate=Decimal(r))
        for r in ((rate,) if rate is not None else ()) + more
    )
    return cxml.Tax(money=cxml.Money(amount=Decimal(0), currency="EUR"), details=details)


def basis(quantity: str, factor: str = "1") -> cxml.PriceBasisQuantity:
    return cxml.PriceBasisQuantity(quantity=Decimal(quantity), conversion_factor=Decimal(factor), unit_of_measure="EA")


# (quantity, price, currency, unit, price basis, UNSPSC, line tax, lead time, extrinsics, part id)
MIXED: list[tuple[Any, ...]] = [
    ("1", "0.99", "EUR", "EA", None, "31161500", None, None, {}, "A-1"),
    ("1.000", "0.990", "EUR", "EA", None, "31161500", None, None, {}, "A-2"),  # equal values, other digits
    ("2.5", "12.5", "EUR", "KG", basis("100"), "12-34-56-78", tax("20"), 3, {}, "B-1"),
    ("2.500", "12.50", "EUR", "kg", basis("100.0"), "1234", tax("20.00"), 3, {}, "B-2"),
    ("0.001", "0.0125", "EUR", "H", None, "abc", tax("5.5"), 0, {"Colour": "grey"}, "C-1"),
    ("1000000", "1234567.891", "EUR", "PCE", basis("1", "3"), "", tax("7.1234"), 99999, {}, "C-2"),
    ("7", "0", "EUR", "EA", basis("12", "2.5"), "311615", tax("20.0001"), None, {}, "D-1"),
    ("3", "0.005", "EUR", "EA", basis("1000", "2.5"), "31", tax("10", "20"), None, {}, "D-2"),
    ("4", "1500", "JPY", "EA", None, "31161500", tax("0"), 5, {}, "E-1"),
    ("4", "1.2345", "BHD", "EA", basis("10"), "31161500", None, 5, {}, "E-2"),
    ("9.999", "99999999.99", "USD", "EA", None, "31161500", tax("10"), 12, {"Note": "x", "Other": "y"}, "E-3"),
    ("10", "8.00", "EUR", "PK", None, "46181804", None, None, {}, "CAT-LOW"),  # contract price lower: ours
    ("10", "8.00", "EUR", "PK", basis("10"), "", None, None, {}, "CAT-LOW"),
    ("12", "1.00", "EUR", "BX", None, "", tax("5.5"), None, {}, "CAT-HIGH"),  # contract price higher: theirs
    ("24", "1.00", "EUR", "BX", None, "", None, None, {}, "CAT-REDUCED"),  # a reduced-rate catalog item
    ("1", "0.99", "EUR", "EA", None, "31161500", None, None, {}, "A-1"),
    ("2.5", "12.5", "EUR", "KG", basis("100"), "12-34-56-78", tax("20"), 3, {}, "B-1"),
]


def mixed_items(repeat_count: int = 3) -> tuple[cxml.ItemIn, ...]:
    items = []
    for round_ in range(repeat_count):
        for n, (quantity, price, currency, unit, per, unspsc, line_tax, lead, extrinsics, part) in enumerate(MIXED):
            items.append(
                cxml.ItemIn(
                    quantity=Decimal(quantity),
                    supplier_part_id=part,
                    supplier_part_auxiliary_id=f"AUX-{round_}-{n}" if n % 3 else None,
                    unit_price=cxml.Money(amount=Decimal(price), currency=currency),
                    unit_of_measure=unit,
                    description=f"  Line {n}\t of   round {round_} " if n % 4 else "",
                    short_name=f"short {n}",
                    classifications=(
                        (cxml.Classification(domain="eCl@ss", value="27-02"),)
                        + ((cxml.Classification(domain="unspsc", value=unspsc),) if unspsc else ())
                    ),
                    manufacturer_name="Würth" if n % 2 else None,
                    manufacturer_part_id=f"W-{n}" if n % 2 else None,
                    lead_time=lead,
                    price_basis_quantity=per,
                    extrinsics=extrinsics,
                    line_number=n + 1 if n % 5 else None,
                    tax=line_tax,
                )
            )
    return tuple(items)


def message_document(items: tuple[cxml.ItemIn, ...], *, total: str | None, header_rate: str | None) -> bytes:
    credential = cxml.Credential(domain="DUNS", identity="shop")
    return cxml.build_punchout_order_message(
        cxml.PunchOutOrderMessage(
            header=cxml.Header(from_=credential, to=credential, sender=credential),
            buyer_cookie=COOKIE,
            total=cxml.Money(amount=Decimal(total), currency="EUR") if total is not None else None,
            tax_detail=tax(header_rate) if header_rate is not None else None,
            items=items,
        )
    )


@pytest.fixture
def shop(organisation, request) -> PunchoutConnection:
    """The shop (its supplier in France or Germany: reverse charge), its catalog items that price some part ids,
    and the French entity's tax codes."""
    tax_codes_default_create(legal_entity=organisation.france, country="FR")
    supplier = Supplier.objects.create(
        code="SAMESHOP", name="Same rows shop", currency="EUR", country=getattr(request, "param", "FR")
    )
    common = {"supplier": supplier, "unspsc": "46181804", "currency": "EUR", "name": "Catalog item"}
    CatalogItem.objects.create(sku="CAT-LOW", unit="PK", base_price_minor=500, **common)
    CatalogItem.objects.create(sku="CAT-HIGH", unit="BX", base_price_minor=900, order_multiple=Decimal(12), **common)
    CatalogItem.objects.create(
        sku="CAT-REDUCED", unit="BX", base_price_minor=100, tax_kind="reduced", tax_rate=Decimal("5.5"), **common
    )
    return PunchoutConnection.objects.create(
        supplier=supplier, url="http://127.0.0.1:9/", to_identity="shop", unit_map={"PCE": "EA", "KG": "KGM"}
    )


def open_session(shop: PunchoutConnection, organisation: Any, token: str) -> tuple[Requisition, PunchoutSession]:
    cart = requisition_create(by=alice(), legal_entity=organisation.france, title="Same rows")
    session = PunchoutSession.objects.create(
        connection=shop,
        employee=alice(),
        requisition=cart,
        token_hash=token_hash(token),
        buyer_cookie=COOKIE,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    session = PunchoutSession.objects.select_related("connection__supplier", "requisition", "employee__user").get(
        pk=session.pk
    )
    return cart, session


def columns(values: Any) -> list[tuple[str, str]]:
    """Each value with its type and its exact text (Decimal digits included)."""
    return [(type(value).__name__, repr(value)) for value in values]


def old_read(session: PunchoutSession, message: Any, organisation: Any) -> tuple[list[IncomingLine], list[str], str]:
    """The reference's reading of a parsed cXML cart: lines, warnings, and the note on the shop's total."""
    outcome = ReturnOutcome(session)
    contracts = _Contracts(session, organisation.france, {row.supplier_part_id for row in message.rows})
    cart_rate = message.tax_detail.single_rate if message.tax_detail is not None else None
    lines = [old_cxml_line(session, "EUR", row, outcome, contracts, cart_rate) for row in message.rows]
    return lines, outcome.warnings, old_note(message, lines)


def new_read(
    session: PunchoutSession, fields_: list[tuple[str, str]], organisation: Any
) -> tuple[list[Any], list[str], str]:
    outcome = ReturnOutcome(session)
    lines, note = punchout_cart_read(
        session=session, fields=fields_, outcome=outcome, currency="EUR", legal_entity=organisation.france
    )
    assert lines is not None
    return lines, outcome.warnings, note


def assert_same_lines_and_rows(cart: Requisition, old: list[IncomingLine], new: list[Any]) -> list[list[Any]]:
    """The lines field by field, then the rows the writer makes of them column by column; the reference's rows."""
    names = [field.name for field in fields(IncomingLine)]
    assert list(new[0]._fields) == names
    assert [columns(getattr(line, name) for name in names) for line in old] == [columns(line) for line in new]
    centre_id = alice().default_cost_centre_id
    old_taxes, new_taxes = LineTaxes(cart), LineTaxes(cart)
    old_prices: dict[Money, int] = {}
    new_prices: dict[Money, int] = {}
    known: dict[tuple[Any, ...], Any] = {}
    quantities: set[tuple[int, Decimal]] = set()
    old_rows = [
        old_external_line_values(spec, index, cart, "punchout", centre_id, old_taxes, old_prices)
        for index, spec in enumerate(old, 1)
    ]
    new_rows = [
        _external_line_values(spec, index, cart.pk, "punchout", centre_id, new_taxes, new_prices, known, quantities)
        for index, spec in enumerate(new, 1)
    ]
    assert [columns(row) for row in old_rows] == [columns(row) for row in new_rows]
    return old_rows


def cxml_fields(document: bytes) -> list[tuple[str, str]]:
    return [("cxml-base64", base64.b64encode(document).decode())]


def test_the_bench_cart_gives_the_same_lines_and_rows(shop, organisation):
    cart, session = open_session(shop, organisation, "t-bench")
    document = message_document(bench_items(5000), total="1.00", header_rate=None)
    old, old_warnings, old_note_text = old_read(session, cxml.parse_punchout_order_cart(document), organisation)
    new, new_warnings, new_note_text = new_read(session, cxml_fields(document), organisation)
    assert_same_lines_and_rows(cart, old, new)
    assert (new_warnings, new_note_text) == (old_warnings, old_note_text)
    assert new_note_text  # the shop's total of 1.00 is not its lines'


@pytest.mark.parametrize("shop", ["FR", "DE"], indirect=True)
@pytest.mark.parametrize(("total", "header_rate"), [("2117.60", "10"), ("9999.99", None), ("0.01", "5.5")])
def test_mixed_carts_give_the_same_lines_rows_warnings_and_note(shop, organisation, total, header_rate):
    cart, session = open_session(shop, organisation, "t-mixed")
    document = message_document(mixed_items(), total=total, header_rate=header_rate)
    old, old_warnings, old_note_text = old_read(session, cxml.parse_punchout_order_cart(document), organisation)
    new, new_warnings, new_note_text = new_read(session, cxml_fields(document), organisation)
    assert_same_lines_and_rows(cart, old, new)
    assert (new_warnings, new_note_text) == (old_warnings, old_note_text)
    assert len(new_warnings) > 10  # contract prices, other currencies, VAT rates not used


def test_the_same_cart_where_all_lines_but_one_are_in_another_currency_than_the_total(shop, organisation):
    cart, session = open_session(shop, organisation, "t-currency")
    items = tuple(item for item in mixed_items(1) if item.unit_price.currency == "EUR")
    for total in ("1.00", None):
        document = message_document(items, total=total, header_rate=None)
        old, old_warnings, old_note_text = old_read(session, cxml.parse_punchout_order_cart(document), organisation)
        new, new_warnings, new_note_text = new_read(session, cxml_fields(document), organisation)
        assert_same_lines_and_rows(cart, old, new)
        assert (new_warnings, new_note_text) == (old_warnings, old_note_text)


def oci_fields() -> list[tuple[str, str]]:
    fields_ = []
    rows = [
        ("Pen", "2", "ST", "1.50", "EUR", "", "44121704", "3", "PEN-1", ""),
        ("Pen again", "2.000", "st", "1.5", "EUR", "1", "44121704", "3", "PEN-1", ""),
        ("Paper", "10", "PK", "12.5", "EUR", "100", "", "", "PAP", "Q-1"),
        ("Toner", "1", "EA", "79", "USD", "", "abc", "0", "TON", ""),
        ("Low", "10", "PK", "8.00", "EUR", "", "", "", "CAT-LOW", ""),
    ]
    for n, (text, quantity, unit, price, currency, price_unit, group, lead, part, quote) in enumerate(rows, 1):
        fields_ += [
            (f"NEW_ITEM-DESCRIPTION[{n}]", text),
            (f"NEW_ITEM-QUANTITY[{n}]", quantity),
            (f"NEW_ITEM-UNIT[{n}]", unit),
            (f"NEW_ITEM-PRICE[{n}]", price),
            (f"NEW_ITEM-CURRENCY[{n}]", currency),
            (f"NEW_ITEM-MATGROUP[{n}]", group),
            (f"NEW_ITEM-VENDORMAT[{n}]", part),
            (f"NEW_ITEM-EXT_QUOTE_ID[{n}]", quote),
            (f"NEW_ITEM-LONGTEXT_{n}:132[]", f"Long text {n}"),
        ]
        if price_unit:
            fields_.append((f"NEW_ITEM-PRICEUNIT[{n}]", price_unit))
        if lead:
            fields_.append((f"NEW_ITEM-LEADTIME[{n}]", lead))
    return fields_


def test_an_oci_cart_gives_the_same_lines_and_rows(shop, organisation):
    cart, session = open_session(shop, organisation, "t-oci")
    items = oci.parse_new_item_form(oci_fields())
    outcome = ReturnOutcome(session)
    contracts = _Contracts(
        session, organisation.france, {i.vendor_material or i.material_number or i.ext_product_id for i in items}
    )
    old = [old_oci_line(session, "EUR", item, outcome, contracts) for item in items]
    new, new_warnings, new_note_text = new_read(session, oci_fields(), organisation)
    assert_same_lines_and_rows(cart, old, new)
    assert (new_warnings, new_note_text) == (outcome.warnings, "")


@pytest.mark.parametrize("shop", ["FR", "DE"], indirect=True)
def test_a_return_stores_the_rows_the_reference_gives(shop, organisation):
    """End to end: the lines a return stores (COPY on PostgreSQL) against the reference's rows written into another
    cart by the same writer, every column but the id, the cart and the time."""
    cart, session = open_session(shop, organisation, "t-stored")
    document = message_document(mixed_items(), total="1.00", header_rate="10")
    old, _warnings, _note = old_read(session, cxml.parse_punchout_order_cart(document), organisation)
    centre_id = alice().default_cost_centre_id
    taxes, prices = LineTaxes(cart), dict[Money, int]()
    rows = [
        old_external_line_values(spec, index, cart, "punchout", centre_id, taxes, prices)
        for index, spec in enumerate(old, 1)
    ]
    reference = requisition_create(by=alice(), legal_entity=organisation.france, title="Reference")
    for number, row in enumerate(rows, 1):
        row[0], row[1] = reference.pk, number
    bulk_insert_rows(RequisitionLine, EXTERNAL_LINE_FIELDS, rows)
    body = urlencode(cxml_fields(document))
    response = Client().post("/punchout/return/t-stored/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303, response.content[:300]
    names = [
        f.attname
        for f in RequisitionLine._meta.concrete_fields
        if f.attname not in ("id", "requisition_id", "created_at")
    ]

    def stored(requisition: Requisition) -> list[list[tuple[str, str]]]:
        return [
            columns(row)
            for row in RequisitionLine.objects.filter(requisition=requisition)
            .order_by("line_number")
            .values_list(*names)
        ]

    assert len(stored(cart)) == len(rows)
    assert stored(cart) == stored(reference)
