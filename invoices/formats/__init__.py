"""Reading supplier invoices, whatever they came as, into one `SupplierInvoiceDocument`. No Django here.

    read_invoice_file(data: bytes) -> ReadInvoice              # Factur-X / ZUGFeRD PDF, UBL, CII or cXML, by content
    read_cxml_invoice(data: bytes) -> ReadInvoice              # a cXML InvoiceDetailRequest (CXMLError for bad cXML)
    document_from_cxml(request: cxml.InvoiceDetailRequest) -> SupplierInvoiceDocument
    read_en16931(root) -> SupplierInvoiceDocument              # a UBL Invoice / CreditNote or CII tree
    invoice_xml_from_pdf(data: bytes) -> bytes                 # the XML a Factur-X PDF carries

Every refusal is an `InvoiceFormatError(code, message, field)`; codes `invoice_unreadable`,
`invoice_not_supported`, `invoice_invalid`, `invoice_too_large`. UBL and CII are validated against the
official schemas (OASIS UBL 2.1, Factur-X 1.0 per profile) that the factur-x package ships, and mapped by
that library onto the EN 16931 business terms. `notes` on a document say what does not add up.

The modules, each importing only those listed before it:

    document       the dataclasses and the error
    values         bounded numbers, currency codes
    arithmetic     what does not add up, as notes
    en16931        UBL and CII through factur-x
    cxml_invoice   cXML InvoiceDetailRequest
    reading        any file, by its content; PDFs
"""

from .cxml_invoice import document_from_cxml
from .document import (
    AllowanceCharge,
    InvoiceFormat,
    InvoiceFormatError,
    InvoiceKind,
    Party,
    SupplierInvoiceDocument,
    SupplierInvoiceLine,
    TaxBreakdown,
    Totals,
)
from .en16931 import read_en16931
from .reading import MAX_INVOICE_BYTES, ReadInvoice, invoice_xml_from_pdf, read_cxml_invoice, read_invoice_file

__all__ = [
    "MAX_INVOICE_BYTES",
    "AllowanceCharge",
    "InvoiceFormat",
    "InvoiceFormatError",
    "InvoiceKind",
    "Party",
    "ReadInvoice",
    "SupplierInvoiceDocument",
    "SupplierInvoiceLine",
    "TaxBreakdown",
    "Totals",
    "document_from_cxml",
    "invoice_xml_from_pdf",
    "read_cxml_invoice",
    "read_en16931",
    "read_invoice_file",
]
