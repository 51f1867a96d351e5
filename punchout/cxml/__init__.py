"""cXML punchout protocol: bytes in, frozen dataclasses out, and back. No Django here.

Reading (every refusal is a `CXMLError` with `status_code` and an English `message`; answer it with
`error_response(error)`):

    parse_document(data: bytes, *, max_bytes=20 MB) -> Document      # any punchout document
    document_type(data: bytes) -> str                                 # 'PunchOutSetupRequest', 'OrderRequest' …
    parse_punchout_setup_request(data) -> PunchOutSetupRequest        # an ERP punching into us
    parse_punchout_order_message(data) -> PunchOutOrderMessage        # a supplier's cart (refuses a SharedSecret)
    parse_punchout_setup_response(data) -> PunchOutSetupResponse      # a supplier's StartPage (or its error status)
    parse_response(data) -> Response                                  # the Status of any Response
    parse_profile_request(data) -> ProfileRequest
    parse_profile_response(data) -> ProfileResponse
    extract_cxml_from_form(fields) -> bytes                           # cxml-base64 / cxml-urlencoded form field
    credential_matches(presented, expected) -> bool                   # constant-time shared secret check
    parse_timestamp(text) -> datetime | None
    register_document_parser(document_type, parser)                   # add OrderRequest etc. later

Writing (UTF-8 bytes, cXML 1.2.069 DOCTYPE, fresh payloadID and timestamp):

    build_punchout_setup_request(request: PunchOutSetupRequest) -> bytes
    build_punchout_setup_response(start_page_url, *, payload_id=None, lang="en-US", status=None) -> bytes
    build_punchout_order_message(message: PunchOutOrderMessage) -> bytes
    build_response(status: Status, *, payload_id=None, lang="en-US") -> bytes
    build_profile_request(request: ProfileRequest) -> bytes
    build_profile_response(response: ProfileResponse) -> bytes
    error_response(error: CXMLError) -> bytes
"""

from .build import (
    CXML_VERSION,
    DOCTYPE,
    build_profile_request,
    build_profile_response,
    build_punchout_order_message,
    build_punchout_setup_request,
    build_punchout_setup_response,
    build_response,
    format_decimal,
    format_timestamp,
    new_payload_id,
)
from .documents import (
    Address,
    Classification,
    Contact,
    Credential,
    Document,
    Header,
    ItemIn,
    ItemOut,
    LineItem,
    Money,
    PriceBasisQuantity,
    ProfileRequest,
    ProfileResponse,
    ProfileTransaction,
    PunchOutOperation,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    PunchOutSetupResponse,
    Response,
    Status,
)
from .errors import (
    AuthenticationFailed,
    CXMLError,
    DocumentTooLarge,
    EntityNotAllowed,
    InvalidDocument,
    MalformedDocument,
    NotAPunchoutDocument,
    NotImplementedRequest,
    PreconditionFailed,
    SecretInBrowser,
    UnexpectedDocument,
    error_response,
)
from .parse import (
    KNOWN_DOCUMENT_TYPES,
    PUNCHOUT_DOCUMENT_TYPES,
    credential_matches,
    document_type,
    extract_cxml_from_form,
    parse_document,
    parse_profile_request,
    parse_profile_response,
    parse_punchout_order_message,
    parse_punchout_setup_request,
    parse_punchout_setup_response,
    parse_response,
    parse_timestamp,
    register_document_parser,
)

__all__ = [
    "CXML_VERSION",
    "DOCTYPE",
    "KNOWN_DOCUMENT_TYPES",
    "PUNCHOUT_DOCUMENT_TYPES",
    "Address",
    "AuthenticationFailed",
    "CXMLError",
    "Classification",
    "Contact",
    "Credential",
    "Document",
    "DocumentTooLarge",
    "EntityNotAllowed",
    "Header",
    "InvalidDocument",
    "ItemIn",
    "ItemOut",
    "LineItem",
    "MalformedDocument",
    "Money",
    "NotAPunchoutDocument",
    "NotImplementedRequest",
    "PreconditionFailed",
    "PriceBasisQuantity",
    "ProfileRequest",
    "ProfileResponse",
    "ProfileTransaction",
    "PunchOutOperation",
    "PunchOutOrderMessage",
    "PunchOutSetupRequest",
    "PunchOutSetupResponse",
    "Response",
    "SecretInBrowser",
    "Status",
    "UnexpectedDocument",
    "build_profile_request",
    "build_profile_response",
    "build_punchout_order_message",
    "build_punchout_setup_request",
    "build_punchout_setup_response",
    "build_response",
    "credential_matches",
    "document_type",
    "error_response",
    "extract_cxml_from_form",
    "format_decimal",
    "format_timestamp",
    "new_payload_id",
    "parse_document",
    "parse_profile_request",
    "parse_profile_response",
    "parse_punchout_order_message",
    "parse_punchout_setup_request",
    "parse_punchout_setup_response",
    "parse_response",
    "parse_timestamp",
    "register_document_parser",
]
