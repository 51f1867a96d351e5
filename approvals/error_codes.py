"""The `code` values the API answers for approval tasks, decisions and delegations.

They are a contract with integrators: add members, never rename or drop one. A test checks that every
error raised here carries one of them."""

from enum import StrEnum


class ApprovalErrorCode(StrEnum):
    APPROVAL_ERROR = "approval_error"
    NO_ELIGIBLE_APPROVER = "no_eligible_approver"
    BLOCKED_BY_RULE = "blocked_by_rule"
    NOT_YOUR_TASK = "not_your_task"
    ALREADY_DECIDED = "already_decided"
    COMMENT_REQUIRED = "comment_required"
    BUDGET_EXCEEDED = "budget_exceeded"
    INVALID = "invalid"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    INVALID_DELEGATE = "invalid_delegate"
    INVALID_DATES = "invalid_dates"
    OVERLAPPING_DELEGATION = "overlapping_delegation"
