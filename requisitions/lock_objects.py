"""Row locks of requisitions; several requisitions are always locked in primary-key order."""

from django.db.models import QuerySet

from .models import ImportJob, Requisition, RequisitionLine, RequisitionList


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
