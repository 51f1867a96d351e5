"""Domain errors of goods receipts: each has a stable code for the API and a message for people."""

from procurement.errors import NotFound, ProcurementError

from .error_codes import ReceivingErrorCode


class ReceivingError(ProcurementError):
    code: str = ReceivingErrorCode.RECEIVING_ERROR


class ReceiptInvalid(ReceivingError):
    """What was typed cannot be received: a bad number, a line twice, a reason missing (400)."""

    code = ReceivingErrorCode.INVALID

    def __init__(self, message: str, *, code: str | None = None, field: str = "") -> None:
        super().__init__(message, code=code)
        self.field = field  # the form field it is about ("quantity-12"), for the page


class OverReceipt(ReceiptInvalid):
    code = ReceivingErrorCode.OVER_RECEIPT


class OrderNotReceivable(ReceivingError):
    """The order is held, cancelled or closed: nothing can be received or reversed on it."""

    code = ReceivingErrorCode.NOT_RECEIVABLE
    status = 409


class NotAllowedToReceive(ReceivingError):
    code = ReceivingErrorCode.NOT_ALLOWED
    status = 403


class ReceiptNotFound(NotFound):
    code = ReceivingErrorCode.NOT_FOUND


class GoodsReceiptTransitionNotAllowed(ReceivingError):
    code = ReceivingErrorCode.TRANSITION_NOT_ALLOWED
    status = 409
