"""Reads of requisitions, always scoped to what the employee may see."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from procurement.models import Address, CostCentre, Employee, LegalEntity, Role
from procurement.money import Money, minimum_order_shortfall_minor
from procurement.selectors import contract_minimums
from procurement.sql import sql_column, sql_instance, sql_select_list, sql_table
from procurement.taxes import tax_breakdown
from punchout.models import InboundSession

from .errors import RequisitionNotFound
from .models import Requisition, RequisitionLine, RequisitionLineSplit, RequisitionList

OVERSEEING_ROLES = (Role.BUYER, Role.FINANCE, Role.ADMIN)


def requisitions_visible(*, employee: Employee) -> QuerySet[Requisition]:
    """In the employee's entities: their own, those they are asked to approve; all for buyers, finance, admins."""
    entities = employee.legal_entities.filter(is_active=True).values("pk")
    visible = Requisition.objects.filter(legal_entity__in=entities)
    if employee.roles.filter(code__in=OVERSEEING_ROLES).exists():
        return visible
    approving = Requisition.objects.filter(approval_chains__steps__approvers__approver=employee).values("pk")
    return visible.filter(Q(requester=employee) | Q(on_behalf_of=employee) | Q(pk__in=approving))


def requisition_get(*, employee: Employee, pk: int | str) -> Requisition:
    """One requisition the employee may see; others (and other entities') do not exist for them."""
    try:
        return requisitions_visible(employee=employee).select_related("legal_entity", "requester__user").get(pk=pk)
    except (Requisition.DoesNotExist, ValueError):
        raise RequisitionNotFound(_("There is no requisition %(id)s that you may see.") % {"id": pk}) from None


def requisition_lines(*, requisition: Requisition) -> QuerySet[RequisitionLine]:
    """Lines with everything a cart table shows, in a constant number of queries."""
    return (
        requisition.lines.select_related("supplier", "cost_centre", "catalog_item")
        .prefetch_related(Prefetch("splits", RequisitionLineSplit.objects.select_related("cost_centre")))
        .order_by("line_number")
    )


def requisition_lines_for_charges(*, requisition: Requisition) -> Iterable[RequisitionLine]:
    """The requisition's lines with their splits: what budgets charge to cost centres. Those the submission read
    under the requisition's lock (`lines__splits` prefetched on it) when it did, otherwise read here."""
    loaded = getattr(requisition, "_prefetched_objects_cache", {}).get("lines")
    if loaded is not None and all("splits" in getattr(line, "_prefetched_objects_cache", {}) for line in loaded):
        return list(loaded)
    return RequisitionLine.objects.filter(requisition=requisition).prefetch_related("splits")


def requisition_split_cost_centre_ids(*, requisition: Requisition) -> list[int]:
    """The cost centres the requisition's line splits charge (the approval chain's facts)."""
    return list(
        RequisitionLineSplit.objects.filter(line__requisition=requisition).values_list("cost_centre_id", flat=True)
    )


def requisitions_with_requester(*, ids: Any) -> QuerySet[Requisition]:
    """Requisitions by id with their requester, for another app's lists (a budget's holds)."""
    return Requisition.objects.filter(pk__in=ids).select_related("requester__user")


def requisition_ids_of_entity(*, legal_entity_id: int) -> QuerySet[Requisition, Any]:
    """The ids of one legal entity's requisitions, as a subquery (the approval inbox filters by entity)."""
    return Requisition.objects.filter(legal_entity_id=legal_entity_id).values("pk")


def requisition_totals_by_currency(*, requisition: Requisition) -> list[Money]:
    rows = requisition.lines.order_by().values("currency").annotate(sum_minor=Sum("total_minor")).order_by("currency")
    return [Money.from_minor(row["sum_minor"] or 0, row["currency"]) for row in rows]


def punchin_cart_ended() -> Exists:
    """A requisition that is the cart of an ERP's punch-in that is over (transferred, left, expired, or past
    its time without the browser coming back): it went (or goes) back to the ERP and is no cart here."""
    live = Q(status=InboundSession.Status.SHOPPING, expires_at__gt=timezone.now())
    return Exists(InboundSession.objects.filter(requisition=OuterRef("pk")).exclude(live))


def requisitions_listed(*, employee: Employee) -> QuerySet[Requisition]:
    """What the lists of requisitions show (page and API): the visible ones, without a punch-in's cart left
    as a draft by a punch-in that is over (never a draft to submit again; its page stays readable)."""
    return requisitions_visible(employee=employee).exclude(Q(status=Requisition.Status.DRAFT) & punchin_cart_ended())


def is_punchin_cart(*, requisition: Requisition) -> bool:
    """The requisition is (or was) the shop-side cart of an ERP's punch-in."""
    return InboundSession.objects.filter(requisition_id=requisition.pk).exists()


def carts_of(*, employee: Employee, legal_entity_id: int | None = None) -> QuerySet[Requisition]:
    """The employee's open carts (draft requisitions), newest first; never the cart of a punch-in that is over."""
    carts = Requisition.objects.filter(requester=employee, status=Requisition.Status.DRAFT).exclude(
        punchin_cart_ended()
    )
    if legal_entity_id is not None:
        carts = carts.filter(legal_entity_id=legal_entity_id)
    return carts.select_related("legal_entity").order_by("-updated_at", "-id")


def cost_centres_chargeable(*, employee: Employee, legal_entity_id: int) -> QuerySet[CostCentre]:
    """The employee's default cost centre and the others they may charge, in one entity."""
    ids = [pk for pk in [employee.default_cost_centre_id] if pk]
    return (
        CostCentre.objects.filter(legal_entity_id=legal_entity_id, is_active=True)
        .filter(Q(pk__in=ids) | Q(chargeable_by=employee))
        .distinct()
        .order_by("code")
    )


def employees_selectable(*, legal_entity_ids: Any, exclude: Employee | None = None) -> QuerySet[Employee]:
    """People one may pick (to request for, to decide while one is away): active users who work for one of these
    entities. Never a punch-in identity: a shopper an ERP vouched for, who has no account of their own
    (`punchout.punchin_sessions.is_punchin_user`: no usable password and a punch-in session)."""
    punchin_identities = Employee.objects.filter(
        inbound_punchout_sessions__isnull=False, user__password__startswith=UNUSABLE_PASSWORD_PREFIX
    ).values("pk")
    people = (
        Employee.objects.filter(legal_entities__in=legal_entity_ids, user__is_active=True)
        .exclude(pk__in=punchin_identities)
        .select_related("user")
        .distinct()
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    return people.exclude(pk=exclude.pk) if exclude is not None else people


def requestable_for(*, employee: Employee, legal_entity_id: int) -> QuerySet[Employee]:
    """Whom the employee may request for ("on behalf of") in a legal entity: colleagues of that entity, as for
    approval delegations (`approvals.services.delegation_create`), never themselves, nor someone inactive or a
    punch-in identity."""
    return employees_selectable(legal_entity_ids=[legal_entity_id], exclude=employee)


def requisition_lists_visible(*, employee: Employee, legal_entity_id: int | None = None) -> QuerySet[RequisitionList]:
    """The employee's own lists and those shared with their org unit."""
    lists = RequisitionList.objects.filter(
        Q(owner=employee) | Q(shared_with__isnull=False, shared_with=employee.org_unit_id)
    )
    lists = lists.filter(legal_entity__in=employee.legal_entities.values("pk"))
    if legal_entity_id is not None:
        lists = lists.filter(legal_entity_id=legal_entity_id)
    return lists.select_related("owner__user", "shared_with", "legal_entity").annotate(item_count=Count("items"))


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: StrOrPromise
    count: int


def requisition_status_counts(*, requisitions: QuerySet[Requisition]) -> list[StatusCount]:
    counts = dict(requisitions.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return [StatusCount(value, label, counts.get(value, 0)) for value, label in Requisition.Status.choices]


@dataclass(frozen=True)
class CurrencyTaxes:
    """A cart's lines of one currency: net, the VAT of each rate (the lines' own taxes added), and gross."""

    net: Money
    rows: list[dict[str, Any]]  # {"label", "rate", "taxable": Money, "tax": Money}
    tax: Money
    gross: Money
    reverse_charge: bool


def requisition_taxes_by_currency(*, requisition: Requisition) -> list[CurrencyTaxes]:
    """Per currency: net, VAT by rate, gross (docs/money.md, "Taxes"): one query. A currency whose lines have
    no tax known has no rows; its gross is its net."""
    per_currency: dict[str, list[tuple[str, Any, int, int]]] = {}
    for row in (
        requisition.lines.order_by()
        .values("currency", "tax_category", "tax_rate")
        .annotate(net_sum=Sum("total_minor"), tax_sum=Sum("tax_minor"))
        .order_by("currency")
    ):
        per_currency.setdefault(row["currency"], []).append(
            (row["tax_category"], row["tax_rate"], row["net_sum"] or 0, row["tax_sum"] or 0)
        )
    result = []
    for currency, sums in per_currency.items():
        rows = [row for row in tax_breakdown(sums) if row.rate is not None]
        net = sum(entry[2] for entry in sums)
        tax = sum(row.tax_minor for row in rows)
        result.append(
            CurrencyTaxes(
                net=Money.from_minor(net, currency),
                rows=[
                    {
                        "label": row.label,
                        "rate": row.rate,
                        "taxable": Money.from_minor(row.taxable_minor, currency),
                        "tax": Money.from_minor(row.tax_minor, currency),
                    }
                    for row in rows
                ],
                tax=Money.from_minor(tax, currency),
                gross=Money.from_minor(net + tax, currency),
                reverse_charge=any(row.reverse_charge for row in rows),
            )
        )
    return result


@dataclass(frozen=True)
class MinimumShortfall:
    """A contract's minimum order value that the requisition's lines priced from it do not reach."""

    contract_number: str
    supplier_name: str
    minimum: Money
    ordered: Money
    missing: Money


def minimum_order_shortfalls(*, lines: Iterable[RequisitionLine]) -> list[MinimumShortfall]:
    """For each contract that priced some of these lines and has a minimum order value, what they fall short of
    it (one read, and none when no line is priced from a contract). The supplier may refuse or surcharge an
    order below its minimum: the requester is warned, not stopped."""
    ordered: dict[int, tuple[int, str]] = {}
    for line in lines:
        if line.contract_id is not None:
            total, _currency = ordered.get(line.contract_id, (0, line.currency))
            ordered[line.contract_id] = (total + line.total_minor, line.currency)
    shortfalls = []
    for contract_id, minimum in contract_minimums(contract_ids=ordered).items():
        total_minor, currency = ordered[contract_id]
        if currency != minimum.minimum.currency:
            continue
        missing = minimum_order_shortfall_minor(ordered_minor=total_minor, minimum_minor=minimum.minimum.minor)
        if missing:
            shortfalls.append(
                MinimumShortfall(
                    contract_number=minimum.number,
                    supplier_name=minimum.supplier_name,
                    minimum=minimum.minimum,
                    ordered=Money.from_minor(total_minor, currency),
                    missing=Money.from_minor(missing, currency),
                )
            )
    return sorted(shortfalls, key=lambda shortfall: shortfall.contract_number)


def membership_and_default_ship_to(*, employee: Employee, legal_entity: LegalEntity) -> tuple[bool, Address | None]:
    """Whether `employee` is a member of the active `legal_entity` (`procurement.selectors.legal_entities_for_employee`
    holds it) and the entity's default ship-to address (None without one), in one query: what opening a cart reads.
    SQL text (identifiers from the models, values as parameters): Django's compiler cost more than both reads."""
    entity, address = LegalEntity._meta, Address._meta
    members = Employee._meta.get_field("legal_entities")
    through = members.remote_field.through._meta  # type: ignore[union-attr]
    member_column = connection.ops.quote_name(members.m2m_column_name())
    entity_column = connection.ops.quote_name(members.m2m_reverse_name())
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {sql_table(through)} m INNER JOIN {sql_table(entity)} le"  # noqa: S608
        f" ON le.{sql_column(entity, 'pk')} = m.{entity_column}"
        f" WHERE m.{member_column} = %s AND le.{sql_column(entity, 'pk')} = %s AND le.{sql_column(entity, 'is_active')}"
        f" = %s), {sql_select_list(address, 'a')} FROM (SELECT 1 AS one) o LEFT OUTER JOIN {sql_table(address)} a"
        f" ON a.{sql_column(address, 'legal_entity')} = %s AND a.{sql_column(address, 'kind')} = %s"
        f" AND a.{sql_column(address, 'is_default')} = %s"
    )
    with connection.cursor() as cursor:
        # At most one default ship-to per entity (the constraint address_one_default_per_kind).
        cursor.execute(sql, (employee.pk, legal_entity.pk, True, legal_entity.pk, Address.Kind.SHIP_TO, True))
        row = cursor.fetchone()
    ship_to, _end = sql_instance(Address, row, 1)
    return bool(row[0]), ship_to  # type: ignore[return-value]


# A requisition still in someone's hands: a draft (a cart), in approval, or returned to its requester.
OPEN_STATUSES = (
    Requisition.Status.DRAFT,
    Requisition.Status.SUBMITTED,
    Requisition.Status.IN_APPROVAL,
    Requisition.Status.RETURNED,
)


def requisition_numbers_open(*, requester: Employee, limit: int = 100) -> list[str]:
    """The numbers of `requester`'s open requisitions (drafts, in approval, returned), oldest first, at most `limit`
    (a leaver's are noted in the audit, never deleted: p2p.people_changes)."""
    return list(
        Requisition.objects.filter(requester=requester, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("number", flat=True)[:limit]
    )
