"""Domain errors of supplier invoices: each has a stable code for the API and a message for people."""

from procurement.errors import ProcurementError

from .error_codes import InvoiceErrorCode


class InvoiceError(ProcurementError):
    code: str = InvoiceErrorCode.INVOICE_ERROR


class InvoiceRefused(InvoiceError):
    """An invoice we do not take in: nothing was stored. `cxml_status` is the cXML Status code to answer."""

    code = InvoiceErrorCode.INVOICE_NOT_ACCEPTED
    status = 400
    cxml_status = 400


class UnknownSupplier(InvoiceRefused):
    code = InvoiceErrorCode.UNKNOWN_SUPPLIER
    cxml_status = 401


class UnknownBuyer(InvoiceRefused):
    code = InvoiceErrorCode.UNKNOWN_BUYER


class DuplicateInvoice(InvoiceRefused):
    code = InvoiceErrorCode.DUPLICATE_INVOICE
    status = 409
    cxml_status = 409


class InvoiceNotAllowed(InvoiceError):
    """The user may not take in invoices for this legal entity (not a member, not a buyer or finance)."""

    code = InvoiceErrorCode.NOT_ALLOWED
    status = 403


class InvoiceTransitionNotAllowed(InvoiceError):
    code = InvoiceErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class InvoiceNotFound(InvoiceError):
    code = InvoiceErrorCode.NOT_FOUND
    status = 404
