"""Domain errors of claims: each has a stable code for the API and a message for people."""

from procurement.errors import NotFound, ProcurementError

from .error_codes import ClaimErrorCode


class ClaimError(ProcurementError):
    code: str = ClaimErrorCode.CLAIM_ERROR


class ClaimInvalid(ClaimError):
    """What was typed cannot be a claim or an answer (400); `field` names the form field it is about."""

    code = ClaimErrorCode.INVALID

    def __init__(self, message: str, *, code: str | None = None, field: str = "") -> None:
        super().__init__(message, code=code)
        self.field = field


class ClaimNotAllowed(ClaimError):
    code = ClaimErrorCode.NOT_ALLOWED
    status = 403


class ClaimNotFound(NotFound):
    code = ClaimErrorCode.NOT_FOUND


class ClaimTransitionNotAllowed(ClaimError):
    code = ClaimErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class ClaimLinkInvalid(ClaimError):
    """A supplier's link that is forged, altered, spent or expired."""

    code = ClaimErrorCode.LINK_INVALID
    status = 404
