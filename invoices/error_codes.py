"""The `code` values the API answers for supplier invoices, their match and their payment.

They are a contract with integrators: add members, never rename or drop one."""

from enum import StrEnum


class InvoiceErrorCode(StrEnum):
    INVOICE_ERROR = "invoice_error"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    NOT_A_BUYER = "not_a_buyer"
