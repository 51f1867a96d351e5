"""Stable codes of the analytics app's errors, for integrators."""

from enum import StrEnum


class AnalyticsErrorCode(StrEnum):
    INVALID_REPORT = "invalid_report"
    NOT_FOUND = "report_not_found"
    INVALID_SPEND_QUERY = "invalid_spend_query"
    SPEND_FORBIDDEN = "spend_forbidden"
    # Cycle times, approver turnaround and budget burn-down (analytics.cycle, analytics.burndown)
    INVALID_CYCLE_REQUEST = "invalid_cycle_request"
    CYCLE_FORBIDDEN = "cycle_times_forbidden"
    INVALID_BURN_DOWN_REQUEST = "invalid_burn_down_request"
    BUDGET_NOT_FOUND = "burn_down_budget_not_found"
