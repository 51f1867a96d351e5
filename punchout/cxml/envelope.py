"""The cXML envelope, read and written: the root with its payloadID and timestamp, the Header's credentials,
the Request/Message/Response around a document, and the Status of a Response. No Django here.

Reading is lenient where the meaning is clear (no DOCTYPE, a lowercase `<cxml>` root, an unreadable
timestamp kept as None) and refuses with a `CXMLError` carrying the cXML Status code to answer. Writing
gives every document a fresh payloadID unless it carries one, an ISO 8601 timestamp with offset, the
1.2.069 DOCTYPE, an XML declaration, `version` and `xml:lang`.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

from lxml import etree
from lxml.etree import _Element as Element

from punchout.xmlsafe import DEFAULT_MAX_BYTES, XmlSafetyError, parse_xml

from .elements import Credential, DeploymentMode, Header, Status
from .errors import CXMLError, InvalidDocument, MalformedDocument, UnexpectedDocument, from_xml_error, status_text
from .values import (
    XML_LANG,
    article,
    format_timestamp,
    parse_timestamp,
    read_lang,
    read_text,
    write_element,
)

__all__ = [
    "CXML_VERSION",
    "DOCTYPE",
    "USER_AGENT",
    "Envelope",
    "Response",
    "build_response",
    "credential_matches",
    "document_parts",
    "document_type",
    "error_response",
    "new_payload_id",
    "new_root",
    "parse_expected",
    "parse_response",
    "parse_root",
    "read_deployment_mode",
    "read_envelope",
    "read_header",
    "read_response",
    "read_response_status",
    "read_status",
    "serialise",
    "write_header",
    "write_status",
]

CXML_VERSION = "1.2.069"

DOCTYPE = f'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/{CXML_VERSION}/cXML.dtd">'

USER_AGENT = "Procurement punchout 1.0"

_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

_ROOT_DOCUMENTS = frozenset({"Index", "Contract", "Supplier"})


# ------------------------------------------------------------------------------------------- reading


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _children(element: Element) -> Iterable[Element]:
    return (child for child in element if isinstance(child.tag, str))


def parse_root(data: bytes, max_bytes: int) -> Element:
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except XmlSafetyError as error:
        raise from_xml_error(error) from None
    name = _local(root.tag)
    # A lowercase <cxml> root is invalid but its meaning is clear.
    if name.casefold() != "cxml" and name not in _ROOT_DOCUMENTS:
        raise MalformedDocument(f"not a cXML document: the root element is <{name}>")
    return root


def document_parts(root: Element) -> tuple[str, Element | None, Element | None]:
    """The document type, its element, and the Request/Message/Response element around it."""
    name = _local(root.tag)
    if name in _ROOT_DOCUMENTS:
        return name, root, None
    for wrapper in _children(root):
        kind = _local(wrapper.tag)
        if kind not in ("Request", "Message", "Response"):
            continue
        body = next((child for child in _children(wrapper) if _local(child.tag) != "Status"), None)
        if body is None:
            if kind == "Response":
                return "Response", None, wrapper
            raise InvalidDocument(f"the cXML {kind} is empty")
        return _local(body.tag), body, wrapper
    raise InvalidDocument("the cXML document has no Request, Message or Response")


def parse_expected(data: bytes, max_bytes: int, expected: str) -> tuple[Element, Element, Element]:
    """The root, the document element and the Request/Message/Response around it of a document of type
    `expected` (e.g. 'OrderRequest'); a 406 `UnexpectedDocument` for a document of another type."""
    root = parse_root(data, max_bytes)
    kind, body, wrapper = document_parts(root)
    if kind != expected or body is None or wrapper is None:
        got = f"{article(kind)} {kind}"
        raise UnexpectedDocument(f"expected {article(expected)} {expected}, got {got}", document_type=kind)
    return root, body, wrapper


def document_type(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The kind of cXML document: 'PunchOutSetupRequest', 'OrderRequest', 'Response', 'Index' …

    Raises `MalformedDocument` (400) for anything that is not a readable cXML document.
    """
    return document_parts(parse_root(data, max_bytes))[0]


def read_deployment_mode(element: Element) -> DeploymentMode:
    return "test" if (element.get("deploymentMode") or "").strip().casefold() == "test" else "production"


def _read_credential(element: Element, where: str) -> Credential:
    identity = element.find("Identity")
    if identity is None:
        raise InvalidDocument(f"a {where} Credential has no Identity")
    secret = element.find("SharedSecret")
    return Credential(
        domain=(element.get("domain") or "").strip(),
        identity=read_text(identity),
        shared_secret=None if secret is None else read_text(secret),
    )


def _read_credentials(header: Element, where: str) -> list[Credential]:
    party = header.find(where)
    if party is None:
        raise InvalidDocument(f"the Header has no {where}")
    found = [_read_credential(c, where) for c in party.iterfind("Credential")]
    if not found:
        raise InvalidDocument(f"the Header's {where} has no Credential")
    return found


def read_header(root: Element) -> Header:
    header = root.find("Header")
    if header is None:
        raise InvalidDocument("the cXML document has no Header")
    from_ = _read_credentials(header, "From")
    to = _read_credentials(header, "To")
    sender = _read_credentials(header, "Sender")
    user_agent = header.find("Sender/UserAgent")
    return Header(
        from_=from_[0],
        to=to[0],
        sender=sender[0],
        user_agent=read_text(user_agent),
        from_extra=tuple(from_[1:]),
        to_extra=tuple(to[1:]),
    )


def read_status(element: Element | None) -> Status | None:
    if element is None:
        return None
    code = (element.get("code") or "").strip()
    if not code.isdigit():
        raise InvalidDocument(f"the Status code is not a number: {code[:40]!r}")
    if not code.isascii() or len(code) != 3:
        raise InvalidDocument(f"the Status code is not a three-digit code: {code[:40]!r}")
    lang = (element.get(XML_LANG) or "").strip() or None
    return Status(code=int(code), text=(element.get("text") or "").strip(), message=read_text(element), lang=lang)


class Envelope(NamedTuple):
    payload_id: str
    timestamp: datetime | None
    lang: str


def read_envelope(root: Element) -> Envelope:
    return Envelope((root.get("payloadID") or "").strip(), parse_timestamp(root.get("timestamp")), read_lang(root))


# ------------------------------------------------------------------------------------------- writing


@cache
def _hostname() -> str:
    name = re.sub(r"[^A-Za-z0-9.-]", "", socket.gethostname()) or "localhost"
    return name


def new_payload_id() -> str:
    """A unique payloadID: `<epoch millis>.<pid>.<random>@<hostname>`."""
    return f"{time.time_ns() // 1_000_000}.{os.getpid()}.{secrets.token_hex(8)}@{_hostname()}"


def new_root(payload_id: str, timestamp: datetime | None, lang: str) -> Element:
    root = etree.Element("cXML")
    root.set("payloadID", payload_id or new_payload_id())
    root.set("timestamp", format_timestamp(timestamp))
    root.set("version", CXML_VERSION)
    root.set(XML_LANG, lang or "en-US")
    return root


def serialise(root: Element) -> bytes:
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return _XML_DECLARATION + DOCTYPE.encode("ascii") + b"\n" + body


def _write_credential(parent: Element, credential: Credential, *, with_secret: bool) -> None:
    element = write_element(parent, "Credential", domain=credential.domain)
    write_element(element, "Identity", credential.identity)
    if with_secret and credential.shared_secret is not None:
        write_element(element, "SharedSecret", credential.shared_secret)


def write_header(root: Element, header: Header, *, with_secret: bool) -> None:
    element = write_element(root, "Header")
    from_ = write_element(element, "From")
    for credential in header.from_credentials:
        _write_credential(from_, credential, with_secret=False)
    to = write_element(element, "To")
    for credential in header.to_credentials:
        _write_credential(to, credential, with_secret=False)
    sender = write_element(element, "Sender")
    _write_credential(sender, header.sender, with_secret=with_secret)
    write_element(sender, "UserAgent", header.user_agent or USER_AGENT)


def write_status(parent: Element, status: Status) -> None:
    write_element(
        parent,
        "Status",
        status.message,
        code=str(status.code),
        text=status_text(status.code, status.text),
        lang=status.lang or "en",
    )


# ------------------------------------------------------------------------------------------ Response


@dataclass(frozen=True, kw_only=True)
class Response:
    """A bare Response: only a Status (the answer to an OrderRequest, or a refusal)."""

    status: Status
    payload_id: str = ""
    timestamp: datetime | None = None
    lang: str = "en-US"


def read_response_status(response: Element) -> Status:
    status = read_status(response.find("Status"))
    if status is None:
        raise InvalidDocument("the Response has no Status")
    return status


def read_response(root: Element, body: Element | None, response: Element) -> Response:
    envelope = read_envelope(root)
    return Response(
        status=read_response_status(response),
        payload_id=envelope.payload_id,
        timestamp=envelope.timestamp,
        lang=envelope.lang,
    )


def parse_response(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Response:
    """The Status of any cXML Response (e.g. the synchronous answer to an OrderRequest), ignoring its body."""
    root = parse_root(data, max_bytes)
    response = root.find("Response")
    if response is None:
        kind = document_parts(root)[0]
        raise UnexpectedDocument(f"expected a Response, got {article(kind)} {kind}", document_type=kind)
    return read_response(root, None, response)


def build_response(status: Status, *, payload_id: str | None = None, lang: str = "en-US") -> bytes:
    """A bare Response/Status, e.g. an error answer (see `error_response`)."""
    root = new_root(payload_id or "", None, lang)
    write_status(write_element(root, "Response"), status)
    return serialise(root)


def error_response(error: CXMLError, *, payload_id: str | None = None) -> bytes:
    """A complete cXML `Response/Status` document for a refusal, ready to send back."""
    return build_response(error.to_status(), payload_id=payload_id)


# ------------------------------------------------------------------------------------ authentication


def credential_matches(presented: Credential, expected: Credential) -> bool:
    """Whether a presented credential is the expected one.

    Domains compare case-insensitively (DUNS, duns), identities exactly (after stripping), and when the
    expected credential has a shared secret the presented one must carry the same secret, compared in
    constant time.
    """
    same_party = (
        presented.domain.strip().casefold() == expected.domain.strip().casefold()
        and presented.identity.strip() == expected.identity.strip()
    )
    if expected.shared_secret is None:
        return same_party
    secret = (presented.shared_secret or "").encode("utf-8")
    secret_ok = hmac.compare_digest(secret, expected.shared_secret.encode("utf-8"))
    return same_party and secret_ok and presented.shared_secret is not None
