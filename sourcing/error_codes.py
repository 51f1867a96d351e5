"""The `code` values the API answers for requests for quotation.

They are a contract with integrators: add members, never rename or drop one."""

from enum import StrEnum


class SourcingErrorCode(StrEnum):
    SOURCING_ERROR = "sourcing_error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    NOT_A_BUYER = "not_a_buyer"
    NOT_AN_EVALUATOR = "not_an_evaluator"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    NOT_EDITABLE = "not_editable"
    TOO_FEW_SUPPLIERS = "too_few_suppliers"
    NO_EVALUATORS = "no_evaluators"
    WEIGHTS_NOT_100 = "weights_not_100"
    DUE_DATE_PASSED = "due_date_passed"
    QUOTES_SEALED = "quotes_sealed"
    SCORES_SEALED = "scores_sealed"
    LINK_INVALID = "link_invalid"
    LINK_EXPIRED = "link_expired"
    NO_QUOTES = "no_quotes"
    ALREADY_AWARDED = "already_awarded"
