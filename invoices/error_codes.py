"""The `code` values the API answers for supplier invoices.

They are a contract with integrators: add members, never rename or drop one. A test checks that every
error raised here carries one of them."""

from enum import StrEnum


class InvoiceErrorCode(StrEnum):
    INVOICE_ERROR = "invoice_error"
    # Reading a file (invoices.formats)
    INVOICE_UNREADABLE = "invoice_unreadable"
    INVOICE_NOT_SUPPORTED = "invoice_not_supported"
    INVOICE_INVALID = "invoice_invalid"
    INVOICE_TOO_LARGE = "invoice_too_large"
    # Taking it in (invoices.ingestion)
    UNKNOWN_SUPPLIER = "unknown_supplier"
    UNKNOWN_BUYER = "unknown_buyer"
    DUPLICATE_INVOICE = "duplicate_invoice"
    INVOICE_NOT_ACCEPTED = "invoice_not_accepted"
    NOT_ALLOWED = "not_allowed"
    # Match, decisions and payment (invoices.matching, invoices.services)
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    NOT_A_BUYER = "not_a_buyer"
