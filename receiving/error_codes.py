"""The `code` values the API answers for goods receipts.

They are a contract with integrators: add members, never rename or drop one."""

from enum import StrEnum


class ReceivingErrorCode(StrEnum):
    RECEIVING_ERROR = "receiving_error"
    INVALID = "invalid"
    NOTHING_RECEIVED = "nothing_received"
    OVER_RECEIPT = "over_receipt"
    NOT_RECEIVABLE = "not_receivable"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    ALREADY_REVERSED = "already_reversed"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
