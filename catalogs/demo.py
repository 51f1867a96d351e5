"""Demo data of catalog uploads (idempotent): LabSource GmbH sent its winter catalog as BMEcat 2005, uploaded by
frank for ACME-FR and checked, awaiting his approval: two prices rise above the 10 % threshold (flagged), one
rises by 3 %, and one item is new."""

from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape

from procurement.models import CatalogItem, Employee, LegalEntity, Supplier
from procurement.money import decimal_text, from_minor

from .models import CatalogUpload
from .services import catalog_upload_create, catalog_upload_validate

FILENAME = "labsource-winter-catalog.xml"
SUPPLIER = "LABSOURCE"
RAISES_PERCENT = (25, 15, 3)  # the first three items: two flagged, one not


def seed(report: Callable[[str], None]) -> None:
    supplier = Supplier.objects.filter(code=SUPPLIER).first()
    frank = Employee.objects.filter(user__username="frank").first()
    entity = LegalEntity.objects.filter(code="ACME-FR").first()
    if supplier is None or frank is None or entity is None:
        return
    upload = CatalogUpload.objects.filter(supplier=supplier, filename=FILENAME).first()
    if upload is None:
        items = list(CatalogItem.objects.filter(supplier=supplier, is_active=True).order_by("sku"))
        if len(items) < len(RAISES_PERCENT):
            return
        upload = catalog_upload_create(
            supplier=supplier,
            by=frank,
            legal_entity=entity,
            file_format=CatalogUpload.Format.BMECAT,
            filename=FILENAME,
            content=winter_catalog(supplier, items),
        )
        # Checked at once, so the demo shows the diff without a worker (a queued run finds it checked).
        upload = catalog_upload_validate(upload_id=upload.pk)
    report(
        f"catalog upload: {supplier.name} {FILENAME} ({upload.get_status_display()}, "
        f"{upload.flagged_count} price increases flagged)"
    )


def winter_catalog(supplier: Supplier, items: Iterable[CatalogItem]) -> bytes:
    """The supplier's live items as a BMEcat 2005 T_NEW_CATALOG, the first three dearer, and one new item."""
    products = []
    for index, item in enumerate(items):
        price = item.base_price_minor
        if index < len(RAISES_PERCENT):
            price = price * (100 + RAISES_PERCENT[index]) // 100
        products.append(_product(item, price, supplier.currency))
    new = CatalogItem(
        supplier=supplier,
        sku="LS-CENT-MINI",
        name="Mini centrifuge, 6 × 2 ml, 6,000 rpm",
        description="Compact centrifuge for PCR strips and 2 ml tubes.",
        unspsc="41103800",
        unit="EA",
        base_price_minor=24900,
        currency=supplier.currency,
        lead_time_days=7,
        manufacturer="LabSource",
    )
    products.append(_product(new, new.base_price_minor, supplier.currency))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">\n'
        f"<HEADER><CATALOG><LANGUAGE>eng</LANGUAGE><CATALOG_ID>LS-WINTER</CATALOG_ID><CATALOG_VERSION>1.0"
        f"</CATALOG_VERSION><CURRENCY>{supplier.currency}</CURRENCY></CATALOG><SUPPLIER><SUPPLIER_NAME>"
        f"{escape(supplier.name)}</SUPPLIER_NAME></SUPPLIER></HEADER>\n<T_NEW_CATALOG>\n"
        + "".join(products)
        + "</T_NEW_CATALOG>\n</BMECAT>\n"
    ).encode()


def _product(item: CatalogItem, price_minor: int, currency: str) -> str:
    media = []
    if item.image_url:
        media.append(
            f"<MIME><MIME_SOURCE>{escape(item.image_url)}</MIME_SOURCE><MIME_PURPOSE>normal</MIME_PURPOSE></MIME>"
        )
    if item.datasheet_url:
        media.append(
            f"<MIME><MIME_SOURCE>{escape(item.datasheet_url)}</MIME_SOURCE><MIME_PURPOSE>data_sheet</MIME_PURPOSE></MIME>"
        )
    pack = f"<NO_CU_PER_OU>{decimal_text(item.pack_size)}</NO_CU_PER_OU>" if item.pack_size else ""
    return (
        f"<PRODUCT><SUPPLIER_PID>{escape(item.sku)}</SUPPLIER_PID><PRODUCT_DETAILS>"
        f"<DESCRIPTION_SHORT>{escape(item.name)}</DESCRIPTION_SHORT>"
        f"<DESCRIPTION_LONG>{escape(item.description)}</DESCRIPTION_LONG>"
        f"<MANUFACTURER_PID>{escape(item.manufacturer_part_id)}</MANUFACTURER_PID>"
        f"<MANUFACTURER_NAME>{escape(item.manufacturer)}</MANUFACTURER_NAME>"
        f"<DELIVERY_TIME>{item.lead_time_days}</DELIVERY_TIME></PRODUCT_DETAILS>"
        f"<PRODUCT_FEATURES><REFERENCE_FEATURE_SYSTEM_NAME>UNSPSC</REFERENCE_FEATURE_SYSTEM_NAME>"
        f"<REFERENCE_FEATURE_GROUP_ID>{item.unspsc}</REFERENCE_FEATURE_GROUP_ID></PRODUCT_FEATURES>"
        f"<PRODUCT_ORDER_DETAILS><ORDER_UNIT>{item.unit}</ORDER_UNIT>{pack}"
        f"<QUANTITY_MIN>{decimal_text(item.minimum_quantity)}</QUANTITY_MIN>"
        f"<QUANTITY_INTERVAL>{decimal_text(item.order_multiple)}</QUANTITY_INTERVAL></PRODUCT_ORDER_DETAILS>"
        f'<PRODUCT_PRICE_DETAILS><PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>'
        f"{decimal_text(from_minor(price_minor, currency))}</PRICE_AMOUNT><PRICE_CURRENCY>{currency}</PRICE_CURRENCY>"
        f"</PRODUCT_PRICE></PRODUCT_PRICE_DETAILS>"
        + (f"<MIME_INFO>{''.join(media)}</MIME_INFO>" if media else "")
        + "</PRODUCT>\n"
    )
