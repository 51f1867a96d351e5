"""Domain errors of the core app: each carries a stable code that the API and pages show."""


class ProcurementError(Exception):
    """Base domain error: `code` is stable for integrators, `message` is for people."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(ProcurementError):
    """Something the caller may not see or that does not exist: the API answers 404, pages show the 404 page."""

    code = "not_found"
    status = 404


class LegalEntityNotFound(ProcurementError):
    code = "legal_entity_not_found"
    status = 404


class LegalEntityRequired(ProcurementError):
    code = "legal_entity_required"


class NotAMember(ProcurementError):
    code = "not_a_member"
    status = 403


class NoEmployeeProfile(ProcurementError):
    code = "no_employee_profile"
    status = 403
