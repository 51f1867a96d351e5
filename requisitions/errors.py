"""Domain errors of requisitions: each has a stable code for the API and a message for people."""

from procurement.errors import NotFound, ProcurementError

from .error_codes import RequisitionErrorCode


class RequisitionError(ProcurementError):
    code: str = RequisitionErrorCode.REQUISITION_ERROR


class RequisitionNotEditable(RequisitionError):
    code = RequisitionErrorCode.NOT_EDITABLE
    status = 409


class TransitionNotAllowed(RequisitionError):
    code = RequisitionErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class PunchinCartNotSubmittable(RequisitionError):
    code = RequisitionErrorCode.PUNCHIN_CART
    status = 409


class RequisitionNotFound(RequisitionError, NotFound):
    code = RequisitionErrorCode.NOT_FOUND
    status = 404


class NotRequester(RequisitionError):
    code = RequisitionErrorCode.NOT_REQUESTER
    status = 403


class SubmissionInvalid(RequisitionError):
    code = RequisitionErrorCode.SUBMISSION_INVALID

    def __init__(self, message: str, *, problems: list[str] | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.problems = problems or []
