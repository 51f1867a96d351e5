"""The body of a machine endpoint's request, read with our own limits rather than Django's upload settings.

Django reads `Content-Length` bytes and nothing else, so a chunked body (Transfer-Encoding: chunked, no
Content-Length) looks empty, and its multipart parser caps a field at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
and a form at 1,000 fields: too little for a 5,000-line cart. Here:

- with a Content-Length, that many bytes are read (refused at once when over the limit);
- under a server that has already removed the chunking (gunicorn: `wsgi.input_terminated`), the input is
  read to its end; otherwise a chunked body is de-chunked here (Django's runserver hands it on raw);
- multipart/form-data is split here (RFC 7578), with Django's header parameter parser; urlencoded bodies and GET query
  strings with the OCI codec (which knows the Latin-1 fallback of SAP pages).

Anything over `max_bytes` raises BodyTooLarge, which the views answer with a 413 in their protocol.
"""

import binascii
import quopri
from typing import BinaryIO

from django.http import HttpRequest
from django.utils.http import parse_header_parameters

from . import oci

__all__ = ["BodyTooLarge", "BodyUnreadable", "request_body_read", "request_form_fields"]

MAX_FIELDS = 250_000  # a 5,000-line OCI cart has about 20 fields a line
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    status = 413

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.message = f"The request is larger than {max_bytes // (1024 * 1024)} MB."
        super().__init__(self.message)


class BodyUnreadable(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _read_to_end(stream: BinaryIO, max_bytes: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(max_bytes)


def _dechunk(stream: BinaryIO, max_bytes: int) -> bytes:
    """Transfer-Encoding: chunked, read off the raw connection (RFC 9112 section 7.1)."""
    parts: list[bytes] = []
    size = 0
    while True:
        line = stream.readline(1024)
        try:
            length = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BodyUnreadable("The chunked request body is malformed.") from None
        if length < 0:
            raise BodyUnreadable("The chunked request body is malformed.")
        if length == 0:
            while stream.readline(1024).strip():  # trailer fields, up to the empty line
                pass
            return b"".join(parts)
        size += length
        if size > max_bytes:
            raise BodyTooLarge(max_bytes)
        data = stream.read(length)
        if len(data) != length:
            raise BodyUnreadable("The chunked request body ended early.")
        parts.append(data)
        stream.readline(16)  # the CRLF after each chunk


def request_body_read(request: HttpRequest, *, max_bytes: int) -> bytes:
    """The whole request body, at most `max_bytes` of it, whether it has a Content-Length or is chunked."""
    meta = request.META
    declared = str(meta.get("CONTENT_LENGTH") or "").strip()
    chunked = "chunked" in str(meta.get("HTTP_TRANSFER_ENCODING", "")).lower()
    if declared and not chunked:
        if not declared.isdigit():
            raise BodyUnreadable("The Content-Length header is not a number.")
        if int(declared) > max_bytes:
            raise BodyTooLarge(max_bytes)
        body = request.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise BodyTooLarge(max_bytes)
        return body
    stream = meta.get("wsgi.input")
    if stream is None:
        return b""
    if meta.get("wsgi.input_terminated"):
        return _read_to_end(stream, max_bytes)
    if chunked:
        return _dechunk(stream, max_bytes)
    return b""  # no length and no chunking: HTTP says the body is empty


def _multipart_fields(content_type: str, body: bytes, charset: str | None) -> list[tuple[str, str]]:
    """multipart/form-data (RFC 7578) split in one pass: the MIME parser of the standard library takes
    seconds for the 100,000 fields of a large OCI cart."""
    _, params = parse_header_parameters(content_type)
    boundary = params.get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise BodyUnreadable("The multipart form has no usable boundary.")
    delimiter = b"--" + boundary.encode("latin-1", errors="replace")
    first = body.find(delimiter)
    if first < 0:
        raise BodyUnreadable("The multipart form has no parts.")
    fields: list[tuple[str, str]] = []
    for part in body[first + len(delimiter) :].split(b"\r\n" + delimiter):
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, separator, content = part.partition(b"\r\n\r\n")
        if not separator:
            raise BodyUnreadable("A part of the multipart form has no header.")
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n"):
            header, colon, value = line.partition(":")
            if colon:
                headers[header.strip().lower()] = value.strip()
        _, disposition = parse_header_parameters(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if not name:
            continue
        transfer = headers.get("content-transfer-encoding", "").lower()
        try:
            if transfer == "base64":
                content = binascii.a2b_base64(content)
            elif transfer == "quoted-printable":
                content = quopri.decodestring(content)
        except binascii.Error:
            raise BodyUnreadable(f"The form field {name[:40]!r} is not valid base64.") from None
        _, type_params = parse_header_parameters(headers.get("content-type", "text/plain"))
        encoding = type_params.get("charset") or charset or "utf-8"
        try:
            value = content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            value = content.decode("iso-8859-1")
        fields.append((name, value))
        if len(fields) > MAX_FIELDS:
            raise BodyUnreadable(f"The form has more than {MAX_FIELDS} fields.")
    return fields


def request_form_fields(request: HttpRequest, *, max_bytes: int) -> list[tuple[str, str]]:
    """The fields of a GET query string, an urlencoded or a multipart body, in order, with our limits."""
    if request.method == "GET":
        query = request.META.get("QUERY_STRING", "")
        if len(query) > max_bytes:
            raise BodyTooLarge(max_bytes)
        return oci.decode_form_body(query.encode("latin-1", errors="replace"))
    body = request_body_read(request, max_bytes=max_bytes)
    content_type = request.META.get("CONTENT_TYPE", "") or ""
    charset = (request.content_params or {}).get("charset")
    if content_type.lower().startswith("multipart/"):
        return _multipart_fields(content_type, body, charset)
    fields = oci.decode_form_body(body, charset)
    if len(fields) > MAX_FIELDS:
        raise BodyUnreadable(f"The form has more than {MAX_FIELDS} fields.")
    return fields
