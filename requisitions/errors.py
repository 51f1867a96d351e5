"""Domain errors of requisitions: each has a stable code for the API and a message for people."""

from procurement.errors import NotFound, ProcurementError


class RequisitionError(ProcurementError):
    code = "requisition_error"


class RequisitionNotEditable(RequisitionError):
    code = "not_editable"
    status = 409


class TransitionNotAllowed(RequisitionError):
    code = "transition_not_allowed"
    status = 409


class RequisitionNotFound(RequisitionError, NotFound):
    code = "not_found"
    status = 404


class NotRequester(RequisitionError):
    code = "not_requester"
    status = 403


class SubmissionInvalid(RequisitionError):
    code = "submission_invalid"

    def __init__(self, message: str, *, problems: list[str] | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.problems = problems or []
