"""The `code` values the API answers for budgets, the funds check and the budget plan import.

They are a contract with integrators: add members, never rename or drop one. A test checks that every
error raised here carries one of them."""

from enum import StrEnum


class BudgetErrorCode(StrEnum):
    BUDGET_EXCEEDED = "budget_exceeded"
    NO_EXCHANGE_RATE = "no_exchange_rate"
    INVALID_BUDGET = "invalid_budget"
    NOT_FOUND = "not_found"
    INVALID_FILE = "invalid_file"
    FILE_TOO_LARGE = "file_too_large"
    INVALID_JOURNAL_REQUEST = "invalid_journal_request"
