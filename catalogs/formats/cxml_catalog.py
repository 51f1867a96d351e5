"""cXML catalogs: an `Index` document, and the `CatalogUploadRequest` that carries an Index or a CIF file.

A CatalogUploadRequest arrives as a MIME message (multipart/related, as cXML attachments travel): the cXML part
names its attachment `cid:…` in `Attachment/URL`, and the part with that Content-ID is the catalog. A catalog
named by an http(s) URL is refused: we never fetch what a document points to. `operation` new and update are
read alike (the attached catalog's own load mode decides full or incremental); delete is refused.

Index fields read per `IndexItemAdd`: ItemID/SupplierPartID, ItemDetail: UnitPrice/Money (amount, currency),
Description (English first; its ShortName, else its text, is the name), UnitOfMeasure, Classification of domain
UNSPSC, ManufacturerName, ManufacturerPartID, LeadTime (or IndexItemDetail/LeadTime), URL (the data sheet) and
the first AttachmentReference URL (the image). `loadmode` Full or Incremental. An `IndexItemDelete` removes its item.
"""

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage

from lxml import etree

from punchout.xmlsafe import XmlEntityDeclared, XmlSafetyError, XmlTooLarge, iterparse_xml, parse_xml

from .cif import read_cif
from .rows import MAX_CATALOG_BYTES, CatalogFile, CatalogFormatError, CatalogRow, LoadMode, size_check

CXML_MAX_BYTES = 1024 * 1024  # the request document itself; the catalog is its attachment


def _xml_error(error: XmlSafetyError) -> CatalogFormatError:
    if isinstance(error, XmlTooLarge):
        return CatalogFormatError("too_large", error.message)
    if isinstance(error, XmlEntityDeclared):
        return CatalogFormatError("unsafe_xml", error.message)
    return CatalogFormatError("malformed_xml", error.message)


def _first(element: etree._Element | None, path: str) -> etree._Element | None:
    if element is None:
        return None
    found = element.find(path)
    return found


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip() if len(element) else (element.text or "").strip()


def _description(detail: etree._Element) -> tuple[str, str]:
    """(name, description) from the English Description, else the first."""
    descriptions = detail.findall("Description")
    chosen = next(
        (d for d in descriptions if (d.get("{http://www.w3.org/XML/1998/namespace}lang") or "").startswith("en")),
        descriptions[0] if descriptions else None,
    )
    if chosen is None:
        return "", ""
    short = chosen.find("ShortName")
    text = (chosen.text or "").strip()
    if short is not None and (short.text or "").strip():
        return (short.text or "").strip(), text
    return text.split(". ", 1)[0][:200], text


def _index_row(add: etree._Element) -> CatalogRow:
    detail = add.find("ItemDetail")
    if detail is None:
        detail = etree.Element("ItemDetail")
    money = detail.find("UnitPrice/Money")
    name, description = _description(detail)
    unspsc = next(
        (_text(c) for c in detail.findall("Classification") if (c.get("domain") or "").upper() in {"UNSPSC", "SPSC"}),
        "",
    )
    lead_time = _text(detail.find("LeadTime")) or _text(add.find("IndexItemDetail/LeadTime"))
    image = _text(detail.find("AttachmentReference/URL"))
    return CatalogRow(
        line_number=add.sourceline or 0,
        sku=_text(add.find("ItemID/SupplierPartID")),
        name=name,
        description=description,
        unspsc=unspsc,
        unit=_text(detail.find("UnitOfMeasure")).upper(),
        price=_text(money),
        currency=(money.get("currency") or "").upper() if money is not None else "",
        lead_time_days=lead_time,
        manufacturer=_text(detail.find("ManufacturerName")),
        manufacturer_part_id=_text(detail.find("ManufacturerPartID")),
        image_url=image,
        datasheet_url=_text(detail.find("URL")),
    )


def read_index(data: bytes) -> CatalogFile:
    """An Index document, streamed item by item."""
    size_check(data)
    head = data[:2048]
    if b"<Index" not in head:
        raise CatalogFormatError("not_index", "the root element is not Index")
    mode_at = head.find(b"loadmode=")
    mode: LoadMode = (
        "incremental" if mode_at >= 0 and head[mode_at + 10 : mode_at + 21].lower() == b"incremental" else "full"
    )

    def rows() -> Iterator[CatalogRow]:
        try:
            for element in iterparse_xml(data, tag=("IndexItemAdd", "IndexItemDelete"), max_bytes=MAX_CATALOG_BYTES):
                if element.tag == "IndexItemDelete":
                    sku = _text(element.find("ItemID/SupplierPartID"))
                    yield CatalogRow(line_number=element.sourceline or 0, sku=sku, delete=True)
                else:
                    yield _index_row(element)
                parent = element.getparent()  # IndexItem
                element.clear()
                grand = parent.getparent() if parent is not None else None
                if grand is not None:
                    while parent.getprevious() is not None:
                        del grand[0]
        except XmlSafetyError as error:
            raise _xml_error(error) from None

    return CatalogFile(mode=mode, rows=rows())


def _attachment(message: EmailMessage, url: str) -> bytes:
    content_id = url[4:].strip("<>")
    for part in message.walk():
        if part.is_multipart():
            continue
        if (part.get("Content-ID") or "").strip().strip("<>") == content_id:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    raise CatalogFormatError("no_attachment", f"no part with Content-ID {content_id[:80]}")


def read_catalog_upload_request(data: bytes) -> CatalogFile:
    """A MIME message holding a cXML CatalogUploadRequest and its catalog (Index or CIF)."""
    size_check(data)
    stripped = data.lstrip()
    if stripped.startswith(b"<"):
        message: EmailMessage | None = None
        document = stripped
    else:
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert message is not None
        document = b""
        for part in message.walk():
            if not part.is_multipart() and part.get_content_type() in {"text/xml", "application/xml"}:
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes) and b"CatalogUploadRequest" in payload:
                    document = payload
                    break
        if not document:
            raise CatalogFormatError("not_cxml", "no text/xml part holds a CatalogUploadRequest")
    try:
        root = parse_xml(document, max_bytes=CXML_MAX_BYTES)
    except XmlSafetyError as error:
        raise _xml_error(error) from None
    request = root.find("Request/CatalogUploadRequest")
    if root.tag != "cXML" or request is None:
        raise CatalogFormatError("not_cxml", "not a cXML CatalogUploadRequest")
    if (request.get("operation") or "new") == "delete":
        raise CatalogFormatError("not_cxml", "operation delete is not supported")
    url = _text(request.find("Attachment/URL"))
    if not url.lower().startswith("cid:"):
        raise CatalogFormatError("remote_attachment", url[:200] or "no Attachment/URL")
    if message is None:
        raise CatalogFormatError("no_attachment", "send the cXML with its attachment as a MIME message")
    catalog = _attachment(message, url)
    if catalog.lstrip(b"\xef\xbb\xbf \r\n\t").upper().startswith(b"CIF_I_V"):
        result = read_cif(catalog)
    else:
        result = read_index(catalog)
    result.name = _text(request.find("CatalogName"))
    return result
