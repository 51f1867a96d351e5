"""Two buyers approve two uploads of one supplier at the same moment: one is published, the other is checked
again against what the first wrote, never written over it (real threads on PostgreSQL)."""

import pytest

from catalogs.models import CatalogUpload
from catalogs.selectors import catalog_upload_lines
from catalogs.services import catalog_upload_create, catalog_upload_publish
from procurement.models import CatalogItem
from tests.concurrency import run_concurrently

from .conftest import csv_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_publications_of_one_supplier_never_write_over_each_other(shop, live_catalog):
    uploads = [
        catalog_upload_create(
            supplier=shop.supplier,
            by=shop.frank,
            legal_entity=shop.france,
            file_format="csv",
            filename=f"{price}.csv",
            content=csv_of(f"PEN;Ballpoint pen;44121704;EA;{price};EUR;;;;;"),
        )
        for price in ("12.00", "13.00")
    ]  # checked at once: the transaction commits and the eager task runs

    results = run_concurrently(
        [lambda upload=upload: catalog_upload_publish(upload=upload, by=shop.frank) for upload in uploads]
    )

    assert [type(result) for result in results] == [CatalogUpload, CatalogUpload]
    statuses = sorted(CatalogUpload.objects.values_list("status", flat=True))
    assert statuses == ["published", "validated"]
    published = CatalogUpload.objects.get(status="published")
    rechecked = CatalogUpload.objects.get(status="validated")
    pen = CatalogItem.objects.get(sku="PEN")
    assert pen.base_price_minor == {"12.00.csv": 1200, "13.00.csv": 1300}[published.filename]
    line = catalog_upload_lines(upload=rechecked).get()
    assert (line.old_price_minor, line.price_minor) == (
        pen.base_price_minor,
        {"12.00.csv": 1200, "13.00.csv": 1300}[rechecked.filename],
    )
    assert rechecked.message == "The live catalog changed after this upload was checked: it was checked again."
