"""Row locks of requisitions; several requisitions are always locked in primary-key order."""

from django.db import connection
from django.db.models import BooleanField, IntegerField, JSONField, QuerySet
from django.db.models.expressions import RawSQL

from procurement.models import Employee, OrgUnit
from procurement.sql import sql_column, sql_table
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
    codes, `procurement.taxes.entity_tax_codes_from`). Both read by plain SQL subqueries: built by Django's
    expressions, they cost several times the query's own time to compile."""
    requisitions, lines = Requisition._meta.db_table, RequisitionLine._meta.db_table
    top = RawSQL(  # noqa: S611  (table names are ours; no input in the text)
        f'SELECT COALESCE(MAX(l.line_number), 0) FROM {lines} l WHERE l.requisition_id = "{requisitions}"."id"',  # noqa: S608
        (),
        output_field=IntegerField(),
    )
    codes = entity_tax_codes_sql(vendor=connection.vendor, legal_entity_column=f'"{requisitions}"."legal_entity_id"')
    return (
        Requisition.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "requester__default_cost_centre")
        .annotate(top_line_number=top, tax_codes_json=codes)
        .order_by()
        .get(pk=pk)
    )


def requisition_select_for_update_for_submit(pk: int) -> Requisition:
    """`requisition_select_for_update_with_parties`, and in the same query `is_punchin_cart`: whether it is (or
    was) the shop-side cart of an ERP's punch-in (`selectors.is_punchin_cart`), by a plain SQL EXISTS (cheaper
    to compile than Django's); and `requester_org_units`: the ids of the requester's org unit and of every unit
    above it in the requisition's legal entity (the facts the approval rules look at, approvals.chain), by a
    recursive query (UNION: a cycle in bad data ends)."""
    sessions = InboundSession._meta.db_table
    requisition_id = f'"{Requisition._meta.db_table}"."id"'
    return (
        Requisition.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "requester__user")
        .annotate(
            is_punchin_cart=RawSQL(  # noqa: S611  (table names are ours; no input in the text)
                f"EXISTS (SELECT 1 FROM {sessions} s WHERE s.requisition_id = {requisition_id})",  # noqa: S608
                (),
                output_field=BooleanField(),
            ),
            requester_org_units=RawSQL(  # noqa: S611  (identifiers from the models; the id is a parameter)
                _ORG_UNITS_UP[connection.vendor].format(
                    requisitions=sql_table(Requisition._meta),
                    employees=sql_table(Employee._meta),
                    units=sql_table(OrgUnit._meta),
                ),
                (pk, pk),
                output_field=JSONField(),
            ),
        )
        .order_by()
        .get(pk=pk)
    )


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
    change only under that lock), in line order, each with `has_splits`: whether it is charged by splits (read by a
    plain SQL EXISTS, cheaper to compile than Django's)."""
    splits = RequisitionLineSplit._meta
    has_splits = RawSQL(  # noqa: S611  (identifiers from the models; no input in the text)
        f"EXISTS (SELECT 1 FROM {sql_table(splits)} s WHERE s.{sql_column(splits, 'line')} = "  # noqa: S608
        f"{sql_table(RequisitionLine._meta)}.{sql_column(RequisitionLine._meta, 'pk')})",
        (),
        output_field=BooleanField(),
    )
    rows = RequisitionLine.objects.filter(requisition_id=requisition.pk).annotate(has_splits=has_splits)
    return list(rows.order_by("line_number"))
