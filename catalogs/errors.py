"""Domain errors of catalog uploads: each has a stable code for the API and a message for people."""

from procurement.errors import NotFound, ProcurementError

from .error_codes import CatalogErrorCode


class CatalogError(ProcurementError):
    code: str = CatalogErrorCode.CATALOG_ERROR


class CatalogUploadInvalid(CatalogError):
    """What was sent cannot be staged: no file, an unknown format, a bad threshold (400)."""

    code = CatalogErrorCode.INVALID

    def __init__(self, message: str, *, code: str | None = None, field: str = "") -> None:
        super().__init__(message, code=code)
        self.field = field


class NotAllowedToDecide(CatalogError):
    code = CatalogErrorCode.NOT_ALLOWED
    status = 403


class CatalogUploadNotFound(NotFound):
    code = CatalogErrorCode.NOT_FOUND


class CatalogUploadTransitionNotAllowed(CatalogError):
    code = CatalogErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class CatalogUploadHasErrors(CatalogError):
    code = CatalogErrorCode.HAS_ERRORS
    status = 409


class CatalogChangedSinceCheck(CatalogError):
    code = CatalogErrorCode.CATALOG_CHANGED
    status = 409


class SupplierLinkInvalid(CatalogError):
    """A supplier's upload link that is forged, altered, expired or spent: answered as not found."""

    code = CatalogErrorCode.LINK_INVALID
    status = 404
