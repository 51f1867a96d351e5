"""Domain errors of requests for quotation: each has a stable code for the API and a message for people."""

from procurement.errors import NotFound, ProcurementError

from .error_codes import SourcingErrorCode


class SourcingError(ProcurementError):
    code: str = SourcingErrorCode.SOURCING_ERROR


class RFQInvalid(SourcingError):
    """What was typed cannot make a request, a quote, a score or an award (400); `field` names the form field."""

    code = SourcingErrorCode.INVALID

    def __init__(self, message: str, *, code: str | None = None, field: str = "") -> None:
        super().__init__(message, code=code)
        self.field = field


class RFQNotFound(NotFound):
    code = SourcingErrorCode.NOT_FOUND


class NotAllowed(SourcingError):
    """Not the buyer of the entity, not on the committee (403)."""

    code = SourcingErrorCode.NOT_ALLOWED
    status = 403


class RFQStateConflict(SourcingError):
    """The request is not in a state where this can happen: sent already, not due yet, awarded (409)."""

    code = SourcingErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class QuotesSealed(RFQStateConflict):
    """Prices are asked for before the due date."""

    code = SourcingErrorCode.QUOTES_SEALED
    status = 403


class QuoteRefused(SourcingError):
    """A quote after the due date, or for a request that is no longer open (409)."""

    code = SourcingErrorCode.DUE_DATE_PASSED
    status = 409


class LinkInvalid(SourcingError):
    """A supplier's link that is forged, altered, for another request, or expired (404 / 410)."""

    code = SourcingErrorCode.LINK_INVALID
    status = 404
