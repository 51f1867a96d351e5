"""The SCIM wire (RFC 7644): the media type, errors in the Error schema, list responses and paging, attribute
selection (`attributes`, `excludedAttributes`), and the bounds of what a client may send."""

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, QueryDict

MEDIA_TYPE = "application/scim+json"
SCHEMA_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCHEMA_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCHEMA_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCHEMA_LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCHEMA_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCHEMA_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

MAX_BODY_BYTES = 1_000_000  # a group push of some thousands of members fits
MAX_RESULTS = 200  # `count` above this is cut to it (ServiceProviderConfig filter.maxResults)
DEFAULT_COUNT = 100
MAX_OPERATIONS = 1000  # PATCH operations in one request
MAX_MEMBERS = 10_000  # members named in one request
MAX_FILTER_LENGTH = 1000
MAX_START_INDEX = 10_000_000


class ScimError(Exception):
    """An answer in the SCIM Error schema: `status`, and `scimType` for the 400s and 409s RFC 7644 §3.12 names."""

    def __init__(self, status: int, detail: str, scim_type: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def scim_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=MEDIA_TYPE + "; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: ScimError) -> HttpResponse:
    body: dict[str, Any] = {"schemas": [SCHEMA_ERROR], "status": str(error.status), "detail": error.detail[:500]}
    if error.scim_type:
        body["scimType"] = error.scim_type
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if error.status == 401 else None
    return scim_response(body, status=error.status, headers=headers)


def body_json(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, refused (413) above MAX_BODY_BYTES before it is read whole."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise ScimError(400, "The Content-Length header is not a number.", "invalidSyntax") from None
    if length > MAX_BODY_BYTES:
        raise ScimError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ScimError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.") from None
    if len(raw) > MAX_BODY_BYTES:
        raise ScimError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ScimError(400, "The request body is not JSON.", "invalidSyntax") from None
    if not isinstance(data, dict):
        raise ScimError(400, "The request body is not a JSON object.", "invalidSyntax")
    return data


def _int_param(params: QueryDict, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ScimError(400, f"{name} must be an integer, not {raw[:40]!r}.", "invalidValue") from None


def paging(params: QueryDict) -> tuple[int, int]:
    """(startIndex, count) as RFC 7644 §3.4.2.4 reads them: startIndex below 1 is 1, count below 0 is 0, and count
    is cut to MAX_RESULTS."""
    start = min(max(_int_param(params, "startIndex", 1), 1), MAX_START_INDEX)
    count = min(max(_int_param(params, "count", DEFAULT_COUNT), 0), MAX_RESULTS)
    return start, count


def list_response(resources: list[dict[str, Any]], total: int, start: int) -> HttpResponse:
    return scim_response(
        {
            "schemas": [SCHEMA_LIST],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


def _names(params: QueryDict, name: str) -> set[str]:
    raw = params.get(name, "")[:1000]
    return {part.strip().lower() for part in raw.split(",") if part.strip()}


def attributes_selected(resource: dict[str, Any], params: QueryDict) -> dict[str, Any]:
    """`resource` with only the top-level attributes `attributes` names, or without those `excludedAttributes`
    names; `schemas`, `id` and `meta` are always returned."""
    always = {"schemas", "id", "meta"}
    wanted = _names(params, "attributes")
    excluded = _names(params, "excludedAttributes")

    def top(name: str) -> str:
        name = name.lower()
        if name.startswith(SCHEMA_ENTERPRISE.lower()):
            return SCHEMA_ENTERPRISE.lower()
        for urn in (SCHEMA_USER.lower(), SCHEMA_GROUP.lower()):
            if name.startswith(urn + ":"):
                name = name[len(urn) + 1 :]
        return name.split(".", 1)[0].split("[", 1)[0]

    if wanted:
        tops = {top(name) for name in wanted}
        return {key: value for key, value in resource.items() if key in always or key.lower() in tops}
    if excluded:
        tops = {top(name) for name in excluded}
        return {key: value for key, value in resource.items() if key in always or key.lower() not in tops}
    return resource
