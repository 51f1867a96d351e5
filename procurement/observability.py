"""What a team running the system reads: request ids, structured logs and error reports (docs/deploy.md).

- Request ids: every request gets one (a sane incoming `X-Request-ID` is kept, otherwise a new one), answers
  with it in the `X-Request-ID` header and keeps it in a context variable while it is served. A task
  enqueued during the request carries it in its message headers, and the worker runs the task under it;
  a task enqueued outside any request (beat, a shell) runs under a fresh one.
- Logs: `request_id` is on every record (RequestIdFilter); secrets are masked in every message
  (SecretsFilter: punchout.redact, and the bearer tokens in our own URL paths). Production writes one JSON
  object a line (LOG_FORMAT=json), development and tests plain text.
- Errors: Sentry-compatible reporting when SENTRY_DSN is set, with no personal data, no request bodies, no
  local variables, and secrets scrubbed from what is sent (before_send).
"""

import contextlib
import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import pythonjsonlogger.json
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

# Pure text functions, no Django: the one masking of protocol credentials the whole system uses.
from punchout.redact import MASK, redact_text

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# The message header that carries the id into a Celery task.
TASK_HEADER = "request_id"
# An incoming id is kept when it is short and plain (ids of load balancers and tracing systems are); anything
# else (too long, spaces, quotes, control characters) is replaced, so a log line cannot be forged with it.
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=@-]{0,127}")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_current() -> str | None:
    """The id of the request (or task) being served in this thread or task, if any."""
    return request_id_var.get()


def request_id_accept(incoming: str | None) -> str:
    """The incoming id when it is sane, otherwise a new one."""
    if incoming and _REQUEST_ID_SHAPE.fullmatch(incoming):
        return incoming
    return request_id_new()


class RequestIdMiddleware:
    """First in MIDDLEWARE: every response, redirects and errors included, says which request it answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_accept(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs a 4xx/5xx answer ("Not Found: …") after the middleware has
        # returned; the id is cleared when the request is finished (request_finished, below).
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _request_finished(**kwargs: Any) -> None:
    request_id_var.set(None)


request_finished.connect(_request_finished, dispatch_uid="procurement.request_id")


# --- Logs ------------------------------------------------------------------------------------------------

# Our URL paths that carry a bearer token: a punchout return, a punch-in start, an OCI call-up, an e-mail
# approval link. Django logs paths ("Not Found: /punchout/return/…/"); the token never reaches a log or a report.
_TOKEN_PATH = re.compile(
    r"(/(?:punchout/return|punchout/inbound/start|punchout/callup|approvals/email)/)([^/?#\s\"']+)"
)
# Query-string and form fields named like credentials: `token=…`, `secret=…`, `password=…`, `key=…`.
_SECRET_FIELD = re.compile(
    r"((?:^|[?&\s;])[\w.~-]*(?:token|secret|password|passwd|api_?key|signature)[\w.~-]*=)([^&\s\"']*)", re.IGNORECASE
)
# An Authorization header written into a message.
_BEARER = re.compile(r"(\b(?:Bearer|Token|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}")


def secrets_masked(text: str) -> str:
    """Text we may log or report, with protocol credentials, URL tokens and credential fields masked."""
    text = redact_text(text)
    text = _TOKEN_PATH.sub(lambda m: m.group(1) + MASK, text)
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + (MASK if m.group(2) else ""), text)
    return _BEARER.sub(lambda m: m.group(1) + MASK, text)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("-" outside a request or task), for formats and JSON logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_current() or "-"
        return True


# What every LogRecord has; anything else on a record came with `extra=` (Django's request logger adds the request).
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class SecretsFilter(logging.Filter):
    """Masks secrets in the message of every record (its arguments merged in first) and in its `extra=` values;
    the formatters below mask tracebacks. The handler gets a masked copy: other handlers (Django's mail to
    ADMINS reads the request object) see the record as it was logged."""

    def filter(self, record: logging.LogRecord) -> logging.LogRecord:
        masked = logging.makeLogRecord(vars(record))
        # A broken format string stays as it is: the handler reports it as logging does.
        with contextlib.suppress(Exception):
            masked.msg, masked.args = secrets_masked(record.getMessage()), None
        # A traceback another handler already formatted is kept on the record: mask that text too.
        if record.exc_text:
            masked.exc_text = secrets_masked(record.exc_text)
        if record.stack_info:
            masked.stack_info = secrets_masked(record.stack_info)
        for name, value in vars(record).items():
            if name in _RECORD_ATTRIBUTES or name == "request_id" or isinstance(value, bool | int | float | None):
                continue
            # An object (the request of django.request's records) is written as its masked text.
            setattr(
                masked, name, _scrubbed(value) if isinstance(value, str | list | dict) else secrets_masked(str(value))
            )
        return masked


class TextFormatter(logging.Formatter):
    """Plain text lines (development, tests, LOG_FORMAT=text) with secrets masked in tracebacks."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return secrets_masked(super().formatException(ei))


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object a line (production), with secrets masked in tracebacks."""

    def formatException(self, ei: Any) -> str | list[str]:  # type: ignore[override]  # noqa: N802 - logging's name
        formatted = super().formatException(ei)
        return secrets_masked(formatted) if isinstance(formatted, str) else [secrets_masked(x) for x in formatted]


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ["levelname", "name", "message", "request_id"]


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING: one console handler on the root logger, JSON (one object a line) or plain text.

    JSON lines have `timestamp` (ISO 8601, UTC), `level`, `logger`, `message`, `request_id`, `exception` (the
    traceback, when there is one) and any `extra=` fields of the call.
    """
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    formatter: dict[str, Any] = (
        {
            "()": "procurement.observability.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger", "exc_info": "exception"},
            "timestamp": True,  # ISO 8601 in UTC, from the record's creation
        }
        if log_format == "json"
        else {"()": "procurement.observability.TextFormatter", "format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "procurement.observability.RequestIdFilter"},
            "secrets": {"()": "procurement.observability.SecretsFilter"},
        },
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id", "secrets"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }


# --- Celery ----------------------------------------------------------------------------------------------

# task id → the context token to reset after the task (a worker thread runs one task at a time, but keep it exact).
_task_tokens: dict[str, contextvars.Token[str | None]] = {}


def _request_id_into_message(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = request_id_current()
    if request_id and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def _request_id_for_task(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    if request is None or task_id is None or getattr(request, "is_eager", False):
        return  # run inline, inside the caller's context: it keeps the caller's id
    incoming = getattr(request, TASK_HEADER, None)
    request_id = request_id_accept(incoming if isinstance(incoming, str) else None)
    _task_tokens[task_id] = request_id_var.set(request_id)


def _request_id_after_task(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        request_id_var.reset(token)


def _keep_django_logging(**kwargs: Any) -> None:
    """Celery would replace the root logger's handlers with its own; Django's LOGGING (JSON in production) is
    applied instead, now: beat logs before (or without) Django being set up."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def celery_signals_connect() -> None:
    """Connect the request id hooks (and keep Django's logging in workers); called where the Celery app is made."""
    from celery import signals

    signals.before_task_publish.connect(_request_id_into_message, weak=False, dispatch_uid="procurement.request_id")
    signals.task_prerun.connect(_request_id_for_task, weak=False, dispatch_uid="procurement.request_id")
    signals.task_postrun.connect(_request_id_after_task, weak=False, dispatch_uid="procurement.request_id")
    signals.setup_logging.connect(_keep_django_logging, weak=False, dispatch_uid="procurement.logging")


# --- Error reports ---------------------------------------------------------------------------------------

FILTERED = "[Filtered]"


def _scrubbed(value: Any) -> Any:
    """Every string in a nested event masked with secrets_masked."""
    if isinstance(value, str):
        return secrets_masked(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def sentry_before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Tag the event with the request id; drop cookies, headers that authenticate and bodies; mask secrets."""
    request_id = request_id_current()
    if request_id:
        event.setdefault("tags", {})
        if isinstance(event["tags"], dict):
            event["tags"]["request_id"] = request_id
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in {"authorization", "cookie", "proxy-authorization", "x-api-key"}:
                    headers[name] = FILTERED
    return _scrubbed(event)


def sentry_init(
    *,
    dsn: str,
    environment: str = "",
    release: str = "",
    traces_sample_rate: float = 0.0,
    transport: Any = None,
) -> bool:
    """Start error reporting when a DSN is given (SENTRY_DSN); without one, nothing is sent anywhere."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # No personal data: send_default_pii is left unset, which is False (sentry-sdk 2.75 deprecates passing
        # it for `data_collection`) and keeps the SDK's scrubber of cookies, authorization and password fields on.
        # Bodies carry cXML with shared secrets and OCI passwords; local variables may hold them too.
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=sentry_before_send,  # type: ignore[arg-type]
        **options,
    )
    return True
