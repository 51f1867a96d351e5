"""Domain errors of the core app: each carries a stable code that the API and pages show."""

from .error_codes import ProcurementErrorCode


class ProcurementError(Exception):
    """Base domain error: `code` is stable for integrators, `message` is for people."""

    code: str = ProcurementErrorCode.ERROR
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(ProcurementError):
    """Something the caller may not see or that does not exist: the API answers 404, pages show the 404 page."""

    code: str = ProcurementErrorCode.NOT_FOUND
    status = 404


class LegalEntityNotFound(ProcurementError):
    code = ProcurementErrorCode.LEGAL_ENTITY_NOT_FOUND
    status = 404


class LegalEntityRequired(ProcurementError):
    code = ProcurementErrorCode.LEGAL_ENTITY_REQUIRED


class NotAMember(ProcurementError):
    code = ProcurementErrorCode.NOT_A_MEMBER
    status = 403


class NoEmployeeProfile(ProcurementError):
    code = ProcurementErrorCode.NO_EMPLOYEE_PROFILE
    status = 403
