"""Row locks of budgets, in one place; several budgets are always locked in primary-key order, so two
submissions or orders touching the same budgets cannot deadlock."""

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Budget


def budgets_qs_select_for_update() -> QuerySet[Budget]:
    return Budget.objects.select_for_update().order_by("pk")


def budgets_select_for_update(ids: Iterable[int]) -> list[Budget]:
    """Lock these budgets (in id order) and return them."""
    return list(budgets_qs_select_for_update().filter(pk__in=set(ids)))
