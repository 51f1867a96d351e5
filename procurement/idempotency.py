"""Repeated POSTs act once: the API's `Idempotency-Key` header and the pages' one-time form tokens.

One table (IdempotencyKey) and one claim: the first request inserts the unique (user, key) row and runs;
a repeat finds the row and answers what the first answered instead of acting again. The insert is the
lock, so two requests racing on PostgreSQL cannot both run (the second's insert waits for the first's
commit, then fails on the unique constraint).

API (docs/api.md, "Idempotent POSTs"): every POST under /api/ may carry `Idempotency-Key: <1–255
printable ASCII characters>`. IdempotencyKeyPermission (a default DRF permission) claims the key once the
caller is authenticated; IdempotencyMiddleware stores the response (status, body, content type) and
replays it with `Idempotent-Replayed: true`. The same key with another method, path or body answers 422
`idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_progress`. A
response of 5xx or 429 is not stored: the key is released and the client may retry with it.

Pages: `{% form_token %}` renders a hidden random token with a form; `@once_per_form(...)` on the view
consumes it with the submitted content, so a double click or a script posting the same form twice acts
once and the repeat is redirected where the first went, with a neutral message (or the first's error).

Keys expire after settings.IDEMPOTENCY_KEY_TTL seconds (default 24 h); expired rows are deleted on each
claim, and a claim older than IDEMPOTENCY_KEY_LOCK_SECONDS (default 5 min) without an answer is taken as
abandoned (its process died) and may be claimed again.
"""

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, Literal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.request import RawPostDataException
from django.http.response import HttpResponseRedirectBase
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise
from rest_framework import exceptions, permissions, status
from rest_framework.request import Request

from .error_codes import ProcurementErrorCode
from .models import IdempotencyKey
from .web import safe_return_url

Outcome = Literal["new", "replay", "running", "reused"]

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
FORM_TOKEN_FIELD = "form_token"  # noqa: S105 (a field name, not a secret)
FORM_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Headers of a stored API response that a replay repeats.
REPLAYED_RESPONSE_HEADERS = ("Content-Type", "Location")


def key_ttl() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "IDEMPOTENCY_KEY_TTL", 24 * 3600)))


def key_lock() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "IDEMPOTENCY_KEY_LOCK_SECONDS", 300)))


def idempotency_keys_purge() -> int:
    """Delete the expired keys; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - key_ttl()).delete()
    return deleted


def idempotency_claim(*, user: Any, key: str, request_hash: str) -> tuple[Outcome, IdempotencyKey]:
    """Claim `key` for `user`: "new" (run the request, then record or release), else what a repeat is."""
    idempotency_keys_purge()
    row: IdempotencyKey | None = None
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(user=user, key=key, request_hash=request_hash, created_at=now)
            return "new", row
        except IntegrityError:
            row = IdempotencyKey.objects.filter(user=user, key=key).first()
        if row is None:  # released or purged in between: claim again
            continue
        if row.request_hash != request_hash:
            return "reused", row
        if row.completed_at is not None:
            return "replay", row
        if row.created_at >= now - key_lock():
            return "running", row
        IdempotencyKey.objects.filter(pk=row.pk, completed_at__isnull=True).delete()  # abandoned
    # Claimed and released three times in a row while we looked: as busy as a running request.
    return "running", row or IdempotencyKey(user=user, key=key, request_hash=request_hash, created_at=timezone.now())


def idempotency_record(row: IdempotencyKey, *, status: int, headers: dict[str, str], body: bytes) -> None:
    row.completed_at = timezone.now()
    row.response_status = status
    row.response_headers = headers
    row.response_body = body
    row.save(update_fields=["completed_at", "response_status", "response_headers", "response_body"])


def idempotency_release(row: IdempotencyKey) -> None:
    """Forget a claim whose request failed, so that the same key may be tried again."""
    IdempotencyKey.objects.filter(pk=row.pk, completed_at__isnull=True).delete()


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


# --- API ---------------------------------------------------------------------------------------------


class InvalidIdempotencyKey(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = ProcurementErrorCode.INVALID_IDEMPOTENCY_KEY
    default_detail = format_lazy(
        gettext_lazy("An {header} has 1 to {max_length} printable ASCII characters."),
        header=HEADER,
        max_length=KEY_MAX_LENGTH,
    )


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = ProcurementErrorCode.IDEMPOTENCY_KEY_REUSED
    default_detail = format_lazy(
        gettext_lazy("This {header} was used for another request: use a new key for a new request."), header=HEADER
    )


class IdempotencyKeyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = ProcurementErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS
    default_detail = format_lazy(
        gettext_lazy("A request with this {header} is still running: retry when it has answered."), header=HEADER
    )


class IdempotentReplay(exceptions.APIException):
    """Stops the view: IdempotencyMiddleware answers the stored response instead."""

    status_code = status.HTTP_409_CONFLICT
    default_code = ProcurementErrorCode.IDEMPOTENT_REPLAY


def _api_request_hash(request: Request) -> str:
    django_request = request._request
    try:
        body = django_request.body
    except (RawPostDataException, RequestDataTooBig):
        # A multipart upload already read as a stream, or larger than a body kept in memory: its fields
        # and files, read in chunks.
        parts: list[bytes] = []
        data = request.data if isinstance(request.data, dict) else {}
        for name, value in sorted(data.items()):
            if hasattr(value, "chunks"):
                file_digest = hashlib.sha256()
                for chunk in value.chunks():
                    file_digest.update(chunk)
                value.seek(0)
                parts.append(f"{name}=file:{value.name}:{file_digest.hexdigest()}".encode())
            else:
                parts.append(f"{name}={value}".encode())
        body = b"\n".join(parts)
    return _digest(b"POST", django_request.get_full_path().encode(), body)


def _valid_key(value: str) -> bool:
    return 1 <= len(value) <= KEY_MAX_LENGTH and all(" " <= char <= "~" for char in value)


class IdempotencyKeyPermission(permissions.BasePermission):
    """A default permission of every API view: claims the `Idempotency-Key` of a POST (module docstring).

    A permission, because DRF checks it after authentication (the key belongs to the caller) and before
    the view acts; it never refuses by itself, its answers for a bad, reused or running key are errors.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        django_request = request._request
        if request.method != "POST" or django_request.method != "POST":
            return True
        key = django_request.headers.get(HEADER)
        if key is None or hasattr(django_request, "idempotency"):
            return True
        if not _valid_key(key):
            raise InvalidIdempotencyKey()
        outcome, row = idempotency_claim(user=request.user, key=f"api:{key}", request_hash=_api_request_hash(request))
        if outcome == "reused":
            raise IdempotencyKeyReused()
        if outcome == "running":
            raise IdempotencyKeyInProgress()
        django_request.idempotency = (outcome, row)  # type: ignore[attr-defined]
        if outcome == "replay":
            raise IdempotentReplay()
        return True


class IdempotencyMiddleware:
    """Stores the answer to a claimed API key, and answers a replay with the stored one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        claim: tuple[Outcome, IdempotencyKey] | None = getattr(request, "idempotency", None)
        if claim is None:
            return response
        outcome, row = claim
        if outcome == "replay":
            replayed = HttpResponse(
                bytes(row.response_body), status=row.response_status or status.HTTP_200_OK, headers=row.response_headers
            )
            replayed[REPLAYED_HEADER] = "true"
            return replayed
        if response.streaming or response.status_code >= 500 or response.status_code == 429:
            idempotency_release(row)
        else:
            headers = {name: response[name] for name in REPLAYED_RESPONSE_HEADERS if response.has_header(name)}
            idempotency_record(row, status=response.status_code, headers=headers, body=response.content)
        return response


# --- Pages -------------------------------------------------------------------------------------------


def form_token() -> str:
    return secrets.token_urlsafe(16)


def _form_request_hash(request: HttpRequest) -> str:
    fields = sorted(
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", FORM_TOKEN_FIELD}
        for value in values
    )
    return _digest(request.path.encode(), json.dumps(fields).encode())


def _tell_once(request: HttpRequest, level: int, text: StrOrPromise) -> None:
    """A message, unless the same one still waits to be shown (the first request's error, unread)."""
    storage = messages.get_messages(request)
    waiting = [*getattr(storage, "_loaded_messages", []), *getattr(storage, "_queued_messages", [])]
    if not any(m.level == level and m.message == text for m in waiting):
        messages.add_message(request, level, text)


def once_per_form(replay_message: StrOrPromise) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A POST carrying a form token acts once per token and content; a repeat goes where the first went.

    The repeat is told `replay_message` (e.g. "Already added."), or the first answer's errors again when it
    failed. Put it outside the login and error handling decorators, so that it sees the final redirect.
    A POST without a token (an old page, a test client) acts as before.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            token = request.POST.get(FORM_TOKEN_FIELD, "") if request.method == "POST" else ""
            if not FORM_TOKEN_PATTERN.fullmatch(token) or not request.user.is_authenticated:
                return view(request, *args, **kwargs)
            request_hash = _form_request_hash(request)
            outcome, row = idempotency_claim(
                user=request.user, key=f"form:{token}:{request_hash[:16]}", request_hash=request_hash
            )
            if outcome == "new":
                try:
                    response = view(request, *args, **kwargs)
                except BaseException:
                    idempotency_release(row)
                    raise
                if isinstance(response, HttpResponseRedirectBase):
                    storage = messages.get_messages(request)
                    errors = [m.message for m in getattr(storage, "_queued_messages", []) if m.level >= messages.ERROR]
                    idempotency_record(
                        row,
                        status=response.status_code,
                        headers={"Location": response["Location"]},
                        body=json.dumps({"errors": errors}).encode(),
                    )
                else:
                    idempotency_release(row)
                return response
            if outcome == "replay":
                errors = json.loads(bytes(row.response_body) or b"{}").get("errors", [])
                for error in errors:
                    _tell_once(request, messages.ERROR, error)
                if not errors:
                    _tell_once(request, messages.INFO, replay_message)
                return HttpResponseRedirect(row.response_headers.get("Location", "/"))
            # Still running (a second click while the first is answered): back where the form was.
            _tell_once(request, messages.INFO, replay_message)
            fallback = request.POST.get("next") or request.headers.get("Referer")
            return HttpResponseRedirect(safe_return_url(request, fallback, "/"))

        return wrapper

    return decorator


# --- OpenAPI -----------------------------------------------------------------------------------------


def openapi_idempotency_header(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: every POST (the token endpoint aside) names the header and its 400/409/422."""
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        operation = operations.get("post")
        if operation is None or path.endswith("/auth/token/"):
            continue
        operation.setdefault("parameters", []).append(
            {
                "in": "header",
                "name": HEADER,
                "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH, "pattern": "^[ -~]+$"},
                "description": (
                    "Optional. The same key again with the same request answers the stored response "
                    f"(header `{REPLAYED_HEADER}: true`) and acts once; kept 24 h (docs/api.md)."
                ),
            }
        )
        responses = operation.setdefault("responses", {})
        for code, text in (
            ("400", "Invalid request, or an invalid_idempotency_key."),
            ("409", "idempotency_key_in_progress: a request with this key still runs."),
            ("422", "idempotency_key_reused: this key was used for another request."),
        ):
            responses.setdefault(code, {"content": {"application/json": {"schema": error}}, "description": text})
    return result
