"""50,000-item catalogs in BMEcat, CIF and a cXML CatalogUploadRequest: each read as a stream, checked, diffed
against a live catalog of 10,005 items and published in batches."""

import pytest

from catalogs.formats import read_catalog
from catalogs.line_checks import line_check
from catalogs.models import CatalogUpload
from catalogs.services import catalog_upload_publish
from procurement.catalog_publish import CatalogItemValues, catalog_items_publish
from procurement.models import CatalogItem
from tests.factories import CatalogItemFactory

from .conftest import upload_file
from .samples import bmecat_of, catalog_upload_request_mime, cif_of, file_cents, index_of

FILE_ITEMS = 50_000
LIVE_ITEMS = 10_000


def live_cents(index: int) -> int:
    """The live price: half the file's for every 100th item (the file doubles it: flagged), one cent less for
    the next one (changed, not flagged), the file's for the others (unchanged)."""
    if index % 100 == 0:
        return file_cents(index) // 2
    if index % 100 == 1:
        return file_cents(index) - 1
    return file_cents(index)


FORMATS = {
    "bmecat": lambda count, cents=file_cents: bmecat_of(count, cents=cents),
    "cif": lambda count, cents=file_cents: cif_of(count, cents=cents),
    "cxml": lambda count, cents=file_cents: catalog_upload_request_mime(index_of(count, cents=cents)),
}


def live_catalog_of(shop, file_format: str) -> None:
    """The supplier's live catalog: the first 10,000 items as the same format gives them, at `live_cents`, and
    five items the new file no longer names."""
    catalog = read_catalog(file_format, FORMATS[file_format](LIVE_ITEMS, live_cents))
    items = []
    for row in catalog.rows:
        values = line_check(row, supplier_currency="EUR").values
        items.append(CatalogItemValues(base_price_minor=values.pop("price_minor"), **values))
    catalog_items_publish(supplier=shop.supplier, items=items)
    for number in range(5):
        CatalogItemFactory(supplier=shop.supplier, sku=f"OLD-{number}")


@pytest.mark.slow
@pytest.mark.parametrize("file_format", list(FORMATS))
def test_a_50000_item_catalog_is_imported_diffed_and_published(shop, file_format, django_capture_on_commit_callbacks):
    live_catalog_of(shop, file_format)

    upload = upload_file(
        shop, django_capture_on_commit_callbacks, FORMATS[file_format](FILE_ITEMS), file_format=file_format
    )

    assert upload.status == CatalogUpload.Status.VALIDATED
    assert (upload.total_lines, upload.error_lines, upload.new_count, upload.changed_count) == (50_000, 0, 40_000, 200)
    assert (upload.unchanged_count, upload.removed_count, upload.flagged_count) == (9_800, 5, 100)

    with django_capture_on_commit_callbacks(execute=True):
        catalog_upload_publish(upload=upload, by=shop.frank)
    upload.refresh_from_db()

    assert (upload.status, upload.published_lines) == (CatalogUpload.Status.PUBLISHED, 40_000 + 200 + 5)
    items = CatalogItem.objects.filter(supplier=shop.supplier)
    assert items.filter(is_active=True).count() == 50_000
    assert sorted(items.filter(is_active=False).values_list("sku", flat=True)) == [f"OLD-{n}" for n in range(5)]
    assert items.get(sku="SKU-000100").base_price_minor == file_cents(100) == 1100
    assert items.get(sku="SKU-049999").base_price_minor == file_cents(49_999) == 1999
