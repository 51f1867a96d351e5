"""The `code` values the API answers for notifications (a contract with integrators: add, never rename)."""

from enum import StrEnum


class NotificationErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    INVALID_WEBHOOK_URL = "invalid_webhook_url"
    NOT_AN_ADMIN = "not_an_admin"
