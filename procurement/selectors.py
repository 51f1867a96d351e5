"""Reads of the core domain: who someone is, which entities they act for, what they may buy at what price."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from .catalog_search import TextSearch, catalog_ranked, catalog_text_search
from .errors import LegalEntityNotFound, NoEmployeeProfile, NotAMember
from .models import (
    CatalogItem,
    CatalogItemAttribute,
    Category,
    Contract,
    ContractPrice,
    CustomCatalog,
    Employee,
    ExchangeRate,
    LegalEntity,
    PriceList,
    Supplier,
)
from .money import Money, decimal_text, inverse_rate, price_after_percent_minor, tier_unit_price_minor
from .sql import sql_column, sql_table


def employee_for_user(*, user: Any) -> Employee | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        employee: Employee = user.employee
    except Employee.DoesNotExist:
        return None
    return employee


def legal_entities_for_employee(*, employee: Employee | None) -> QuerySet[LegalEntity]:
    """The entities a person may act for; nobody sees data of any other."""
    if employee is None:
        return LegalEntity.objects.none()
    return employee.legal_entities.filter(is_active=True).order_by("code")


def legal_entity_for_user(*, user: Any, code: str | None) -> LegalEntity:
    """The legal entity named by `code` if the user is a member; their default one when no code is given."""
    employee = employee_for_user(user=user)
    if employee is None:
        raise NoEmployeeProfile(_("Your user has no employee profile; ask an administrator to create one."))
    entities = legal_entities_for_employee(employee=employee)
    if code:
        entity = entities.filter(code__iexact=code.strip()).first()
        if entity is None:
            if LegalEntity.objects.filter(code__iexact=code.strip()).exists():
                raise NotAMember(_("You are not a member of legal entity %(code)s.") % {"code": code})
            raise LegalEntityNotFound(_("There is no legal entity %(code)s.") % {"code": code})
        return entity
    entity = None
    if employee.default_legal_entity_id:
        entity = entities.filter(pk=employee.default_legal_entity_id).first()
    entity = entity or entities.first()
    if entity is None:
        raise NotAMember(_("You are not a member of any legal entity; ask an administrator to add you to one."))
    return entity


def employee_manager_chain(*, employee: Employee) -> list[Employee]:
    """The employee's manager, their manager, and so on to the top, in one query whatever the depth."""
    if employee.manager_id is None:
        return []
    sql, params = manager_chain_ids_sql(employee.manager_id)
    members = Employee.objects.filter(pk__in=RawSQL(sql, params)).select_related("user").order_by()  # noqa: S611
    return manager_chain_walk(employee, {member.pk: member for member in members})


def manager_chain_ids_sql(manager_id: int) -> tuple[str, list[int]]:
    """A statement selecting the ids of the manager `manager_id`, their manager and so on to the top, with its
    parameters: a recursive CTE whose UNION (not UNION ALL) makes a cycle in bad data terminate."""
    people = Employee._meta
    table, pk, manager = sql_table(people), sql_column(people, "pk"), sql_column(people, "manager")
    return (
        f"WITH RECURSIVE chain(id, manager_id) AS (SELECT {pk}, {manager} FROM {table} WHERE {pk} = %s"  # noqa: S608
        f" UNION SELECT e.{pk}, e.{manager} FROM {table} e JOIN chain c ON e.{pk} = c.manager_id) SELECT id FROM chain",
        [manager_id],
    )


def manager_chain_walk(employee: Employee, read: Mapping[int, Employee]) -> list[Employee]:
    """The employee's managers in order, from the people `read` by `manager_chain_ids_sql` (by id); a cycle stops."""
    chain: list[Employee] = []
    seen: set[int] = set()
    current = employee.manager_id
    while current is not None and current in read and current != employee.pk and current not in seen:
        seen.add(current)
        chain.append(read[current])
        current = read[current].manager_id
    return chain


def catalog_items_visible(*, legal_entity: LegalEntity, user: Any) -> QuerySet[CatalogItem]:
    """Active items the user may see for this entity: custom catalogs, when any apply, restrict them."""
    items = CatalogItem.objects.filter(is_active=True, supplier__is_active=True)
    catalogs = CustomCatalog.objects.filter(is_active=True).filter(
        Q(legal_entities=legal_entity) | Q(groups__user=user)
    )
    if not catalogs.exists():
        return items
    return items.filter(Q(supplier__custom_catalogs__in=catalogs) | Q(custom_catalogs__in=catalogs)).distinct()


@dataclass(frozen=True)
class CatalogFilters:
    search: str = ""
    supplier: str = ""
    category: str = ""
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exact: bool = False  # no typo tolerance: only what matches the words as typed


@dataclass(frozen=True)
class CatalogSearch:
    items: QuerySet[CatalogItem]  # every filter applied, in the order to show
    text: TextSearch  # the visible items narrowed by the search text only (and its correction)
    filters: CatalogFilters


def _catalog_filtered(items: QuerySet[CatalogItem], filters: CatalogFilters) -> QuerySet[CatalogItem]:
    if filters.supplier:
        items = items.filter(supplier__code__iexact=filters.supplier)
    if filters.category:
        items = items.filter(unspsc__startswith=filters.category)
    for name, values in filters.attributes:
        if values:
            items = items.filter(
                Exists(CatalogItemAttribute.objects.filter(item=OuterRef("pk"), name=name, value__in=values))
            )
    return items


def catalog_search(*, legal_entity: LegalEntity, user: Any, filters: CatalogFilters) -> CatalogSearch:
    """Visible items matching a search by SKU, name or manufacturer part id (forgiving typos when nothing
    matches exactly), a supplier code, a UNSPSC prefix and attribute values."""
    visible = catalog_items_visible(legal_entity=legal_entity, user=user)
    text = catalog_text_search(items=visible, text=filters.search, exact=filters.exact)
    items = _catalog_filtered(text.items, filters).select_related("supplier")
    return CatalogSearch(
        items=catalog_ranked(search=text, items=items, text=filters.search), text=text, filters=filters
    )


def catalog_item_search(*, legal_entity: LegalEntity, user: Any, filters: CatalogFilters) -> QuerySet[CatalogItem]:
    """The items of `catalog_search`."""
    return catalog_search(legal_entity=legal_entity, user=user, filters=filters).items


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class CatalogFacets:
    """What each filter offers with how many results picking it gives, given the search and the other filters."""

    suppliers: list[FacetOption]
    categories: list[FacetOption]
    attributes: dict[str, list[tuple[str, int]]]


FUZZY_FACET_ITEMS = 5_000


def _facet_items(items: QuerySet[CatalogItem], text: TextSearch) -> QuerySet[CatalogItem]:
    """The items of a typo-forgiving search by their ids, when they are few (as they are): PostgreSQL misjudges
    how few a trigram search finds and tests it on every item while counting attributes (0.4 s on 100,000
    items, against a few ms by ids)."""
    if not text.ranked:
        return items
    ids = list(items.order_by().values_list("pk", flat=True)[:FUZZY_FACET_ITEMS])
    return CatalogItem.objects.filter(pk__in=ids) if len(ids) < FUZZY_FACET_ITEMS else items


def catalog_facets(*, search: CatalogSearch, limit: int = 12) -> CatalogFacets:
    """Counts per supplier, category family and attribute value for the search; a filter's own choice is
    left out of its counts (choosing another supplier shows what that supplier has), and chosen options
    stay listed even when nothing is left for them."""
    filters, base = search.filters, search.text.items
    by_supplier = (
        _catalog_filtered(base, replace(filters, supplier=""))
        .order_by()
        .values("supplier__code", "supplier__name")
        .annotate(count=Count("pk", distinct=True))
    )
    suppliers = {
        row["supplier__code"]: FacetOption(row["supplier__code"], row["supplier__name"], row["count"])
        for row in by_supplier
    }
    if filters.supplier and filters.supplier.upper() not in {code.upper() for code in suppliers}:
        chosen = Supplier.objects.filter(code__iexact=filters.supplier).values_list("code", "name").first()
        if chosen:
            suppliers[chosen[0]] = FacetOption(chosen[0], chosen[1], 0)
    by_family = (
        _catalog_filtered(base, replace(filters, category=""))
        .order_by()
        .annotate(family=Substr("unspsc", 1, 4))
        .values("family")
        .annotate(count=Count("pk", distinct=True))
    )
    families = {row["family"]: row["count"] for row in by_family}
    if filters.category:
        families.setdefault(filters.category, 0)
    named = {c.code: c.name for c in Category.objects.filter(code__in=families)}
    categories = [
        FacetOption(code, f"{code} {named.get(code) or gettext('UNSPSC %(code)s') % {'code': code}}", count)
        for code, count in sorted(families.items())
    ]
    attributes = catalog_attribute_facets(items=_facet_items(search.items, search.text), limit=limit)
    for name, values in filters.attributes:
        # The values of a chosen attribute are counted without its own choice: picking one more widens.
        others = replace(filters, attributes=tuple(pair for pair in filters.attributes if pair[0] != name))
        counted = dict(
            catalog_attribute_facets(
                items=_facet_items(_catalog_filtered(base, others), search.text), names=[name], limit=limit
            ).get(name, [])
        )
        for value in values:
            counted.setdefault(value, 0)
        attributes[name] = sorted(counted.items())
    return CatalogFacets(
        suppliers=sorted(suppliers.values(), key=lambda option: option.label.casefold()),
        categories=categories,
        attributes=dict(sorted(attributes.items())),
    )


def catalog_attribute_facets(
    *, items: QuerySet[CatalogItem], limit: int = 12, names: list[str] | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Attribute names with their values and how many of `items` have each, for filter checkboxes."""
    # Joined from the items (not `item IN (subquery)`): PostgreSQL then finds the items by their indexes first
    # instead of testing the search on every item in key order (600 ms against 30 ms on 100,000 items).
    # One filter() so that the values below read the same join.
    joined = items.order_by().filter(Q(attributes__isnull=False) if names is None else Q(attributes__name__in=names))
    rows = (
        joined.values("attributes__name", "attributes__value")
        .annotate(count=Count("pk", distinct=True))
        .order_by("attributes__name", "attributes__value")
    )
    facets: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        values = facets.setdefault(row["attributes__name"], [])
        if len(values) < limit:
            values.append((row["attributes__value"], row["count"]))
    return facets


def price_lists_applicable(*, legal_entity: LegalEntity, user: Any, on: date | None = None) -> list[PriceList]:
    """Price lists of the entity and of the user's groups that are valid on the day."""
    day = on or timezone.localdate()
    return list(
        PriceList.objects.filter(is_active=True)
        .filter(Q(legal_entities=legal_entity) | Q(groups__user=user))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .distinct()
        .order_by("code")
    )


def price_after_list(*, item: CatalogItem, price_list: PriceList) -> int | None:
    """The item's price in minor units under one price list, or None when the list does not cover it."""
    if price_list.supplier_id and price_list.supplier_id != item.supplier_id:
        return None
    if price_list.unspsc_prefix and not item.unspsc.startswith(price_list.unspsc_prefix):
        return None
    if price_list.adjustment == PriceList.Adjustment.FIXED:
        if price_list.fixed_off_currency != item.currency:
            return None
        return max(0, item.base_price_minor - price_list.fixed_off_minor)
    return price_after_percent_minor(item.base_price_minor, price_list.percent_off)


def catalog_item_price(*, item: CatalogItem, price_lists: Iterable[PriceList]) -> Money:
    """The best price the buyer has negotiated: the lowest of the base price and every list that covers it."""
    candidates = [item.base_price_minor]
    for price_list in price_lists:
        price = price_after_list(item=item, price_list=price_list)
        if price is not None:
            candidates.append(price)
    return Money.from_minor(min(candidates), item.currency)


@dataclass(frozen=True)
class ContractQuote:
    """An item's price under a contract in force: its unit price and its volume tiers (min quantity, price)."""

    contract_id: int
    contract_number: str
    contract_kind: str
    unit_price_minor: int
    currency: str
    tiers: tuple[tuple[Decimal, int], ...] = ()

    def price_for(self, quantity: Decimal) -> Money:
        """The unit price at `quantity`: the highest tier reached (money.tier_unit_price_minor)."""
        minor = tier_unit_price_minor(quantity=quantity, base_minor=self.unit_price_minor, tiers=self.tiers)
        return Money.from_minor(minor, self.currency)

    @property
    def tier_prices(self) -> list[tuple[str, Money]]:
        """The tiers for people and the API: ("10", 9.00 EUR) — from 10 on, 9.00 EUR a unit."""
        return [(decimal_text(quantity), Money.from_minor(minor, self.currency)) for quantity, minor in self.tiers]


@dataclass(frozen=True)
class PriceQuote:
    """What a catalog item costs the buyer, and where that price comes from."""

    class Source:
        CONTRACT = "contract"
        PRICE_LIST = "price_list"
        BASE = "base"

    price: Money
    source: str
    contract: ContractQuote | None = None


@dataclass(frozen=True)
class CatalogPricing:
    """Everything that prices catalog items for one entity and user on one day: the price lists and the
    contract prices in force (by item id)."""

    price_lists: list[PriceList]
    contracts: Mapping[int, ContractQuote]


def _contract_quotes(rows: Iterable[Mapping[str, Any]]) -> dict[int, ContractQuote]:
    """Quotes from rows of a contract price joined to its tiers (one row a tier, or one with no tier); when
    several contracts price an item, the lowest unit price wins (then the lower contract number)."""
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        key = (row["item_id"], row["contract_id"])
        entry = found.setdefault(key, {**row, "tier_list": []})
        if row["tiers__min_quantity"] is not None:
            entry["tier_list"].append((row["tiers__min_quantity"], row["tiers__unit_price_minor"]))
    quotes: dict[int, ContractQuote] = {}
    for (item_id, contract_id), entry in sorted(
        found.items(), key=lambda pair: (pair[1]["unit_price_minor"], pair[1]["contract__number"]), reverse=True
    ):
        quotes[item_id] = ContractQuote(
            contract_id=contract_id,
            contract_number=entry["contract__number"],
            contract_kind=entry["contract__kind"],
            unit_price_minor=entry["unit_price_minor"],
            currency=entry["currency"],
            tiers=tuple(sorted(entry["tier_list"])),
        )
    return quotes


_QUOTE_COLUMNS = (
    "item_id",
    "contract_id",
    "contract__number",
    "contract__kind",
    "unit_price_minor",
    "currency",
    "tiers__min_quantity",
    "tiers__unit_price_minor",
)


def contract_prices_in_force(
    *, legal_entity: LegalEntity, item_ids: Iterable[int], on: date | None = None
) -> dict[int, ContractQuote]:
    """The contract prices of these items that apply to the entity on the day, by item id, in one read: an
    active contract of the entity, valid that day, with the item's own supplier."""
    ids = list(item_ids)
    if not ids:
        return {}
    day = on or timezone.localdate()
    rows = (
        ContractPrice.objects.filter(
            item_id__in=ids,
            contract__legal_entity=legal_entity,
            contract__status=Contract.Status.ACTIVE,
            contract__valid_from__lte=day,
            contract__valid_to__gte=day,
            contract__supplier_id=F("item__supplier_id"),
        )
        .order_by()
        .values(*_QUOTE_COLUMNS)
    )
    return _contract_quotes(rows)


def contract_quote_for_item(*, contract_id: int, item_id: int) -> ContractQuote | None:
    """The price of an item under one contract (in force or not), with its tiers: a line priced from a
    contract is priced again from it when its quantity changes."""
    rows = ContractPrice.objects.filter(contract_id=contract_id, item_id=item_id).order_by().values(*_QUOTE_COLUMNS)
    return _contract_quotes(rows).get(item_id)


@dataclass(frozen=True)
class ContractMinimum:
    contract_id: int
    number: str
    supplier_name: str
    minimum: Money


def contract_minimums(*, contract_ids: Iterable[int]) -> dict[int, ContractMinimum]:
    """The minimum order values of these contracts, those that have one, by contract id, in one read."""
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    rows = (
        Contract.objects.filter(pk__in=ids, minimum_order_minor__gt=0)
        .order_by()
        .values_list("pk", "number", "supplier__name", "minimum_order_minor", "currency")
    )
    return {
        pk: ContractMinimum(pk, number, supplier_name, Money.from_minor(minor, currency))
        for pk, number, supplier_name, minor, currency in rows
    }


def catalog_pricing_applicable(
    *, legal_entity: LegalEntity, user: Any, item_ids: Iterable[int], on: date | None = None
) -> CatalogPricing:
    """The price lists and the contract prices in force for these items (`catalog_item_quote` reads them)."""
    return CatalogPricing(
        price_lists=price_lists_applicable(legal_entity=legal_entity, user=user, on=on),
        contracts=contract_prices_in_force(legal_entity=legal_entity, item_ids=item_ids, on=on),
    )


def catalog_item_quote(*, item: CatalogItem, pricing: CatalogPricing, quantity: Decimal | None = None) -> PriceQuote:
    """The item's price for `quantity` (its smallest orderable quantity when None): a contract price in force
    beats the price lists, at the volume tier the quantity reaches; otherwise the best price-list price."""
    contract = pricing.contracts.get(item.pk)
    if contract is not None:
        at = item.smallest_quantity if quantity is None else quantity
        return PriceQuote(price=contract.price_for(at), source=PriceQuote.Source.CONTRACT, contract=contract)
    price = catalog_item_price(item=item, price_lists=pricing.price_lists)
    source = PriceQuote.Source.BASE if price.minor == item.base_price_minor else PriceQuote.Source.PRICE_LIST
    return PriceQuote(price=price, source=source)


def exchange_rate_get(*, from_currency: str, to_currency: str, on: date | None = None) -> Decimal | None:
    """The rate in force on the day (the latest one not after it), or None when none is stored."""
    if from_currency == to_currency:
        return Decimal(1)
    day = on or timezone.localdate()
    rate = (
        ExchangeRate.objects.filter(from_currency=from_currency, to_currency=to_currency, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is not None:
        return rate
    inverse = (
        ExchangeRate.objects.filter(from_currency=to_currency, to_currency=from_currency, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    # The inverse at the stored precision, so a rate recorded with a converted amount reproduces it.
    return inverse_rate(inverse) if inverse else None
