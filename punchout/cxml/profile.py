"""The cXML profile transaction: which transactions a server accepts (ProfileRequest) and at which URLs
(ProfileResponse). No Django here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .elements import DeploymentMode, Header, Status
from .envelope import (
    new_root,
    parse_expected,
    read_deployment_mode,
    read_envelope,
    read_header,
    read_response_status,
    serialise,
    write_header,
    write_status,
)
from .values import format_timestamp, parse_timestamp, read_extrinsics, read_text, write_element

__all__ = [
    "ProfileRequest",
    "ProfileResponse",
    "ProfileTransaction",
    "build_profile_request",
    "build_profile_response",
    "parse_profile_request",
    "parse_profile_response",
    "read_profile_request",
    "read_profile_response",
]


@dataclass(frozen=True, kw_only=True)
class ProfileRequest:
    """Asks which transactions a server supports."""

    header: Header
    deployment_mode: DeploymentMode = "production"
    payload_id: str = ""
    timestamp: datetime | None = None
    lang: str = "en-US"


@dataclass(frozen=True, kw_only=True)
class ProfileTransaction:
    request_name: str
    url: str
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ProfileResponse:
    """The transactions a server accepts, each with the URL to post it to."""

    transactions: tuple[ProfileTransaction, ...]
    status: Status = field(default_factory=lambda: Status(code=200, text="OK"))
    effective_date: datetime | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    payload_id: str = ""
    timestamp: datetime | None = None
    lang: str = "en-US"

    def url_for(self, request_name: str) -> str | None:
        return next((t.url for t in self.transactions if t.request_name == request_name), None)


def read_profile_request(root: Element, body: Element, request: Element) -> ProfileRequest:
    envelope = read_envelope(root)
    return ProfileRequest(
        header=read_header(root),
        deployment_mode=read_deployment_mode(request),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def _read_options(element: Element) -> dict[str, str]:
    return read_extrinsics(element.iterfind("Option"))


def read_profile_response(root: Element, body: Element, response: Element) -> ProfileResponse:
    envelope = read_envelope(root)
    transactions = tuple(
        ProfileTransaction(
            request_name=(element.get("requestName") or "").strip(),
            url=read_text(element.find("URL")),
            options=_read_options(element),
        )
        for element in body.iterfind("Transaction")
    )
    return ProfileResponse(
        transactions=transactions,
        status=read_response_status(response),
        effective_date=parse_timestamp(body.get("effectiveDate")),
        options=_read_options(body),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def parse_profile_request(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ProfileRequest:
    return read_profile_request(*parse_expected(data, max_bytes, "ProfileRequest"))


def parse_profile_response(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ProfileResponse:
    return read_profile_response(*parse_expected(data, max_bytes, "ProfileResponse"))


def build_profile_request(request: ProfileRequest) -> bytes:
    root = new_root(request.payload_id, request.timestamp, request.lang)
    write_header(root, request.header, with_secret=True)
    write_element(write_element(root, "Request", deploymentMode=request.deployment_mode), "ProfileRequest")
    return serialise(root)


def _write_options(parent: Element, options: Iterable[tuple[str, str]]) -> None:
    for name, value in options:
        write_element(parent, "Option", value, name=name)


def build_profile_response(response: ProfileResponse) -> bytes:
    """The transactions we accept and their URLs."""
    if not response.transactions:
        raise ValueError("a ProfileResponse needs at least one transaction")
    root = new_root(response.payload_id, response.timestamp, response.lang)
    wrapper = write_element(root, "Response")
    write_status(wrapper, response.status)
    body = write_element(wrapper, "ProfileResponse", effectiveDate=format_timestamp(response.effective_date))
    _write_options(body, response.options.items())
    for transaction in response.transactions:
        element = write_element(body, "Transaction", requestName=transaction.request_name)
        write_element(element, "URL", transaction.url)
        _write_options(element, transaction.options.items())
    return serialise(root)
