"""Domain errors of contracts: each has a stable code for the API and a message for people."""

from procurement.errors import NotFound, ProcurementError

from .error_codes import ContractErrorCode


class ContractError(ProcurementError):
    code: str = ContractErrorCode.CONTRACT_ERROR


class ContractInvalid(ContractError):
    """What was given cannot be a contract: `errors` says why per field ("" for the whole)."""

    code = ContractErrorCode.INVALID

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.items()))
        super().__init__(f"{first[0]}: {first[1][0]}" if first[0] else first[1][0])
        self.errors = errors


class NotABuyer(ContractError):
    code = ContractErrorCode.NOT_A_BUYER
    status = 403


class ContractNotFound(NotFound):
    code = ContractErrorCode.NOT_FOUND
