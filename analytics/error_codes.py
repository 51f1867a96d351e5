"""Stable codes of the analytics app's errors, for integrators."""

from enum import StrEnum


class AnalyticsErrorCode(StrEnum):
    INVALID_REPORT = "invalid_report"
    NOT_FOUND = "report_not_found"
    INVALID_SPEND_QUERY = "invalid_spend_query"
    SPEND_FORBIDDEN = "spend_forbidden"
