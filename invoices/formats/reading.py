"""Any supplier invoice file as a `SupplierInvoiceDocument`: UBL, CII, Factur-X / ZUGFeRD PDF or cXML, told
apart by their content (never by the file name). No Django here.

A PDF is opened with pypdf (the library factur-x uses) and its embedded invoice XML taken by the names
Factur-X, ZUGFeRD and XRechnung give it (factur-x.xml, zugferd-invoice.xml, xrechnung.xml), else the one
XML attachment; the XML is then read like an uploaded one. XML is parsed by `punchout.xmlsafe` (no
entities, no DTD, no network, a size limit).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from lxml.etree import _Element as Element

from punchout import cxml
from punchout.cxml.envelope import document_parts
from punchout.cxml.invoice_detail import read_invoice_detail_request
from punchout.cxml.values import article
from punchout.xmlsafe import XmlSafetyError, XmlTooLarge, parse_xml

from .cxml_invoice import document_from_cxml
from .document import InvoiceFormatError, SupplierInvoiceDocument
from .en16931 import read_en16931

__all__ = [
    "MAX_INVOICE_BYTES",
    "ReadInvoice",
    "invoice_xml_from_pdf",
    "read_cxml_invoice",
    "read_invoice_file",
]

logger = logging.getLogger(__name__)

MAX_INVOICE_BYTES = 10 * 1024 * 1024  # what an invoice attachment may hold (InvoiceAttachment.MAX_BYTES)

_EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")


@dataclass(frozen=True, kw_only=True)
class ReadInvoice:
    """What a file turned out to be: the document, the XML it was read from (for keeping), and for a PDF
    the PDF itself (to keep as the invoice's attachment)."""

    document: SupplierInvoiceDocument
    xml: bytes
    pdf: bytes | None = None
    cxml_request: cxml.InvoiceDetailRequest | None = None


def _parse(data: bytes, where: str) -> Element:
    try:
        return parse_xml(data, max_bytes=MAX_INVOICE_BYTES)
    except XmlTooLarge as too_large:
        raise InvoiceFormatError(too_large.message, code="invoice_too_large") from None
    except XmlSafetyError as error:
        raise InvoiceFormatError(f"{where} {error.message}", code="invoice_unreadable") from None


def invoice_xml_from_pdf(data: bytes) -> bytes:
    """The invoice XML embedded in a Factur-X / ZUGFeRD PDF; an `InvoiceFormatError` when there is none."""
    from pypdf import PdfReader  # pypdf is heavy to import; only PDFs need it

    try:
        reader = PdfReader(io.BytesIO(data))
        attachments = {name: contents for name, contents in reader.attachments.items() if contents}
    except Exception as error:  # pypdf raises many kinds on a damaged file; none may become a 500
        logger.info("a PDF invoice could not be opened: %r", error)
        raise InvoiceFormatError(
            "the PDF could not be opened: it is damaged or encrypted", code="invoice_unreadable"
        ) from None
    by_name = {name.casefold(): contents for name, contents in attachments.items()}
    for wanted in _EMBEDDED_NAMES:
        if wanted in by_name:
            if wanted == "order-x.xml":
                raise InvoiceFormatError("the PDF holds an Order-X order, not an invoice", code="invoice_not_supported")
            return by_name[wanted][0]
    xml_files = [contents for name, contents in by_name.items() if name.endswith(".xml")]
    if len(xml_files) == 1:
        return xml_files[0][0]
    raise InvoiceFormatError(
        "the PDF has no embedded invoice XML: a Factur-X or ZUGFeRD PDF carries factur-x.xml "
        "(a plain PDF can be attached to a typed invoice instead)",
        code="invoice_not_supported",
    )


def read_cxml_invoice(data: bytes) -> ReadInvoice:
    """A cXML InvoiceDetailRequest: parsed by the codec (a `CXMLError` for bad cXML), then made neutral
    (an `InvoiceFormatError` for an unreadable date or currency)."""
    request = cxml.parse_invoice_detail_request(data, max_bytes=MAX_INVOICE_BYTES)
    return ReadInvoice(document=document_from_cxml(request), xml=data, cxml_request=request)


def _read_xml(data: bytes, *, from_pdf: bool) -> ReadInvoice:
    root = _parse(data, "the embedded invoice XML:" if from_pdf else "the file is not an invoice:")
    local = root.tag.rpartition("}")[2] if isinstance(root.tag, str) else ""
    if local.casefold() == "cxml" and not from_pdf:
        try:
            kind, body, wrapper = document_parts(root)
            if kind != "InvoiceDetailRequest" or body is None:
                raise InvoiceFormatError(
                    f"this cXML document is {article(kind)} {kind}, not an InvoiceDetailRequest",
                    code="invoice_not_supported",
                )
            request = read_invoice_detail_request(root, body, wrapper)
        except cxml.CXMLError as error:
            raise InvoiceFormatError(error.message) from None
        return ReadInvoice(document=document_from_cxml(request), xml=data, cxml_request=request)
    return ReadInvoice(document=read_en16931(root, source="facturx" if from_pdf else None), xml=data)


def read_invoice_file(data: bytes) -> ReadInvoice:
    """An uploaded invoice: a Factur-X / ZUGFeRD PDF, a UBL or CII XML file, or a cXML InvoiceDetailRequest.

    Every refusal is an `InvoiceFormatError` with a code and a message naming the field at fault.
    """
    if len(data) > MAX_INVOICE_BYTES:
        raise InvoiceFormatError(
            f"the file is {len(data)} bytes; the limit is {MAX_INVOICE_BYTES} bytes", code="invoice_too_large"
        )
    if not data.strip():
        raise InvoiceFormatError("the file is empty", code="invoice_unreadable")
    if data.lstrip()[:5] == b"%PDF-":
        read = _read_xml(invoice_xml_from_pdf(data), from_pdf=True)
        return ReadInvoice(document=read.document, xml=read.xml, pdf=data)
    return _read_xml(data, from_pdf=False)
