"""The `code` values the API answers for the core app, and the common answers of `procurement/api_errors.py`.

They are a contract with integrators: add members, never rename or drop one. A test checks that every
error raised here carries one of them."""

from enum import StrEnum


class ProcurementErrorCode(StrEnum):
    ERROR = "error"
    NOT_FOUND = "not_found"
    LEGAL_ENTITY_NOT_FOUND = "legal_entity_not_found"
    LEGAL_ENTITY_REQUIRED = "legal_entity_required"
    NOT_A_MEMBER = "not_a_member"
    NO_EMPLOYEE_PROFILE = "no_employee_profile"
    DUPLICATE_SKU = "duplicate_sku"
    INVALID_PRICE = "invalid_price"
    INVALID = "invalid"
    INVALID_FILTER = "invalid_filter"  # a list's filter that cannot be read (the audit log's dates, types)
    DUPLICATE_SUPPLIER = "duplicate_supplier"
    CODE_IMMUTABLE = "code_immutable"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_PROGRESS = "idempotency_key_in_progress"
    IDEMPOTENT_REPLAY = "idempotent_replay"
    PARSE_ERROR = "parse_error"
    AUTHENTICATION_FAILED = "authentication_failed"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    THROTTLED = "throttled"
    EXPORT_TOO_LARGE = "export_too_large"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    TOKEN_EXPIRED = "token_expired"  # noqa: S105  (an error code)
    TOKEN_REVOKED = "token_revoked"  # noqa: S105  (an error code)
    TOO_MANY_TOKENS = "too_many_tokens"
    OTP_REQUIRED = "otp_required"
