"""Row locks of the core app, in one place; several rows are always locked in primary-key order."""

from django.db.models import QuerySet

from .models import DocumentSequence, Supplier


def document_sequence_qs_select_for_update() -> QuerySet[DocumentSequence]:
    return DocumentSequence.objects.select_for_update().order_by("pk")


def suppliers_qs_select_for_update() -> QuerySet[Supplier]:
    return Supplier.objects.select_for_update().order_by("pk")
