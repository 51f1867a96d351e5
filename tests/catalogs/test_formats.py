"""The catalog readers on real files: what each reads from a BMEcat 2005, a CIF 3.0, a cXML Index and a
CatalogUploadRequest, and what they refuse; then each sample imported, diffed and published."""

from decimal import Decimal

import pytest

from catalogs.formats import CatalogFormatError, CatalogRow, read_catalog
from catalogs.formats.catalog_csv import TEMPLATE
from catalogs.models import CatalogUpload
from catalogs.selectors import catalog_upload_lines
from catalogs.services import catalog_upload_publish
from procurement.models import CatalogItem

from .conftest import upload_file
from .samples import (
    BMECAT_SAMPLE,
    CATALOG_UPLOAD_REQUEST,
    CIF_SAMPLE,
    INDEX_SAMPLE,
    catalog_upload_request_mime,
)


def rows_of(file_format: str, data: bytes) -> list[CatalogRow]:
    return list(read_catalog(file_format, data).rows)


def test_the_bmecat_2005_sample_is_read_product_by_product():
    catalog = read_catalog("bmecat", BMECAT_SAMPLE.read_bytes())

    assert catalog.mode == "full"
    assert list(catalog.rows) == [
        CatalogRow(
            line_number=90,
            sku="1000",
            name='Apple MacBook Pro 13"',
            description="Das Kraftpaket unter den Notebooks.",
            unspsc="",  # classified in eCl@ss only
            unit="BOX",
            price="1499.5",  # net_customer at the lowest bound (1), not the 100+ tier
            currency="EUR",
            lead_time_days="2",
            manufacturer="Microsoft",
            manufacturer_part_id="MPN",
            pack_size="6",
            minimum_quantity="1",
            image_url="https://example.com/images/55-K-31.jpg",
        )
    ]


def test_the_cif_file_is_read_with_its_header():
    catalog = read_catalog("cif", CIF_SAMPLE.read_bytes())

    rows = list(catalog.rows)
    assert (catalog.mode, catalog.currency) == ("full", "EUR")
    assert [(r.line_number, r.sku, r.name, r.unspsc, r.price, r.unit, r.currency) for r in rows] == [
        (13, "PEN", "Ballpoint pen blue", "44121704", "11.50", "BX", "EUR"),
        (14, "PAD", "Writing pad A4", "44121703", "20.00", "EA", "EUR"),
        (15, "TONER-9", "Toner cartridge black for HP LaserJet", "44103103", "79.00", "EA", "EUR"),
    ]
    assert (rows[0].image_url, rows[0].datasheet_url, rows[0].manufacturer_part_id) == (
        "https://burotec.example/pen.jpg",
        "https://bic.example/pen.pdf",
        "BIC-100",
    )


def test_the_cxml_index_sample_is_read():
    assert rows_of("cxml_index", INDEX_SAMPLE.read_bytes()) == [
        CatalogRow(
            line_number=7,
            sku="PROMINATE-SKU",
            name="English description",
            description="English description",
            unit="EA",
            price="1.23",
            currency="EUR",
            lead_time_days="2",
            image_url="https://example.com/product/image.jpg",
            datasheet_url="https://example.com/product",
        )
    ]


def test_the_catalog_upload_request_sample_points_to_the_web_and_is_refused():
    with pytest.raises(CatalogFormatError) as refused:
        read_catalog("cxml", CATALOG_UPLOAD_REQUEST.read_bytes())

    assert (refused.value.code, refused.value.detail) == ("remote_attachment", "https://www.attachment.com")


def test_a_catalog_upload_request_with_its_attachment_is_read_from_the_mime_message():
    catalog = read_catalog("cxml", catalog_upload_request_mime(INDEX_SAMPLE.read_bytes()))

    assert (catalog.name, catalog.mode) == ("Winter Prices", "full")
    assert [(row.sku, row.price) for row in catalog.rows] == [("PROMINATE-SKU", "1.23")]


def test_a_catalog_upload_request_may_carry_a_cif_file():
    catalog = read_catalog("cxml", catalog_upload_request_mime(CIF_SAMPLE.read_bytes(), catalog_type="text/plain"))

    assert [row.sku for row in catalog.rows] == ["PEN", "PAD", "TONER-9"]


@pytest.mark.parametrize(
    ("file_format", "data", "code"),
    [
        (
            "bmecat",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><BMECAT><T_NEW_CATALOG/></BMECAT>',
            "unsafe_xml",
        ),
        ("bmecat", b"<BMECAT><T_NEW_CATALOG><PRODUCT></T_NEW_CATALOG></BMECAT>", "malformed_xml"),
        ("bmecat", b"<catalog/>", "not_bmecat"),
        ("cif", b"SKU,PRICE\n", "not_cif"),
        ("cxml_index", b"<Other/>", "not_index"),
        ("csv", b"", "empty"),
        ("xlsx", b"PK not a workbook", "not_xlsx"),
    ],
)
def test_files_that_are_not_catalogs_are_refused_with_why(file_format, data, code):
    with pytest.raises(CatalogFormatError) as refused:
        rows_of(file_format, data)

    assert refused.value.code == code


def test_the_xlsx_template_is_read_like_the_csv(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE.splitlines()[0].split(";"))
    sheet.append(["PEN", "Ballpoint pen", 44121704, "EA", 11.5, "EUR", "", 3, "", "", 10, 1, 2])
    path = tmp_path / "catalog.xlsx"
    workbook.save(path)

    [row] = rows_of("xlsx", path.read_bytes())

    assert (row.line_number, row.sku, row.unspsc, row.price, row.lead_time_days, row.pack_size) == (
        2,
        "PEN",
        "44121704",
        "11.5",
        "3",
        "10",
    )


def test_the_bmecat_sample_is_imported_diffed_and_published(shop, django_capture_on_commit_callbacks):
    """Given the supplier sells nothing yet, the sample's product is new (with a default UNSPSC for its eCl@ss
    class) and, published, is an item in boxes of 6 with its picture."""
    upload = upload_file(
        shop, django_capture_on_commit_callbacks, BMECAT_SAMPLE.read_bytes(), file_format="bmecat",
        default_unspsc="43211503",
    )  # fmt: skip
    assert (upload.status, upload.new_count, upload.error_lines) == (CatalogUpload.Status.VALIDATED, 1, 0)

    with django_capture_on_commit_callbacks(execute=True):
        catalog_upload_publish(upload=upload, by=shop.frank)

    item = CatalogItem.objects.get(supplier=shop.supplier, sku="1000")
    assert (item.name, item.unspsc, item.unit, item.base_price_minor) == (
        'Apple MacBook Pro 13"',
        "43211503",
        "BOX",
        149950,
    )
    assert (item.pack_size, item.minimum_quantity, item.lead_time_days) == (Decimal(6), Decimal(1), 2)
    assert (item.manufacturer, item.image_url) == ("Microsoft", "https://example.com/images/55-K-31.jpg")


def test_the_cif_sample_is_imported_diffed_and_published(shop, live_catalog, django_capture_on_commit_callbacks):
    """Given PEN 10.00, PAD 20.00 and INK live, the CIF raises PEN (flagged), keeps PAD's price (its name and
    class change), adds TONER-9 and removes INK."""
    upload = upload_file(shop, django_capture_on_commit_callbacks, CIF_SAMPLE.read_bytes(), file_format="cif")
    lines = {line.sku: line for line in catalog_upload_lines(upload=upload)}

    assert {sku: (line.kind, line.flagged) for sku, line in lines.items()} == {
        "PEN": ("changed", True),
        "PAD": ("changed", False),
        "TONER-9": ("new", False),
        "INK": ("removed", False),
    }
    assert lines["PAD"].changes == ["name", "description", "unspsc", "lead_time_days", "manufacturer"]

    with django_capture_on_commit_callbacks(execute=True):
        catalog_upload_publish(upload=upload, by=shop.frank)

    active = dict(
        CatalogItem.objects.filter(supplier=shop.supplier, is_active=True).values_list("sku", "base_price_minor")
    )
    assert active == {"PEN": 1150, "PAD": 2000, "TONER-9": 7900}


def test_the_catalog_upload_request_sample_is_imported_and_published(shop, django_capture_on_commit_callbacks):
    content = catalog_upload_request_mime(INDEX_SAMPLE.read_bytes())
    upload = upload_file(
        shop, django_capture_on_commit_callbacks, content, file_format="cxml", default_unspsc="55121600"
    )

    with django_capture_on_commit_callbacks(execute=True):
        catalog_upload_publish(upload=upload, by=shop.frank)

    item = CatalogItem.objects.get(supplier=shop.supplier)
    assert (item.sku, item.base_price_minor, item.unspsc, item.image_url) == (
        "PROMINATE-SKU",
        123,
        "55121600",
        "https://example.com/product/image.jpg",
    )


def test_a_remote_catalog_upload_request_fails_with_why(shop, django_capture_on_commit_callbacks):
    upload = upload_file(
        shop, django_capture_on_commit_callbacks, CATALOG_UPLOAD_REQUEST.read_bytes(), file_format="cxml"
    )

    assert upload.status == CatalogUpload.Status.FAILED
    assert upload.message == (
        "The CatalogUploadRequest points to a catalog on the web; we never fetch it. Attach the catalog (cid:). "
        "(https://www.attachment.com)"
    )


def test_an_update_removes_the_items_it_deletes_and_keeps_the_others(
    shop, live_catalog, django_capture_on_commit_callbacks
):
    """Given PEN, PAD and INK live, an incremental CIF raises PAD and deletes INK (and GONE, never sold): PEN stays,
    INK is removed, GONE changes nothing."""
    cif = (
        b"CIF_I_V3.0\nLOADMODE: I\nCURRENCY: EUR\n"
        b"FIELDNAMES: Supplier Part ID,Item Description,SPSC Code,Unit Price,Unit of Measure,Delete\nDATA\n"
        b"PAD,Writing pad,44121704,21.00,EA,F\nINK,,,,,T\nGONE,,,,,T\nENDOFDATA\n"
    )
    upload = upload_file(shop, django_capture_on_commit_callbacks, cif, file_format="cif")

    assert (upload.mode, upload.changed_count, upload.removed_count, upload.unchanged_count) == ("incremental", 1, 1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_upload_publish(upload=upload, by=shop.frank)

    items = dict(CatalogItem.objects.filter(supplier=shop.supplier).values_list("sku", "is_active"))
    assert items == {"PEN": True, "PAD": True, "INK": False}


def test_an_index_item_delete_is_read_as_a_deletion():
    index = (
        b'<?xml version="1.0"?><Index loadmode="Incremental"><SupplierID domain="DUNS">1</SupplierID>'
        b"<IndexItem><IndexItemDelete><ItemID><SupplierPartID>INK</SupplierPartID></ItemID></IndexItemDelete>"
        b"</IndexItem></Index>"
    )
    catalog = read_catalog("cxml_index", index)

    assert catalog.mode == "incremental"
    assert list(catalog.rows) == [CatalogRow(line_number=1, sku="INK", delete=True)]
