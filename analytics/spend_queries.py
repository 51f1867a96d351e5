"""Spend read from the pre-aggregated facts: the parameters a page or API call gives, checked, and the rows they select
(docs/analytics.md, "Spend"). The drill-down reads the requisition lines behind a row, filtered the same way."""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from django.db.models import Case, F, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.models import PurchaseOrderLine
from procurement.errors import ProcurementError
from procurement.models import Category, CostCentre, Employee, LegalEntity, Role, Supplier
from procurement.money import minor_text
from procurement.selectors import legal_entities_for_employee
from requisitions.models import RequisitionLine

from .error_codes import AnalyticsErrorCode
from .models import SpendFact, SpendRollup
from .spend import REQUESTED_STATUSES, month_bounds

DIMENSIONS: Final = {
    "category": gettext_lazy("Category"),
    "supplier": gettext_lazy("Supplier"),
    "cost_centre": gettext_lazy("Cost centre"),
    "legal_entity": gettext_lazy("Legal entity"),
    "requester": gettext_lazy("Requester"),
    "month": gettext_lazy("Month"),
}
LEVELS: Final = {
    "segment": gettext_lazy("Segment"),
    "family": gettext_lazy("Family"),
    "class": gettext_lazy("Class"),
}
# How many digits of the UNSPSC code each level keeps, and the fact column holding it.
LEVEL_DIGITS: Final = {"segment": 2, "family": 4, "class": 6}
LEVEL_COLUMN: Final = {"segment": "unspsc_segment", "family": "unspsc_family", "class": "unspsc_class"}
NEXT_LEVEL: Final = {"segment": "family", "family": "class"}
SPEND_ROLES: Final = (Role.FINANCE, Role.BUYER, Role.ADMIN)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CODE = re.compile(r"^[0-9]{2}(?:[0-9]{2}){0,3}$")
MAX_ROWS: Final = 500  # rows of one answer: the largest dimension (suppliers, requesters) is cut there


class SpendQueryInvalid(ProcurementError):
    """A parameter that cannot be read: the message names it (400 `invalid_spend_query`)."""

    code = AnalyticsErrorCode.INVALID_SPEND_QUERY


class SpendForbidden(ProcurementError):
    code = AnalyticsErrorCode.SPEND_FORBIDDEN
    status = 403


@dataclass(frozen=True)
class SpendQuery:
    """What to add up and over what: every filter is optional; `entities` are the ones the user may see."""

    entities: tuple[int, ...]
    by: str = "category"
    level: str = "segment"
    category: str = ""  # a UNSPSC prefix of 2, 4 or 6 digits
    month_from: datetime.date | None = None
    month_to: datetime.date | None = None
    legal_entity: LegalEntity | None = None
    supplier: Supplier | None = None
    cost_centre: CostCentre | None = None
    requester: Employee | None = None
    contract: str = ""  # "on", "off" or "" (both)
    # Rows without a value of a dimension (`category=none`, `supplier=none`, `cost_centre=none`).
    none: frozenset[str] = frozenset()

    def params(self, **changes: Any) -> dict[str, str]:
        """The query's parameters as a page or API address carries them (empty ones left out)."""
        query = replace(self, **changes) if changes else self
        values = {
            "by": query.by,
            "level": query.level if query.by == "category" else "",
            "category": query.category,
            "from": query.month_from.strftime("%Y-%m") if query.month_from else "",
            "to": query.month_to.strftime("%Y-%m") if query.month_to else "",
            "legal_entity": query.legal_entity.code if query.legal_entity else "",
            "supplier": query.supplier.code if query.supplier else "",
            "cost_centre": query.cost_centre.code if query.cost_centre else "",
            "requester": str(query.requester.pk) if query.requester else "",
            "contract": query.contract,
        }
        for name in sorted(query.none):
            values[name] = "none"
        return {key: value for key, value in values.items() if value}


def spend_entities(employee: Employee) -> list[LegalEntity]:
    """The entities whose spend `employee` sees: their own, for finance, buyers and administrators."""
    if not (employee.user.is_superuser or employee.roles.filter(code__in=SPEND_ROLES).exists()):
        raise SpendForbidden(_("Spend analytics are for finance, buyers and administrators."))
    return list(legal_entities_for_employee(employee=employee))


def _month(value: str, name: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    match = _MONTH.match(value)
    if not match or not (2000 <= int(match.group(1)) <= 2100) or not (1 <= int(match.group(2)) <= 12):
        raise SpendQueryInvalid(
            _("%(name)s: give a month as YYYY-MM between 2000-01 and 2100-12, not %(value)s.")
            % {"name": name, "value": value[:20]}
        )
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def spend_query_read(params: Mapping[str, str], *, entities: list[LegalEntity]) -> SpendQuery:
    """The parameters of a page or API call checked one by one; `SpendQueryInvalid` names the first bad one."""

    def get(name: str) -> str:
        return str(params.get(name) or "").strip()[:100]

    by = get("by") or "category"
    if by not in DIMENSIONS:
        raise SpendQueryInvalid(
            _("by: one of %(choices)s, not %(value)s.") % {"choices": ", ".join(DIMENSIONS), "value": by}
        )
    none = frozenset(name for name in ("category", "supplier", "cost_centre") if get(name).lower() == "none")
    if get("parent").lower() == "none":
        none |= {"category"}
    category = "" if "category" in none else get("category") or get("parent")
    while len(category) > 2 and category.endswith("00"):
        category = category[:-2]  # "43210000" is the family 4321
    if (category and not _CODE.match(category)) or len(category) > 6:
        raise SpendQueryInvalid(
            _("category: a UNSPSC segment, family or class (2, 4 or 6 digits), not %(value)s.")
            % {"value": category[:20]}
        )
    level = get("level")
    if level and level not in LEVELS:
        raise SpendQueryInvalid(
            _("level: one of %(choices)s, not %(value)s.") % {"choices": ", ".join(LEVELS), "value": level}
        )
    if not level:
        level = {0: "segment", 2: "family", 4: "class", 6: "class"}[len(category)]
    if category and LEVEL_DIGITS[level] <= len(category) and not (level == "class" and len(category) == 6):
        raise SpendQueryInvalid(
            _("level: %(level)s is not below the category %(category)s.") % {"level": level, "category": category}
        )
    month_from, month_to = _month(get("from"), "from"), _month(get("to"), "to")
    if month_from and month_to and month_from > month_to:
        raise SpendQueryInvalid(_("from: the first month comes after the last one."))
    contract = get("contract")
    if contract not in ("", "on", "off"):
        raise SpendQueryInvalid(_("contract: on, off or empty, not %(value)s.") % {"value": contract[:20]})
    by_code = {entity.code.upper(): entity for entity in entities}
    legal_entity = None
    if get("legal_entity"):
        legal_entity = by_code.get(get("legal_entity").upper())
        if legal_entity is None:
            raise SpendQueryInvalid(
                _("legal_entity: you see no legal entity %(code)s.") % {"code": get("legal_entity")[:30]}
            )
    ids = tuple(entity.pk for entity in entities)
    supplier = None
    if get("supplier") and "supplier" not in none:
        supplier = Supplier.objects.filter(code__iexact=get("supplier")).first()
        if supplier is None:
            raise SpendQueryInvalid(_("supplier: there is no supplier %(code)s.") % {"code": get("supplier")[:30]})
    cost_centre = None
    if get("cost_centre") and "cost_centre" not in none:
        centres = CostCentre.objects.filter(
            code__iexact=get("cost_centre"), legal_entity_id__in=[legal_entity.pk] if legal_entity else ids
        )
        cost_centre = centres.first()
        if cost_centre is None:
            raise SpendQueryInvalid(
                _("cost_centre: you see no cost centre %(code)s.") % {"code": get("cost_centre")[:30]}
            )
    requester = None
    if get("requester"):
        if not get("requester").isdigit() or len(get("requester")) > 18:
            raise SpendQueryInvalid(_("requester: an employee's id, not %(value)s.") % {"value": get("requester")[:20]})
        requester = Employee.objects.filter(pk=int(get("requester"))).select_related("user").first()
        if requester is None:
            raise SpendQueryInvalid(_("requester: there is no employee %(id)s.") % {"id": get("requester")})
    return SpendQuery(
        entities=ids,
        by=by,
        level=level,
        category=category,
        month_from=month_from,
        month_to=month_to,
        legal_entity=legal_entity,
        supplier=supplier,
        cost_centre=cost_centre,
        requester=requester,
        contract=contract,
        none=none,
    )


def _facts(query: SpendQuery) -> QuerySet[SpendFact] | QuerySet[SpendRollup]:
    """The rows to add up: the roll-up (no cost centre, no person) unless the query needs those."""
    fine = (
        query.by in ("cost_centre", "requester")
        or query.cost_centre is not None
        or query.requester is not None
        or "cost_centre" in query.none
    )
    filters: dict[str, Any] = {"legal_entity_id__in": [query.legal_entity.pk] if query.legal_entity else query.entities}
    if query.month_from:
        filters["month__gte"] = query.month_from
    if query.month_to:
        filters["month__lte"] = query.month_to
    if query.category:
        column = {2: "unspsc_segment", 4: "unspsc_family", 6: "unspsc_class"}[len(query.category)]
        filters[column] = query.category.ljust(8, "0")
    if query.supplier:
        filters["supplier_id"] = query.supplier.pk
    if query.cost_centre:
        filters["cost_centre_id"] = query.cost_centre.pk
    if query.requester:
        filters["requester_id"] = query.requester.pk
    if query.contract:
        filters["on_contract"] = query.contract == "on"
    if "category" in query.none:
        filters["unspsc_class"] = ""
    if "supplier" in query.none:
        filters["supplier__isnull"] = True
    if "cost_centre" in query.none:
        filters["cost_centre__isnull"] = True
    if fine:
        return SpendFact.objects.filter(**filters)
    return SpendRollup.objects.filter(**filters)


@dataclass(frozen=True)
class SpendRow:
    """One bar: a supplier, a category, a month… with its figures in `currency` (minor units)."""

    key: str
    label: str
    currency: str
    requested_minor: int
    committed_minor: int
    on_contract_minor: int
    actual_minor: int
    savings_minor: int
    lines: int

    @property
    def off_contract_minor(self) -> int:
        return self.committed_minor - self.on_contract_minor

    def amount(self, name: str) -> str:
        return minor_text(getattr(self, f"{name}_minor"), self.currency)


_GROUP: Final = {
    "supplier": "supplier_id",
    "cost_centre": "cost_centre_id",
    "legal_entity": "legal_entity_id",
    "requester": "requester_id",
    "month": "month",
}


def _labels(by: str, keys: set[Any], digits: int = 2) -> dict[Any, tuple[str, str]]:
    """(key as the filters write it, label) per grouped value."""
    found: dict[Any, tuple[str, str]] = {None: ("", _("(none)"))}
    if by == "supplier":
        for pk, code, name in Supplier.objects.filter(pk__in=keys - {None}).values_list("id", "code", "name"):
            found[pk] = (code, name)
    elif by == "cost_centre":
        for pk, code, name in CostCentre.objects.filter(pk__in=keys - {None}).values_list("id", "code", "name"):
            found[pk] = (code, f"{code} — {name}")
    elif by == "legal_entity":
        for pk, code, name in LegalEntity.objects.filter(pk__in=keys - {None}).values_list("id", "code", "name"):
            found[pk] = (code, f"{code} — {name}")
    elif by == "requester":
        for employee in Employee.objects.filter(pk__in=keys - {None}).select_related("user"):
            found[employee.pk] = (str(employee.pk), employee.display_name)
    elif by == "month":
        for month in keys - {None}:
            found[month] = (month.strftime("%Y-%m"), month.strftime("%Y-%m"))
    else:
        names = dict(Category.objects.filter(code__in={key for key in keys if key}).values_list("code", "name"))
        for code in keys:
            if code:
                found[code] = (code[:digits], f"{code} {names.get(code, '')}".strip())
        found[""] = ("", _("(no UNSPSC code)"))
    return found


def spend_rows(query: SpendQuery) -> list[SpendRow]:
    """The figures grouped by the query's dimension (and currency: amounts of two currencies are never added), the
    largest committed first; at most `MAX_ROWS`."""
    column = LEVEL_COLUMN[query.level] if query.by == "category" else _GROUP[query.by]
    grouped = (
        _facts(query)
        .order_by()
        .values(column, "currency")
        .annotate(
            requested=Sum("requested_minor"),
            committed=Sum("committed_minor"),
            on_contract=Coalesce(Sum(Case(When(on_contract=True, then=F("committed_minor")), default=Value(0))), 0),
            actual=Sum("actual_minor"),
            savings=Sum("savings_minor"),
            lines=Sum("line_count"),
        )
    )
    found = list(grouped)
    labels = _labels(query.by, {row[column] for row in found}, LEVEL_DIGITS[query.level])
    rows = [
        SpendRow(
            key=labels.get(row[column], (str(row[column]), str(row[column])))[0],
            label=labels.get(row[column], (str(row[column]), str(row[column])))[1],
            currency=row["currency"],
            requested_minor=row["requested"] or 0,
            committed_minor=row["committed"] or 0,
            on_contract_minor=row["on_contract"] or 0,
            actual_minor=row["actual"] or 0,
            savings_minor=row["savings"] or 0,
            lines=row["lines"] or 0,
        )
        for row in found
    ]
    if query.by == "month":
        rows.sort(key=lambda row: (row.key, row.currency))
    else:
        rows.sort(key=lambda row: (-row.committed_minor, -row.requested_minor, row.key, row.currency))
    return rows[:MAX_ROWS]


def spend_totals(rows: list[SpendRow]) -> list[SpendRow]:
    """One total per currency of the rows."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        sums = totals.setdefault(row.currency, [0] * 6)
        for index, value in enumerate(
            (
                row.requested_minor,
                row.committed_minor,
                row.on_contract_minor,
                row.actual_minor,
                row.savings_minor,
                row.lines,
            )
        ):
            sums[index] += value
    return [SpendRow("", _("Total"), currency, *sums) for currency, sums in sorted(totals.items())]


def spend_drill(query: SpendQuery, row: SpendRow) -> dict[str, str] | None:
    """The address parameters one level down from a row: the next UNSPSC level, else the lines behind the row
    (None: the row is itself the lines' filter, see `spend_lines_params`)."""
    if query.by == "category" and query.level in NEXT_LEVEL and row.key:
        return query.params(category=row.key, level=NEXT_LEVEL[query.level])
    return None


def spend_lines_params(query: SpendQuery, row: SpendRow) -> dict[str, str]:
    """The filters of the requisition lines behind a row: the query's, and the row's own key."""
    key = row.key
    params = query.params()
    if query.by == "category":
        params["category"] = key or "none"
    elif query.by == "month":
        params["from"] = params["to"] = key
    elif query.by == "requester":
        params["requester"] = key
    else:
        params[query.by] = key or "none"
    params.pop("level", None)
    params.pop("by", None)
    return params


def spend_lines(query: SpendQuery) -> QuerySet[RequisitionLine]:
    """The requisition lines counted in the facts the query selects (before the facts' refresh, the same lines as
    it will count), newest first, with their requisition and orders."""
    lines = RequisitionLine.objects.filter(
        requisition__legal_entity_id__in=[query.legal_entity.pk] if query.legal_entity else query.entities,
        requisition__status__in=REQUESTED_STATUSES,
        requisition__submitted_at__isnull=False,
        requisition__total_minor__isnull=False,
    )
    if query.month_from:
        lines = lines.filter(requisition__submitted_at__gte=month_bounds(query.month_from)[0])
    if query.month_to:
        lines = lines.filter(requisition__submitted_at__lt=month_bounds(query.month_to)[1])
    if query.category:
        lines = lines.filter(unspsc__startswith=query.category, unspsc__regex=r"^[0-9]{6}")
    if "category" in query.none:
        lines = lines.exclude(unspsc__regex=r"^[0-9]{6}")
    if query.supplier:
        lines = lines.filter(supplier_id=query.supplier.pk)
    if "supplier" in query.none:
        lines = lines.filter(supplier__isnull=True)
    if query.cost_centre:
        lines = lines.filter(cost_centre_id=query.cost_centre.pk)
    if "cost_centre" in query.none:
        lines = lines.filter(cost_centre__isnull=True)
    if query.requester:
        lines = lines.filter(
            Q(requisition__on_behalf_of_id=query.requester.pk)
            | Q(requisition__on_behalf_of__isnull=True, requisition__requester_id=query.requester.pk)
        )
    if query.contract:
        lines = lines.filter(contract__isnull=query.contract == "off")
    return (
        lines.select_related(
            "requisition__legal_entity",
            "requisition__requester__user",
            "requisition__on_behalf_of__user",
            "supplier",
            "cost_centre",
        )
        .prefetch_related(
            Prefetch(
                "purchase_order_lines",
                queryset=PurchaseOrderLine.objects.select_related("purchase_order").order_by("id"),
                to_attr="order_lines",
            )
        )
        .order_by("-requisition__submitted_at", "-requisition_id", "line_number")
    )
