"""BMEcat 2005 (`PRODUCT`) and 1.2 (`ARTICLE`) catalogs, read as a stream: one product at a time, so a
100,000-product file never becomes one tree.

`T_NEW_CATALOG` is a full catalog, `T_UPDATE_PRODUCTS` and `T_UPDATE_PRICES` incremental ones. Read per product:
SUPPLIER_PID (SUPPLIER_AID), DESCRIPTION_SHORT (name), DESCRIPTION_LONG, MANUFACTURER_NAME, MANUFACTURER_PID
(MANUFACTURER_AID), DELIVERY_TIME (lead time), ORDER_UNIT, NO_CU_PER_OU (pack size), QUANTITY_MIN,
QUANTITY_INTERVAL (order multiple), the price (PRODUCT_PRICE / ARTICLE_PRICE of type net_customer, else
net_list, at its lowest LOWER_BOUND; PRICE_AMOUNT × PRICE_FACTOR, PRICE_CURRENCY, else the header's CURRENCY),
the UNSPSC code (REFERENCE_FEATURE_GROUP_ID of a REFERENCE_FEATURE_SYSTEM_NAME starting "UNSPSC"; eCl@ss codes
are not UNSPSC and are not read), and MIME_INFO: the first image (MIME_PURPOSE normal, else any image type) and
the first data sheet (MIME_PURPOSE data_sheet, else a PDF), relative sources joined to the header's MIME_ROOT.
A price per several units (PRICE_QUANTITY other than 1) is reported on its line, not divided. In an update, a
product of `mode="delete"` removes the item.
"""

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from lxml import etree

from punchout.xmlsafe import XmlEntityDeclared, XmlSafetyError, XmlTooLarge, iterparse_xml

from .rows import MAX_CATALOG_BYTES, CatalogFile, CatalogFormatError, CatalogRow, LoadMode, size_check

_TRANSACTION = re.compile(rb"<(?:[\w.-]+:)?T_(NEW_CATALOG|UPDATE_PRODUCTS|UPDATE_PRICES)\b")
PRICE_TYPES = ("net_customer", "net_list")
ITEM_TAGS = ("{*}PRODUCT", "{*}ARTICLE")


Kids = dict[str, list[etree._Element]]


def _local(element: etree._Element) -> str:
    """The tag without its namespace (`{http://www.bmecat.org/bmecat/2005}PRODUCT` → `PRODUCT`)."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _kids(element: etree._Element | None) -> Kids:
    """The element's children by local name, read in one pass (a product is looked into some twenty times)."""
    found: Kids = {}
    if element is None:
        return found
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            found.setdefault(tag.rpartition("}")[2], []).append(child)
    return found


def _first(kids: Kids, *names: str) -> etree._Element | None:
    for name in names:
        if name in kids:
            return kids[name][0]
    return None


def _text(kids: Kids, *names: str) -> str:
    element = _first(kids, *names)
    return "" if element is None else (element.text or "").strip()


def _price(product: Kids) -> tuple[str, str, tuple[str, ...]]:
    """(amount, currency, problems) of the product's price to buy one order unit."""
    details = _kids(_first(product, "PRODUCT_PRICE_DETAILS", "ARTICLE_PRICE_DETAILS"))
    prices = details.get("PRODUCT_PRICE", []) + details.get("ARTICLE_PRICE", [])
    for price_type in PRICE_TYPES:
        typed = [price for price in prices if price.get("price_type") == price_type]
        if typed:
            break
    else:
        typed = prices[:1]
    if not typed:
        return "", "", ()
    priced = [(price, _kids(price)) for price in typed]

    def lower_bound(entry: tuple[etree._Element, Kids]) -> Decimal:
        try:
            return Decimal(_text(entry[1], "LOWER_BOUND") or "1")
        except InvalidOperation:
            return Decimal(1)

    _element, price = min(priced, key=lower_bound)
    amount = _text(price, "PRICE_AMOUNT")
    factor = _text(price, "PRICE_FACTOR")
    if amount and factor and factor not in {"1", "1.0", "1.00"}:
        try:
            amount = format(Decimal(amount) * Decimal(factor), "f")
        except InvalidOperation:
            return amount, "", ("price_factor",)
    return amount, _text(price, "PRICE_CURRENCY").upper(), ()


def _unspsc(product: Kids) -> str:
    for features in product.get("PRODUCT_FEATURES", []) + product.get("ARTICLE_FEATURES", []):
        kids = _kids(features)
        if _text(kids, "REFERENCE_FEATURE_SYSTEM_NAME").upper().startswith("UNSPSC"):
            return _text(kids, "REFERENCE_FEATURE_GROUP_ID")
    return ""


def _media(product: Kids, mime_root: str) -> tuple[str, str]:
    """(image URL, data sheet URL) of the product's MIME_INFO."""
    image = datasheet = ""
    info = _first(product, "MIME_INFO")
    if info is None:
        return image, datasheet

    def source(mime: Kids) -> str:
        value = _text(mime, "MIME_SOURCE")
        if not value or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value) or not mime_root:
            return value
        return mime_root.rstrip("/") + "/" + value.lstrip("/")

    for element in _kids(info).get("MIME", []):
        mime = _kids(element)
        purpose, kind = _text(mime, "MIME_PURPOSE").lower(), _text(mime, "MIME_TYPE").lower()
        if not image and (purpose == "normal" or (kind.startswith("image/") and purpose != "thumbnail")):
            image = source(mime)
        if not datasheet and (purpose == "data_sheet" or kind == "application/pdf"):
            datasheet = source(mime)
    return image, datasheet


def _row(element: etree._Element, *, line_number: int, currency: str, mime_root: str) -> CatalogRow:
    product = _kids(element)
    if element.get("mode") == "delete":  # T_UPDATE_PRODUCTS: the product is no longer sold
        return CatalogRow(line_number=line_number, sku=_text(product, "SUPPLIER_PID", "SUPPLIER_AID"), delete=True)
    details = _kids(_first(product, "PRODUCT_DETAILS", "ARTICLE_DETAILS"))
    order = _kids(_first(product, "PRODUCT_ORDER_DETAILS", "ARTICLE_ORDER_DETAILS"))
    amount, price_currency, problems = _price(product)
    price_quantity = _text(order, "PRICE_QUANTITY")
    if price_quantity and price_quantity not in {"1", "1.0", "1.00"}:
        problems += ("price_quantity",)
    image, datasheet = _media(product, mime_root)
    return CatalogRow(
        line_number=line_number,
        sku=_text(product, "SUPPLIER_PID", "SUPPLIER_AID"),
        name=_text(details, "DESCRIPTION_SHORT"),
        description=_text(details, "DESCRIPTION_LONG"),
        unspsc=_unspsc(product),
        unit=_text(order, "ORDER_UNIT").upper(),
        price=amount,
        currency=price_currency or currency,
        lead_time_days=_text(details, "DELIVERY_TIME"),
        manufacturer=_text(details, "MANUFACTURER_NAME"),
        manufacturer_part_id=_text(details, "MANUFACTURER_PID", "MANUFACTURER_AID"),
        pack_size=_text(order, "NO_CU_PER_OU"),
        order_multiple=_text(order, "QUANTITY_INTERVAL"),
        minimum_quantity=_text(order, "QUANTITY_MIN"),
        image_url=image,
        datasheet_url=datasheet,
        problems=problems,
    )


def read_bmecat(data: bytes) -> CatalogFile:
    size_check(data)
    found = _TRANSACTION.search(data)
    if found is None or b"BMECAT" not in data[:4096]:
        raise CatalogFormatError("not_bmecat", "no BMECAT root with T_NEW_CATALOG or T_UPDATE_PRODUCTS")
    mode: LoadMode = "full" if found.group(1) == b"NEW_CATALOG" else "incremental"

    def rows() -> Iterator[CatalogRow]:
        currency, mime_root = "", ""
        try:
            for element in iterparse_xml(
                data, tag=(*ITEM_TAGS, "{*}CURRENCY", "{*}MIME_ROOT"), max_bytes=MAX_CATALOG_BYTES
            ):
                name = _local(element)
                if name == "CURRENCY":
                    currency = (element.text or "").strip().upper()
                    continue
                if name == "MIME_ROOT":
                    mime_root = (element.text or "").strip()
                    continue
                yield _row(element, line_number=element.sourceline or 0, currency=currency, mime_root=mime_root)
                element.clear()
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
        except XmlTooLarge as error:
            raise CatalogFormatError("too_large", error.message) from None
        except XmlEntityDeclared as error:
            raise CatalogFormatError("unsafe_xml", error.message) from None
        except XmlSafetyError as error:
            raise CatalogFormatError("malformed_xml", error.message) from None

    return CatalogFile(mode=mode, rows=rows())
