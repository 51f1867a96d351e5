"""Catalog files for the tests: the real samples, a cXML CatalogUploadRequest wrapped as it travels (MIME), and
generated catalogs of any size in each format."""

from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
CXML_SAMPLES = Path(__file__).parent.parent / "fixtures" / "cxml" / "samples"
BMECAT_SAMPLE = FIXTURES / "bmecat2005_new_catalog.xml"
CIF_SAMPLE = FIXTURES / "burotec_winter.cif"
CATALOG_UPLOAD_REQUEST = CXML_SAMPLES / "CatalogUploadRequest__cxml-php__1.2.063.xml"
INDEX_SAMPLE = CXML_SAMPLES / "Index__cxml-php__1.2.063.xml"


def catalog_upload_request_mime(catalog: bytes, *, catalog_type: str = "text/xml") -> bytes:
    """The sample CatalogUploadRequest pointing at its attachment (cid:), sent with `catalog` as a MIME message."""
    request = CATALOG_UPLOAD_REQUEST.read_bytes().replace(
        b"<URL>https://www.attachment.com</URL>", b"<URL>cid:winter-catalog@supplier.example</URL>"
    )
    message = EmailMessage()
    message["Content-Type"] = "multipart/related"
    message.set_type("multipart/related")
    cxml = EmailMessage()
    cxml.set_content(request, maintype="text", subtype="xml")
    cxml["Content-ID"] = "<payload@supplier.example>"
    attachment = EmailMessage()
    maintype, subtype = catalog_type.split("/")
    attachment.set_content(catalog, maintype=maintype, subtype=subtype, filename="catalog")
    attachment["Content-ID"] = "<winter-catalog@supplier.example>"
    message.attach(cxml)
    message.attach(attachment)
    return message.as_bytes()


def file_cents(index: int) -> int:
    """The generated catalogs' price of item `index`, in cents: 10.00 to 19.99."""
    return 1000 + index % 1000


def _price(index: int, cents: Callable[[int], int]) -> str:
    value = cents(index)
    return f"{value // 100}.{value % 100:02d}"


def bmecat_of(count: int, *, cents: Callable[[int], int] = file_cents, currency: str = "EUR") -> bytes:
    """A BMEcat 2005 T_NEW_CATALOG of `count` products SKU-000000… at `cents(i)`."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<BMECAT xmlns="http://www.bmecat.org/bmecat/2005" version="2005">'
        f"<HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>GEN</CATALOG_ID><CATALOG_VERSION>1</CATALOG_VERSION>"
        f"<CURRENCY>{currency}</CURRENCY><MIME_ROOT>https://img.example/</MIME_ROOT></CATALOG></HEADER><T_NEW_CATALOG>\n"
    )
    products = (
        f"<PRODUCT><SUPPLIER_PID>SKU-{i:06d}</SUPPLIER_PID><PRODUCT_DETAILS><DESCRIPTION_SHORT>Item {i}"
        f"</DESCRIPTION_SHORT><MANUFACTURER_NAME>Acme</MANUFACTURER_NAME><DELIVERY_TIME>3</DELIVERY_TIME>"
        f"</PRODUCT_DETAILS><PRODUCT_FEATURES><REFERENCE_FEATURE_SYSTEM_NAME>UNSPSC-24.0</REFERENCE_FEATURE_SYSTEM_NAME>"
        f"<REFERENCE_FEATURE_GROUP_ID>44121704</REFERENCE_FEATURE_GROUP_ID></PRODUCT_FEATURES><PRODUCT_ORDER_DETAILS>"
        f"<ORDER_UNIT>C62</ORDER_UNIT><NO_CU_PER_OU>10</NO_CU_PER_OU><QUANTITY_MIN>1</QUANTITY_MIN>"
        f"<QUANTITY_INTERVAL>1</QUANTITY_INTERVAL></PRODUCT_ORDER_DETAILS><PRODUCT_PRICE_DETAILS>"
        f'<PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>{_price(i, cents)}</PRICE_AMOUNT>'
        f"<PRICE_CURRENCY>{currency}</PRICE_CURRENCY><LOWER_BOUND>1</LOWER_BOUND></PRODUCT_PRICE>"
        f"</PRODUCT_PRICE_DETAILS><MIME_INFO><MIME><MIME_TYPE>image/jpeg</MIME_TYPE><MIME_SOURCE>{i}.jpg</MIME_SOURCE>"
        f"<MIME_PURPOSE>normal</MIME_PURPOSE></MIME></MIME_INFO></PRODUCT>\n"
        for i in range(count)
    )
    return (head + "".join(products) + "</T_NEW_CATALOG></BMECAT>\n").encode()


def cif_of(count: int, *, cents: Callable[[int], int] = file_cents, currency: str = "EUR") -> bytes:
    head = (
        f"CIF_I_V3.0\nLOADMODE: F\nCODEFORMAT: UNSPSC\nCURRENCY: {currency}\nITEMCOUNT: {count}\n"
        "FIELDNAMES: Supplier ID,Supplier Part ID,Item Description,SPSC Code,Unit Price,Unit of Measure,Lead Time,"
        "Manufacturer Name,Short Name\nDATA\n"
    )
    rows = (
        f'SUP,SKU-{i:06d},"Item {i}, generated",44121704,{_price(i, cents)},EA,3,Acme,Item {i}\n' for i in range(count)
    )
    return (head + "".join(rows) + "ENDOFDATA\n").encode()


def index_of(count: int, *, cents: Callable[[int], int] = file_cents, currency: str = "EUR") -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<Index loadmode="Full"><SupplierID domain="DUNS">1</SupplierID>\n'
    items = (
        f"<IndexItem><IndexItemAdd><ItemID><SupplierPartID>SKU-{i:06d}</SupplierPartID></ItemID><ItemDetail>"
        f'<UnitPrice><Money currency="{currency}">{_price(i, cents)}</Money></UnitPrice>'
        f'<Description xml:lang="en"><ShortName>Item {i}</ShortName>Item {i}, generated</Description>'
        f'<UnitOfMeasure>EA</UnitOfMeasure><Classification domain="UNSPSC">44121704</Classification>'
        f"<ManufacturerName>Acme</ManufacturerName><LeadTime>3</LeadTime></ItemDetail></IndexItemAdd></IndexItem>\n"
        for i in range(count)
    )
    return (head + "".join(items) + "</Index>\n").encode()
