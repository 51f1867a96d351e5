"""The `code` values the API answers for purchase orders, their changes and their transmission.

They are a contract with integrators: add members, never rename or drop one. A test checks that every
error raised here carries one of them."""

from enum import StrEnum


class OrderErrorCode(StrEnum):
    ORDER_ERROR = "order_error"
    NOT_A_BUYER = "not_a_buyer"
    NOT_HELD = "not_held"
    INVALID = "invalid"
    NO_CHANGE = "no_change"
    NOT_FOUND = "not_found"
    NOT_SENDABLE = "not_sendable"
    NOT_MANUAL = "not_manual"
    ALREADY_SENT = "already_sent"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    PROGRESS_INVALID = "progress_invalid"
