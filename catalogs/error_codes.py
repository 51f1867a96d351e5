"""The `code` values the API answers for catalog uploads.

They are a contract with integrators: add members, never rename or drop one."""

from enum import StrEnum


class CatalogErrorCode(StrEnum):
    CATALOG_ERROR = "catalog_error"
    INVALID = "invalid"
    FILE_TOO_LARGE = "file_too_large"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    HAS_ERRORS = "has_errors"
    CATALOG_CHANGED = "catalog_changed"
    LINK_INVALID = "link_invalid"
