"""What punchout refuses: the app's errors (the API's `code` values are theirs)."""

from procurement.errors import ProcurementError

from .error_codes import PunchoutErrorCode


class PunchoutError(ProcurementError):
    code = PunchoutErrorCode.PUNCHOUT_ERROR


class PunchoutReturnRefused(PunchoutError):
    """The return cannot be taken: unknown, used, expired or foreign token, or a cart we cannot read."""

    code = PunchoutErrorCode.PUNCHOUT_RETURN_REFUSED

    def __init__(self, message: str, *, code: str | None = None, status: int = 400) -> None:
        super().__init__(message, code=code)
        self.status = status
