"""Row locks of catalog uploads, always in primary-key order."""

from django.db.models import QuerySet

from .models import CatalogUpload


def catalog_uploads_qs_select_for_update() -> QuerySet[CatalogUpload]:
    return CatalogUpload.objects.select_for_update().order_by("pk")
