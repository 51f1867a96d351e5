"""A supplier's cXML InvoiceDetailRequest at /cxml/inbound/: authenticated like its confirmations, taken in
once, answered with a cXML Response (200) or a Status naming what is wrong (400 unreadable, 401 credentials,
406 a cancellation, 409 a duplicate or a reused payloadID)."""

import hashlib
import logging

from orders.supplier_answers import InboundAnswer, supplier_authenticate
from procurement.money import decimal_text
from punchout import cxml

from .errors import InvoiceRefused
from .formats import InvoiceFormatError, document_from_cxml
from .ingestion import _stored_text, invoice_receive
from .models import Invoice

__all__ = ["invoice_cxml_receive"]

logger = logging.getLogger(__name__)


def _summary(invoice: Invoice, repeat: bool) -> str:
    lines = list(invoice.lines.all())
    linked = sum(1 for line in lines if line.po_line_id is not None)
    kind = "Credit note" if invoice.is_credit_note else "Invoice"
    again = " (already received: nothing changed)" if repeat else ""
    return (
        f"{kind} {invoice.number} received{again}: {len(lines)} lines, {linked} linked to order lines, total "
        f"{decimal_text(invoice.total.amount)} {invoice.currency}, status {invoice.status}."
    )


def invoice_cxml_receive(*, data: bytes) -> InboundAnswer:
    """Authenticate the supplier, take the invoice in, answer with a cXML Response; never raises."""
    try:
        request = cxml.parse_invoice_detail_request(data)
        supplier = supplier_authenticate(header=request.header)
        if request.operation == "delete":
            raise cxml.CXMLError(
                406, f"Invoice {request.invoice_id} cannot be cancelled by cXML here: send a credit note instead."
            )
        payload_id = request.payload_id.strip()
        if not payload_id:
            raise cxml.InvalidDocument("the cXML document has no payloadID: it is needed to take an invoice once")
        digest = hashlib.sha256(_stored_text(data).encode("utf-8")).hexdigest()
        reused = Invoice.objects.filter(supplier=supplier, payload_id=payload_id).exclude(document_hash=digest).first()
        if reused is not None:
            raise cxml.CXMLError(
                409,
                f"payloadID {payload_id} was already used for invoice {reused.number}: nothing was taken. "
                "A new document needs a new payloadID.",
            )
        try:
            document = document_from_cxml(request)
        except InvoiceFormatError as error:
            raise cxml.InvalidDocument(error.message) from None
        received = invoice_receive(document=document, supplier=supplier, source_xml=data)
        message = _summary(received.invoice, received.repeat)
        return InboundAnswer(cxml.build_response(cxml.Status(code=200, text="OK", message=message)), 200)
    except InvoiceRefused as refused:
        logger.info("supplier invoice refused: %s %s", refused.cxml_status, refused.message)
        status = cxml.CXMLError(refused.cxml_status, refused.message)
        return InboundAnswer(cxml.error_response(status), status.status_code)
    except cxml.CXMLError as error:
        logger.info("supplier invoice refused: %s %s", error.status_code, error.message)
        return InboundAnswer(cxml.error_response(error), error.status_code, getattr(error, "retry_after", None))
