"""Why a cXML document was refused, as a cXML Status code and a readable English message.

Codes follow the cXML specification, which borrows HTTP's: 400 the document could not be read or is
missing a required part, 401 the sender could not be authenticated, 406 the document parsed but is
not one this endpoint accepts, 412 a precondition such as a live session does not hold, 413 the body
is over the size limit (an HTTP code, used because cXML has none for it), 450 a request cXML defines
but this system does not implement.
"""

from __future__ import annotations

from punchout.redact import redact_text
from punchout.xmlsafe import XmlEntityDeclared, XmlSafetyError, XmlTooLarge

from .elements import Status

__all__ = [
    "STATUS_TEXTS",
    "AuthenticationFailed",
    "CXMLError",
    "DocumentTooLarge",
    "EntityNotAllowed",
    "InvalidDocument",
    "MalformedDocument",
    "NotAPunchoutDocument",
    "NotImplementedRequest",
    "PreconditionFailed",
    "SecretInBrowser",
    "UnexpectedDocument",
    "from_xml_error",
    "status_text",
]

STATUS_TEXTS: dict[int, str] = {
    # The cXML Reference Guide's table of Status codes, with its texts ...
    200: "OK",
    201: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    417: "Expectation Failed",
    450: "Not Implemented",
    475: "Signature Required",
    476: "Signature Verification Failed",
    477: "Signature Unacceptable",
    500: "Internal Server Error",
    550: "Unable to reach cXML server",
    551: "Unable to forward request",
    560: "Temporary server error",
    # ... and the two HTTP codes we answer that cXML has none for, with HTTP's texts.
    413: "Request Entity Too Large",
    429: "Too Many Requests",
}


def status_text(code: int, given: str = "") -> str:
    """The standard text of a Status code: every Status we write carries it (our words go in the content)."""
    return STATUS_TEXTS.get(code) or given or "Error"


class CXMLError(Exception):
    """A refusal to answer with a cXML Status: `status_code` and an English `message`.

    The message is answered and logged, so any credential it might quote (a SharedSecret snippet, a
    PASSWORD field, a URL's user-info) is masked.
    """

    status_code: int = 400

    def __init__(self, status_code: int, message: str) -> None:
        message = redact_text(message)
        super().__init__(message)
        self.status_code = status_code
        self.message = message

    @property
    def status_text(self) -> str:
        return status_text(self.status_code)

    def to_status(self) -> Status:
        return Status(code=self.status_code, text=self.status_text, message=self.message, lang="en")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status_code}, {self.message!r})"


class _FixedCodeError(CXMLError):
    code: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(self.code, message)


class MalformedDocument(_FixedCodeError):
    """Not XML, not well-formed, or not a cXML document at all (400)."""


class EntityNotAllowed(_FixedCodeError):
    """The DOCTYPE declares entities: refused before parsing (400)."""


class InvalidDocument(_FixedCodeError):
    """A cXML document missing a required part or carrying an unreadable value (400)."""


class SecretInBrowser(_FixedCodeError):
    """A SharedSecret in a document that travelled through the user's browser (400)."""


class AuthenticationFailed(_FixedCodeError):
    """The sender's credential or shared secret did not match (401)."""

    code = 401


class NotAPunchoutDocument(_FixedCodeError):
    """A cXML document this system knows but does not take here, e.g. an OrderRequest at the punchout endpoint (406)."""

    code = 406

    def __init__(self, message: str, *, document_type: str = "") -> None:
        super().__init__(message)
        self.document_type = document_type


class UnexpectedDocument(NotAPunchoutDocument):
    """A punchout document of the wrong kind for the parser called, e.g. a cart posted as a setup request (406)."""


class PreconditionFailed(_FixedCodeError):
    """The document is fine but the state it needs is not there, e.g. no live session for the BuyerCookie (412)."""

    code = 412


class DocumentTooLarge(_FixedCodeError):
    """The body is over the size limit (413)."""

    code = 413


class NotImplementedRequest(_FixedCodeError):
    """A request type this system does not implement (450)."""

    code = 450


def from_xml_error(error: XmlSafetyError) -> CXMLError:
    """The cXML refusal for an error of the hardened XML parser."""
    if isinstance(error, XmlTooLarge):
        return DocumentTooLarge(error.message)
    if isinstance(error, XmlEntityDeclared):
        return EntityNotAllowed(error.message)
    return MalformedDocument(error.message)
