"""Which tax applies to a line, and each entity's tax codes (docs/money.md, "Taxes").

- Each legal entity has tax codes (`TaxCode`): a rate, a kind (standard, reduced, zero, exempt, reverse charge)
  and the UNCL5305 category Peppol and Factur-X write (S, AA, Z, E, AE, K …). `tax_codes_default_create` gives
  an entity in France or Sweden the legal rates (FR 20 / 10 / 5.5 / 2.1, SE 25 / 12 / 6) and its zero, exempt
  and reverse-charge codes.
- A catalog item says the kind (and optionally the rate); the buying entity's code of that kind and rate applies.
  Free-text and punchout lines take the entity's default (standard) code, unless the supplier's cart gave a rate.
- EU intra-community reverse charge: a supplier and a buying entity in two different EU member states (both
  countries known) make every line the entity's reverse-charge code, category AE, rate 0, no tax on the document:
  the buyer accounts for the VAT (Art. 196 Directive 2006/112/EC).
- The amount is `procurement.money.tax_amount_minor`, per line, half up.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import JSONField
from django.db.models.expressions import RawSQL

from .models import LegalEntity, TaxCategory, TaxCode, TaxKind
from .money import decimal_text, tax_amount_minor

# The 27 member states of the European Union (ISO 3166 alpha-2; Greece is GR here, EL in VAT numbers).
_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_MEMBER_STATES = frozenset(_EU.split(" "))

REVERSE_CHARGE_NOTE = "Reverse charge — VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)"


@dataclass(frozen=True)
class DefaultCode:
    code: str
    name: str
    rate: Decimal
    kind: str
    category: str
    is_default: bool = False


def _vat(rate: str, kind: str, *, default: bool = False) -> DefaultCode:
    category = TaxCategory.STANDARD if kind == TaxKind.STANDARD else TaxCategory.REDUCED
    prefix = "S" if kind == TaxKind.STANDARD else "AA"
    return DefaultCode(f"{prefix}{rate}", f"VAT {rate} % ({kind})", Decimal(rate), kind, category, default)


_NO_TAX = (
    DefaultCode("Z", "VAT 0 % (zero-rated)", Decimal(0), TaxKind.ZERO, TaxCategory.ZERO),
    DefaultCode("E", "Exempt from VAT", Decimal(0), TaxKind.EXEMPT, TaxCategory.EXEMPT),
    DefaultCode(
        "AE", "Reverse charge (EU intra-community)", Decimal(0), TaxKind.REVERSE_CHARGE, TaxCategory.REVERSE_CHARGE
    ),
    DefaultCode(
        "K",
        "Intra-community supply (invoiced by an EU supplier)",
        Decimal(0),
        TaxKind.REVERSE_CHARGE,
        TaxCategory.INTRA_COMMUNITY,
    ),
)

# The legal VAT rates of the countries our entities are in (2026): the codes an entity of that country gets.
DEFAULT_TAX_CODES: dict[str, tuple[DefaultCode, ...]] = {
    "FR": (
        _vat("20", TaxKind.STANDARD, default=True),
        _vat("10", TaxKind.REDUCED),
        _vat("5.5", TaxKind.REDUCED),
        _vat("2.1", TaxKind.REDUCED),
        *_NO_TAX,
    ),
    "SE": (
        _vat("25", TaxKind.STANDARD, default=True),
        _vat("12", TaxKind.REDUCED),
        _vat("6", TaxKind.REDUCED),
        *_NO_TAX,
    ),
}


def reverse_charge_applies(*, supplier_country: str, buyer_country: str) -> bool:
    """EU intra-community reverse charge: supplier and buyer in two different EU member states, both known."""
    supplier, buyer = (supplier_country or "").upper(), (buyer_country or "").upper()
    return supplier in EU_MEMBER_STATES and buyer in EU_MEMBER_STATES and supplier != buyer


@dataclass(frozen=True)
class LineTax:
    """The tax of a line: the entity's code ("" when none fits), its UNCL5305 category, the rate (None: no tax
    known) and whether it is reverse charge."""

    code: str = ""
    category: str = ""
    rate: Decimal | None = None
    reverse_charge: bool = False

    def amount_minor(self, net_minor: int) -> int:
        """The line's tax on its net amount: 0 when the rate is unknown or 0 (reverse charge)."""
        if self.rate is None:
            return 0
        return tax_amount_minor(net_minor=net_minor, rate_percent=self.rate)


NO_TAX_KNOWN = LineTax()


@dataclass(frozen=True)
class TaxCodeRow:
    """What the tax of a line reads of a `TaxCode`, read along with another query (`entity_tax_codes_sql`)."""

    code: str
    name: str
    rate: Decimal
    kind: str
    category: str
    recoverable: bool
    is_default: bool


@dataclass(frozen=True)
class EntityTaxCodes:
    """An entity's active tax codes and its country, read once for many lines (`entity_tax_codes`)."""

    country: str
    codes: tuple[TaxCode | TaxCodeRow, ...]

    def default(self) -> TaxCode | TaxCodeRow | None:
        return next((code for code in self.codes if code.is_default), None) or self.first_of(TaxKind.STANDARD)

    def first_of(self, kind: str, rate: Decimal | None = None) -> TaxCode | TaxCodeRow | None:
        """The entity's code of a kind (with that rate, when given); of several, the highest rate, then by code."""
        found = [code for code in self.codes if code.kind == kind and (rate is None or code.rate == rate)]
        return min(found, key=lambda code: (-code.rate, code.code), default=None)

    def with_rate(self, rate: Decimal) -> TaxCode | TaxCodeRow | None:
        """The entity's taxed code (standard, reduced or zero) with exactly this rate."""
        for kind in (TaxKind.STANDARD, TaxKind.REDUCED, TaxKind.ZERO):
            code = self.first_of(kind, rate)
            if code is not None:
                return code
        return None


def entity_tax_codes(*, legal_entity: LegalEntity) -> EntityTaxCodes:
    """The entity's active tax codes, in one query."""
    return EntityTaxCodes(
        country=legal_entity.country,
        codes=tuple(TaxCode.objects.filter(legal_entity=legal_entity, is_active=True).order_by("code")),
    )


# The active codes of an entity as one JSON array of objects, read along by another query (a cart's lock) where
# `{entity}` is that query's column holding the entity's id; a constant text per database (no input in it).
_CODES_JSON = {
    "postgresql": (
        "SELECT JSONB_AGG(JSONB_BUILD_OBJECT('code', t.code, 'name', t.name, 'rate', t.rate::text, 'kind', t.kind,"
        " 'category', t.category, 'recoverable', t.recoverable, 'is_default', t.is_default))"
        " FROM {table} t WHERE t.legal_entity_id = {entity} AND t.is_active"
    ),
    "sqlite": (
        "SELECT JSON_GROUP_ARRAY(JSON_OBJECT('code', t.code, 'name', t.name, 'rate', CAST(t.rate AS TEXT),"
        " 'kind', t.kind, 'category', t.category, 'recoverable', t.recoverable, 'is_default', t.is_default))"
        " FROM {table} t WHERE t.legal_entity_id = {entity} AND t.is_active"
    ),
}


def entity_tax_codes_sql(*, vendor: str, legal_entity_column: str) -> RawSQL:
    """The active tax codes of the entity whose id an outer query's column holds (`legal_entity_column`, quoted
    as that query writes it), as one JSON value that query reads along (a cart write reads them with its lock):
    `entity_tax_codes_from` makes them what `entity_tax_codes` returns. Plain SQL: Django builds a correlated
    subquery at many times the cost of running this one."""
    sql = _CODES_JSON[vendor].format(table=TaxCode._meta.db_table, entity=legal_entity_column)
    return RawSQL(sql, (), output_field=JSONField())  # noqa: S611  (constant text, no input)


_RATE_PLACES = Decimal("0.001")  # TaxCode.rate's decimal places


def entity_tax_codes_from(*, legal_entity: LegalEntity, codes: list[dict[str, object]] | None) -> EntityTaxCodes:
    """`entity_tax_codes` from the JSON `entity_tax_codes_sql` read (the same codes, in the same order)."""
    built = [
        TaxCodeRow(
            code=str(code["code"]),
            name=str(code["name"]),
            rate=Decimal(str(code["rate"])).quantize(_RATE_PLACES),
            kind=str(code["kind"]),
            category=str(code["category"]),
            recoverable=bool(code["recoverable"]),
            is_default=bool(code["is_default"]),
        )
        for code in codes or ()
    ]
    return EntityTaxCodes(country=legal_entity.country, codes=tuple(sorted(built, key=lambda code: code.code)))


def _of(code: TaxCode | TaxCodeRow) -> LineTax:
    return LineTax(code=code.code, category=code.category, rate=Decimal(code.rate))


def tax_code_for_line(
    *,
    codes: EntityTaxCodes,
    supplier_country: str,
    item_kind: str | None = None,
    item_rate: Decimal | None = None,
    supplier_rate: Decimal | None = None,
) -> LineTax:
    """The tax of a line bought by the entity of `codes` from a supplier in `supplier_country`.

    1. Reverse charge when supplier and entity are in two different EU member states: the entity's
       reverse-charge code (AE), rate 0.
    2. A catalog item's kind (`item_kind`, optionally `item_rate`): the entity's code of that kind and rate,
       else of that kind.
    3. The rate the supplier's cart gave (`supplier_rate`, punchout): the entity's code with that rate, else
       that rate without a code (category S, or Z at 0 %).
    4. Otherwise the entity's default (standard) code. An entity without codes knows no tax (rate None).
    """
    if reverse_charge_applies(supplier_country=supplier_country, buyer_country=codes.country):
        code = next(
            (c for c in codes.codes if c.kind == TaxKind.REVERSE_CHARGE and c.category == TaxCategory.REVERSE_CHARGE),
            None,
        ) or codes.first_of(TaxKind.REVERSE_CHARGE)
        code_text = code.code if code else ""
        return LineTax(code=code_text, category=TaxCategory.REVERSE_CHARGE, rate=Decimal(0), reverse_charge=True)
    if item_kind:
        code = codes.first_of(item_kind, Decimal(str(item_rate))) if item_rate is not None else None
        code = code or codes.first_of(item_kind)
        if code is not None:
            return _of(code)
    if supplier_rate is not None:
        code = codes.with_rate(supplier_rate)
        if code is not None:
            return _of(code)
        category = TaxCategory.STANDARD if supplier_rate > 0 else TaxCategory.ZERO
        return LineTax(category=category, rate=supplier_rate)
    default = codes.default()
    return _of(default) if default is not None else NO_TAX_KNOWN


def tax_code_get(*, legal_entity: LegalEntity, code: str) -> TaxCode | None:
    """An entity's tax code by its code (a line's `tax_code`), active or not: whether it is recoverable, its name."""
    return TaxCode.objects.filter(legal_entity=legal_entity, code=code).first()


@transaction.atomic
def tax_codes_default_create(*, legal_entity: LegalEntity, country: str | None = None) -> list[TaxCode]:
    """Give an entity the default tax codes of its country (FR, SE); codes it already has are left as they are.

    `country` sets the entity's country first when it has none. An entity of another country gets none (an
    administrator adds them); the created codes are returned."""
    if country and not legal_entity.country:
        legal_entity.country = country.upper()
        legal_entity.save(update_fields=["country"])
    defaults = DEFAULT_TAX_CODES.get(legal_entity.country, ())
    existing = set(TaxCode.objects.filter(legal_entity=legal_entity).values_list("code", flat=True))
    has_default = TaxCode.objects.filter(legal_entity=legal_entity, is_default=True).exists()
    created = [
        TaxCode.objects.create(
            legal_entity=legal_entity,
            code=spec.code,
            name=spec.name,
            rate=spec.rate,
            kind=spec.kind,
            category=spec.category,
            is_default=spec.is_default and not has_default,
        )
        for spec in defaults
        if spec.code not in existing
    ]
    return created


def tax_rates_text(rates: Iterable[Decimal]) -> str:
    """Rates as a clerk reads them: "5.5 %, 20 %"."""
    return ", ".join(f"{decimal_text(rate)} %" for rate in sorted(set(rates)))


@dataclass(frozen=True)
class TaxRow:
    """The lines of one category and rate of a document added up: what they are taxed on and their tax."""

    category: str
    rate: Decimal | None
    taxable_minor: int
    tax_minor: int

    @property
    def reverse_charge(self) -> bool:
        return self.category == TaxCategory.REVERSE_CHARGE

    @property
    def label(self) -> str:
        """What a clerk reads: "VAT 20 %", "VAT 0 % reverse charge", "Exempt", "No VAT known"."""
        if self.rate is None:
            return "No VAT known"
        if self.reverse_charge:
            return "VAT 0 % reverse charge"
        if self.category == TaxCategory.EXEMPT:
            return "Exempt from VAT"
        return f"VAT {decimal_text(self.rate)} %"


def tax_breakdown(lines: Iterable[tuple[str, Decimal | None, int, int]]) -> list[TaxRow]:
    """(category, rate, net minor, tax minor) of each line, added up per category and rate: highest rate first,
    unknown last. The taxes are the lines' own (each rounded once), never recomputed on the sum."""
    sums: dict[tuple[str, Decimal | None], list[int]] = {}
    for category, rate, net_minor, tax_minor in lines:
        key = (category if rate is not None else "", None if rate is None else Decimal(rate))
        row = sums.setdefault(key, [0, 0])
        row[0] += net_minor
        row[1] += tax_minor
    rows = [TaxRow(category, rate, net, tax) for (category, rate), (net, tax) in sums.items()]
    return sorted(rows, key=lambda row: (row.rate is None, -(row.rate or 0), row.category))
