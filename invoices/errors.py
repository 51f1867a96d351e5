"""Domain errors of supplier invoices: each has a stable code for the API and a message for people."""

from procurement.errors import ProcurementError

from .error_codes import InvoiceErrorCode


class InvoiceError(ProcurementError):
    code: str = InvoiceErrorCode.INVOICE_ERROR


class InvoiceTransitionNotAllowed(InvoiceError):
    code = InvoiceErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class InvoiceNotFound(InvoiceError):
    code = InvoiceErrorCode.NOT_FOUND
    status = 404
