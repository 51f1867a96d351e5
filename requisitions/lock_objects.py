"""Row locks of requisitions; several requisitions are always locked in primary-key order."""

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet

from procurement.models import CostCentre, Employee, LegalEntity, OrgUnit
from procurement.sql import sql_column, sql_instance, sql_related, sql_select_list, sql_table
from procurement.taxes import entity_tax_codes_sql
from punchout.models import InboundSession

from .models import ImportJob, Requisition, RequisitionLine, RequisitionLineSplit, RequisitionList


def requisitions_select_for_update(ids: list[int]) -> list[Requisition]:
    """Lock these requisitions (in id order, so two merges cannot deadlock) and return them."""
    rows: QuerySet[Requisition] = Requisition.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return list(rows)


def requisition_lines_qs_select_for_update(*, requisition: Requisition) -> QuerySet[RequisitionLine]:
    return RequisitionLine.objects.select_for_update().filter(requisition=requisition).order_by("pk")


def requisition_lists_qs_select_for_update() -> QuerySet[RequisitionList]:
    return RequisitionList.objects.select_for_update().order_by("pk")


def import_jobs_qs_select_for_update() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_for_update().order_by("pk")


def requisition_select_for_update_with_parties(pk: int) -> Requisition:
    """Lock one requisition (its row only) and read its legal entity and requester (with their user) along, for a
    writer that tells people about it (an approval decision)."""
    return (
        Requisition.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "requester__user")
        .order_by()
        .get(pk=pk)
    )


def requisition_select_for_update_for_writes(pk: int) -> Requisition:
    """Lock one requisition (its row only) and read along what a cart write reads: the legal entity (taxes, currency)
    and the requester with their default cost centre (a new line's cost centre)."""
    return (
        Requisition.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "requester__default_cost_centre")
        .order_by()
        .get(pk=pk)
    )


def requisition_select_for_update_for_line_add(pk: int) -> Requisition:
    """`requisition_select_for_update_for_writes`, and in the same query what adding lines needs besides:
    `top_line_number` (the highest line number, 0 for none) and `tax_codes_json` (its entity's active tax
    codes, `procurement.taxes.entity_tax_codes_from`). SQL text (identifiers from the models, the id a parameter),
    read back into the instances Django's `select_related` would make: a cart takes this lock at each line add,
    and Django's compiler cost several times the query."""
    requisition, entity, employee, centre = (Requisition._meta, LegalEntity._meta, Employee._meta, CostCentre._meta)
    entity_id = f"r.{sql_column(requisition, 'legal_entity')}"
    codes = entity_tax_codes_sql(vendor=connection.vendor, legal_entity_column=entity_id)
    lines = RequisitionLine._meta
    sql = (
        f"SELECT {sql_select_list(requisition, 'r')}, {sql_select_list(entity, 'le')}, "  # noqa: S608  (from _meta)
        f"{sql_select_list(employee, 'e')}, {sql_select_list(centre, 'cc')}, "
        f"(SELECT COALESCE(MAX(l.{sql_column(lines, 'line_number')}), 0) FROM {sql_table(lines)} l"
        f" WHERE l.{sql_column(lines, 'requisition')} = r.{sql_column(requisition, 'pk')}), ({codes.sql}) "
        f"FROM {sql_table(requisition)} r"
        f"{_parties_join()}"
        f" LEFT OUTER JOIN {sql_table(centre)} cc"
        f" ON cc.{sql_column(centre, 'pk')} = e.{sql_column(employee, 'default_cost_centre')}"
        f" WHERE r.{sql_column(requisition, 'pk')} = %s"
    )
    row = _locked_row(sql, (pk,))
    held, at = sql_instance(Requisition, row)
    legal_entity, at = sql_instance(LegalEntity, row, at)
    requester, at = sql_instance(Employee, row, at)
    default_centre, at = sql_instance(CostCentre, row, at)
    top, tax_codes = row[at], row[at + 1]
    assert isinstance(held, Requisition) and requester is not None
    sql_related(held, "legal_entity", legal_entity)
    sql_related(held, "requester", requester)
    sql_related(requester, "default_cost_centre", default_centre)
    held.top_line_number = top  # type: ignore[attr-defined]
    held.tax_codes_json = json.loads(tax_codes) if isinstance(tax_codes, str) else tax_codes  # type: ignore[attr-defined]
    return held


def requisition_select_for_update_for_submit(pk: int) -> Requisition:
    """`requisition_select_for_update_with_parties`, and in the same query `is_punchin_cart`: whether it is (or
    was) the shop-side cart of an ERP's punch-in (`selectors.is_punchin_cart`); and `requester_org_units`: the ids
    of the requester's org unit and of every unit above it in the requisition's legal entity (the facts the
    approval rules look at, approvals.chain), by a recursive query (UNION: a cycle in bad data ends). SQL text
    (identifiers from the models, the id a parameter), read back into the instances Django's `select_related`
    would make: Django's compiler cost several times the query."""
    requisition, entity, employee = Requisition._meta, LegalEntity._meta, Employee._meta
    user = get_user_model()._meta
    sessions = InboundSession._meta
    units = _ORG_UNITS_UP[connection.vendor].format(
        requisitions=sql_table(requisition), employees=sql_table(Employee._meta), units=sql_table(OrgUnit._meta)
    )
    rid = f"r.{sql_column(requisition, 'pk')}"
    sql = (
        f"SELECT {sql_select_list(requisition, 'r')}, {sql_select_list(entity, 'le')}, "  # noqa: S608  (from _meta)
        f"{sql_select_list(employee, 'e')}, {sql_select_list(user, 'u')}, "
        f"EXISTS (SELECT 1 FROM {sql_table(sessions)} s WHERE s.{sql_column(sessions, 'requisition')} = {rid}), "
        f"({units}) FROM {sql_table(requisition)} r"
        f"{_parties_join()}"
        f" INNER JOIN {sql_table(user)} u ON u.{sql_column(user, 'pk')} = e.{sql_column(employee, 'user')}"
        f" WHERE {rid} = %s"
    )
    row = _locked_row(sql, (pk, pk, pk))
    held, at = sql_instance(Requisition, row)
    legal_entity, at = sql_instance(LegalEntity, row, at)
    requester, at = sql_instance(Employee, row, at)
    account, at = sql_instance(get_user_model(), row, at)
    assert isinstance(held, Requisition) and requester is not None
    sql_related(held, "legal_entity", legal_entity)
    sql_related(held, "requester", requester)
    sql_related(requester, "user", account)
    held.is_punchin_cart = bool(row[at])  # type: ignore[attr-defined]
    org_units = row[at + 1]
    held.requester_org_units = json.loads(org_units) if isinstance(org_units, str) else org_units  # type: ignore[attr-defined]
    return held


def _parties_join() -> str:
    """The joins of a requisition `r` to its legal entity `le` and requester `e`."""
    requisition, entity, employee = Requisition._meta, LegalEntity._meta, Employee._meta
    return (
        f" INNER JOIN {sql_table(entity)} le"
        f" ON le.{sql_column(entity, 'pk')} = r.{sql_column(requisition, 'legal_entity')}"
        f" INNER JOIN {sql_table(employee)} e"
        f" ON e.{sql_column(employee, 'pk')} = r.{sql_column(requisition, 'requester')}"
    )


def _locked_row(sql: str, params: tuple[Any, ...]) -> tuple[Any, ...]:
    """The one row of a requisition read by `sql` (its table aliased `r`), locked FOR UPDATE OF it where the
    database locks rows; Requisition.DoesNotExist without one."""
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF r"
    elif connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Requisition.DoesNotExist("Requisition matching query does not exist.")
    return tuple(row)


# The requester's org unit and the units above it, as a JSON array of ids; a step up stays in the requisition's
# legal entity (the unit of a requester of another entity is kept, and goes no higher).
_ORG_UNITS_UP_SQL = (
    "WITH RECURSIVE up(id) AS ("
    " SELECT e.org_unit_id FROM {employees} e JOIN {requisitions} r ON r.requester_id = e.id WHERE r.id = %s"
    " UNION SELECT o.parent_id FROM {units} o JOIN up ON o.id = up.id WHERE o.parent_id IS NOT NULL"
    " AND o.legal_entity_id = (SELECT r.legal_entity_id FROM {requisitions} r WHERE r.id = %s)"
    ") SELECT {aggregate} FROM up WHERE id IS NOT NULL"
)
_ORG_UNITS_UP = {
    "postgresql": _ORG_UNITS_UP_SQL.replace("{aggregate}", "COALESCE(JSONB_AGG(id), '[]'::jsonb)"),
    "sqlite": _ORG_UNITS_UP_SQL.replace("{aggregate}", "JSON_GROUP_ARRAY(id)"),
}


def requisition_lines_for_submit(requisition: Requisition) -> list[RequisitionLine]:
    """The lines of a requisition locked by its submission (`requisition_select_for_update_for_submit`: the lines
    change only under that lock), in line order, each with `has_splits`: whether it is charged by splits. SQL text
    (identifiers from the models, the id a parameter), read into the instances Django's query would make."""
    lines, splits = RequisitionLine._meta, RequisitionLineSplit._meta
    sql = (
        f"SELECT {sql_select_list(lines, 'l')}, EXISTS (SELECT 1 FROM {sql_table(splits)} s"  # noqa: S608
        f" WHERE s.{sql_column(splits, 'line')} = l.{sql_column(lines, 'pk')})"
        f" FROM {sql_table(lines)} l WHERE l.{sql_column(lines, 'requisition')} = %s"
        f" ORDER BY l.{sql_column(lines, 'line_number')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (requisition.pk,))
        rows = cursor.fetchall()
    read: list[RequisitionLine] = []
    for row in rows:
        line, at = sql_instance(RequisitionLine, row)
        assert isinstance(line, RequisitionLine)
        line.has_splits = bool(row[at])  # type: ignore[attr-defined]
        read.append(line)
    return read
