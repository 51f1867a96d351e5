from procurement.errors import ProcurementError

from .error_codes import NotificationErrorCode


class NotificationError(ProcurementError):
    code: str = NotificationErrorCode.INVALID
    status = 400


class NotificationNotFound(NotificationError):
    code = NotificationErrorCode.NOT_FOUND
    status = 404


class WebhookInvalid(NotificationError):
    code = NotificationErrorCode.INVALID


class WebhookUrlRefused(NotificationError):
    code = NotificationErrorCode.INVALID_WEBHOOK_URL


class NotAnAdmin(NotificationError):
    code = NotificationErrorCode.NOT_AN_ADMIN
    status = 403
