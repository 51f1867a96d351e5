"""The `code` values the organisation import answers (a contract with integrators: add, never rename)."""

from enum import StrEnum


class OrgImportErrorCode(StrEnum):
    NOT_FOUND = "org_import_not_found"
    FORBIDDEN = "org_import_forbidden"
    NO_FILE = "org_import_no_file"
    INVALID_REQUEST = "org_import_invalid_request"
    INVALID_LINES = "org_import_invalid_lines"
    ALREADY_APPLIED = "org_import_already_applied"
    LEAVERS_NOT_CONFIRMED = "org_import_leavers_not_confirmed"
    CHANGED_SINCE_PREVIEW = "org_import_changed_since_preview"
    FAILED = "org_import_failed"
