"""Row locks of requisitions; several requisitions are always locked in primary-key order."""

from django.db.models import QuerySet

from .models import Requisition


def requisitions_select_for_update(ids: list[int]) -> list[Requisition]:
    """Lock these requisitions (in id order, so two merges cannot deadlock) and return them."""
    rows: QuerySet[Requisition] = Requisition.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return list(rows)
