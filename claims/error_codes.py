"""The `code` values the API answers for claims.

They are a contract with integrators: add members, never rename or drop one."""

from enum import StrEnum


class ClaimErrorCode(StrEnum):
    CLAIM_ERROR = "claim_error"
    INVALID = "invalid"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    LINK_INVALID = "link_invalid"
    LINK_EXPIRED = "link_expired"
