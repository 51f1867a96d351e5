"""Domain errors of purchase orders: each has a stable code for the API and a message for people."""

from procurement.errors import ProcurementError

from .error_codes import OrderErrorCode


class OrderError(ProcurementError):
    code: str = OrderErrorCode.ORDER_ERROR


class NotABuyer(OrderError):
    code = OrderErrorCode.NOT_A_BUYER
    status = 403


class PurchaseOrderTransitionNotAllowed(OrderError):
    code = OrderErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class TransmissionTransitionNotAllowed(OrderError):
    code = OrderErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class OrderChangeTransitionNotAllowed(OrderError):
    code = OrderErrorCode.TRANSITION_NOT_ALLOWED
    status = 409


class ProgressInvalid(OrderError):
    """A receipt, an invoice or a close-out the order's counts or status do not allow."""

    code = OrderErrorCode.PROGRESS_INVALID
    status = 400
