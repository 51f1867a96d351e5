"""Stable codes of the contracts app's errors, for integrators."""

from enum import StrEnum


class ContractErrorCode(StrEnum):
    CONTRACT_ERROR = "contract_error"
    INVALID = "invalid"
    NOT_FOUND = "contract_not_found"
    NOT_A_BUYER = "not_a_buyer"
