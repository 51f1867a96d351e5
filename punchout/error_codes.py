"""The `code` values the API answers for punchout sessions, connections and returned carts.

They are a contract with integrators: add members, never rename or drop one. A test checks that every
error raised here carries one of them."""

from enum import StrEnum


class PunchoutErrorCode(StrEnum):
    PUNCHOUT_ERROR = "punchout_error"
    PUNCHOUT_RETURN_REFUSED = "punchout_return_refused"
    INVALID = "invalid"
    CONNECTION_INACTIVE = "connection_inactive"
    NOT_FOUND = "not_found"
    OPERATION_NOT_SUPPORTED = "operation_not_supported"
    NOT_REQUESTER = "not_requester"
    NOT_EDITABLE = "not_editable"
    SUPPLIER_UNREACHABLE = "supplier_unreachable"
    SUPPLIER_ERROR = "supplier_error"
    SUPPLIER_REFUSED = "supplier_refused"
    FOREIGN_SESSION = "foreign_session"
    CALLUP_USED = "callup_used"
    EXPIRED = "expired"
    UNKNOWN_SESSION = "unknown_session"
    SESSION_USED = "session_used"
    BAD_CART = "bad_cart"
    BUYER_COOKIE_MISMATCH = "buyer_cookie_mismatch"
    NO_CONNECTION = "no_connection"
    TOO_LARGE = "too_large"
    # A session status move its table (punchout/transitions.py) does not allow.
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
