"""cXML punchout and purchase-order protocol: bytes in, frozen dataclasses out, and back. No Django here.

Reading (every refusal is a `CXMLError` with `status_code` and an English `message`; answer it with
`error_response(error)`):

    parse_document(data: bytes, *, max_bytes=20 MB) -> Document | OrderDocument  # punchout and order documents
    document_type(data: bytes) -> str                                 # 'PunchOutSetupRequest', 'OrderRequest' …
    parse_punchout_setup_request(data) -> PunchOutSetupRequest        # an ERP punching into us
    parse_punchout_order_message(data) -> PunchOutOrderMessage        # a supplier's cart (refuses a SharedSecret)
    parse_punchout_order_cart(data) -> PunchOutOrderCart              # the same, its lines as ItemRow tuples
    parse_punchout_setup_response(data) -> PunchOutSetupResponse      # a supplier's StartPage (or its error status)
    parse_response(data) -> Response                                  # the Status of any Response
    parse_profile_request(data) -> ProfileRequest
    parse_profile_response(data) -> ProfileResponse
    extract_cxml_from_form(fields) -> bytes                           # cxml-base64 / cxml-urlencoded form field
    credential_matches(presented, expected) -> bool                   # constant-time shared secret check
    parse_timestamp(text) -> datetime | None

Numbers are plain decimals (no exponent, NaN or Infinity) bounded by what our columns hold (`limits`:
quantities 13 digits with 3 decimals, amounts 14 digits before the point, lead times 99999 days, line
numbers 2147483647); a number beyond is refused with a 400 naming the field and the limit. Refusal
messages never quote a credential (see `punchout.redact`).

Purchase orders (`order_request`, `supplier_documents`; Decimal money, every refusal a 400 `InvalidDocument`
naming the missing part, e.g. "ConfirmationItem 2 has no lineNumber"; 406 `UnexpectedDocument` for a
document of another kind):

    build_order_request(order: OrderRequest) -> bytes                 # the caller's payloadID and timestamp,
                                                                      # the Sender's SharedSecret; valid cXML.dtd
    parse_order_request(data, *, max_bytes=20 MB) -> OrderRequest
    parse_confirmation_request(data, *, max_bytes=20 MB) -> ConfirmationRequest   # a supplier's confirmation
    parse_ship_notice_request(data, *, max_bytes=20 MB) -> ShipNoticeRequest      # a supplier's shipping notice
    parse_invoice_detail_request(data, *, max_bytes=20 MB) -> InvoiceDetailRequest  # a supplier's invoice

    OrderRequest(header, payload_id, timestamp, order_id, order_date, total, bill_to, items, order_type="new",
                 order_version=1, ship_to=None, comments="", extrinsics={}, document_reference_payload_id=None,
                 deployment_mode="production", lang="en-US", tax=None)
    OrderItem(line_number, quantity, supplier_part_id, unit_price, description, unit_of_measure,
              supplier_part_auxiliary_id=None, buyer_part_id=None, classifications=(),
              requested_delivery_date=None, manufacturer_part_id=None, manufacturer_name=None,
              price_basis_quantity=None, distributions=(), comments="", extrinsics={}, tax=None)
    Tax(money, description="", details: tuple[TaxDetail(category, tax_amount, taxable_amount=None,
        percentage_rate=None, purpose=None, description="", tax_rate_type=None, exempt_detail=None,
        exemption_code=None, exemption_reason=""), ...])         # ItemIn/ItemOut.tax, OrderRequest.tax
    Distribution(accounting_name, segments: tuple[AccountingSegment(type, id, description=""), ...], charge)
    ConfirmationRequest(header, payload_id, timestamp, type, order_id, order_payload_id, operation, confirm_id,
                        notice_date, order_date, total, comments, extrinsics, items: tuple[ConfirmationItem, ...])
    ConfirmationItem(line_number, quantity, unit_of_measure, statuses: tuple[ConfirmationLineStatus, ...])
    ConfirmationLineStatus(type, quantity, unit_of_measure, unit_price, delivery_date, shipment_date, comments,
                           extrinsics, item: ItemIn | None)
    ShipNoticeRequest(header, payload_id, timestamp, shipment_id, portions, operation, notice_date,
                      shipment_date, delivery_date, carrier, carrier_identifiers, tracking_number, tracking_url,
                      comments)
    ShipNoticePortion(order_id, order_payload_id, order_date, items: tuple[ShipNoticeLine, ...])  # .whole_order
    ShipNoticeLine(line_number, quantity, unit_of_measure, supplier_part_id=None)

    InvoiceDetailRequest(header, payload_id, timestamp, invoice_id, invoice_date, invoice_date_text, summary,
                         purpose, operation, orders: tuple[InvoiceDetailOrder(reference, lines), ...],
                         header_orders, partners, payment_term_days, original_invoice_id, …)   # .credit, .lines
    InvoiceDetailLine(invoice_line_number, quantity, unit_of_measure, unit_price, line_number, supplier_part_id,
                      description, subtotal, tax: InvoiceTax(total, details: (InvoiceTaxDetail, ...)), service …)

A confirmation or ship notice names our order by `order_payload_id` (our OrderRequest's payloadID) and/or
`order_id`, at least one. Its `header.sender` keeps the SharedSecret: authenticate the supplier with
`credential_matches` before acting on it.

Writing (UTF-8 bytes, cXML 1.2.069 DOCTYPE, fresh payloadID and timestamp):

    build_punchout_setup_request(request: PunchOutSetupRequest) -> bytes
    build_punchout_setup_response(start_page_url, *, payload_id=None, lang="en-US", status=None) -> bytes
    build_punchout_order_message(message: PunchOutOrderMessage) -> bytes
    build_response(status: Status, *, payload_id=None, lang="en-US") -> bytes
    build_profile_request(request: ProfileRequest) -> bytes
    build_profile_response(response: ProfileResponse) -> bytes
    error_response(error: CXMLError) -> bytes

The modules, each importing only those listed before it:

    elements            the dataclasses every document shares: Header, Credential, Status, Money, Address, LineItem …
    errors, limits      the refusals with their cXML Status codes; the largest numbers our columns hold
    values              reading and writing text, bounded decimals, Money, timestamps, Address, Contact, Extrinsic
    envelope            the root, Header, Request/Message/Response and Status; the bare Response; credential checks
    tax_elements        the Tax element (Money, Description, TaxDetail: rate, taxable and tax amounts)
    line_items          ItemIn and ItemOut, read and written
    punchout, profile   PunchOutSetupRequest/Response and PunchOutOrderMessage; ProfileRequest/Response
    order_request       the OrderRequest we send
    supplier_documents  the ConfirmationRequest and ShipNoticeRequest a supplier sends about it
    invoice_detail      the InvoiceDetailRequest: a supplier's invoice or credit memo
    any_document        parse_document: any of the above by its type
"""

from .any_document import KNOWN_DOCUMENT_TYPES, PUNCHOUT_DOCUMENT_TYPES, Document, OrderDocument, parse_document
from .elements import (
    Address,
    Classification,
    Contact,
    Credential,
    Header,
    ItemIn,
    ItemOut,
    LineItem,
    Money,
    PriceBasisQuantity,
    Status,
    Tax,
    TaxDetail,
)
from .envelope import (
    CXML_VERSION,
    DOCTYPE,
    Response,
    build_response,
    credential_matches,
    document_type,
    error_response,
    new_payload_id,
    parse_response,
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
)
from .invoice_detail import (
    InvoiceDetailHeaderOrder,
    InvoiceDetailLine,
    InvoiceDetailOrder,
    InvoiceDetailRequest,
    InvoiceDetailSummary,
    InvoiceOperation,
    InvoiceOrderReference,
    InvoicePartner,
    InvoicePurpose,
    InvoiceTax,
    InvoiceTaxDetail,
    parse_invoice_detail_request,
)
from .line_items import ItemRow
from .order_request import (
    AccountingSegment,
    Distribution,
    OrderItem,
    OrderRequest,
    OrderType,
    PaymentTerm,
    build_order_request,
    parse_order_request,
)
from .profile import (
    ProfileRequest,
    ProfileResponse,
    ProfileTransaction,
    build_profile_request,
    build_profile_response,
    parse_profile_request,
    parse_profile_response,
)
from .punchout import (
    PunchOutOperation,
    PunchOutOrderCart,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    PunchOutSetupResponse,
    build_punchout_order_message,
    build_punchout_setup_request,
    build_punchout_setup_response,
    extract_cxml_from_form,
    parse_punchout_order_cart,
    parse_punchout_order_message,
    parse_punchout_setup_request,
    parse_punchout_setup_response,
)
from .supplier_documents import (
    ConfirmationItem,
    ConfirmationLineStatus,
    ConfirmationOperation,
    ConfirmationRequest,
    ConfirmationStatusType,
    ConfirmationType,
    ShipNoticeLine,
    ShipNoticeOperation,
    ShipNoticePortion,
    ShipNoticeRequest,
    parse_confirmation_request,
    parse_ship_notice_request,
)
from .values import format_decimal, format_timestamp, parse_timestamp

__all__ = [
    "CXML_VERSION",
    "DOCTYPE",
    "KNOWN_DOCUMENT_TYPES",
    "PUNCHOUT_DOCUMENT_TYPES",
    "AccountingSegment",
    "Address",
    "AuthenticationFailed",
    "CXMLError",
    "Classification",
    "ConfirmationItem",
    "ConfirmationLineStatus",
    "ConfirmationOperation",
    "ConfirmationRequest",
    "ConfirmationStatusType",
    "ConfirmationType",
    "Contact",
    "Credential",
    "Distribution",
    "Document",
    "DocumentTooLarge",
    "EntityNotAllowed",
    "Header",
    "InvalidDocument",
    "InvoiceDetailHeaderOrder",
    "InvoiceDetailLine",
    "InvoiceDetailOrder",
    "InvoiceDetailRequest",
    "InvoiceDetailSummary",
    "InvoiceOperation",
    "InvoiceOrderReference",
    "InvoicePartner",
    "InvoicePurpose",
    "InvoiceTax",
    "InvoiceTaxDetail",
    "ItemIn",
    "ItemOut",
    "ItemRow",
    "LineItem",
    "MalformedDocument",
    "Money",
    "NotAPunchoutDocument",
    "NotImplementedRequest",
    "OrderDocument",
    "OrderItem",
    "OrderRequest",
    "OrderType",
    "PaymentTerm",
    "PreconditionFailed",
    "PriceBasisQuantity",
    "ProfileRequest",
    "ProfileResponse",
    "ProfileTransaction",
    "PunchOutOperation",
    "PunchOutOrderCart",
    "PunchOutOrderMessage",
    "PunchOutSetupRequest",
    "PunchOutSetupResponse",
    "Response",
    "SecretInBrowser",
    "ShipNoticeLine",
    "ShipNoticeOperation",
    "ShipNoticePortion",
    "ShipNoticeRequest",
    "Status",
    "Tax",
    "TaxDetail",
    "UnexpectedDocument",
    "build_order_request",
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
    "parse_confirmation_request",
    "parse_document",
    "parse_invoice_detail_request",
    "parse_order_request",
    "parse_profile_request",
    "parse_profile_response",
    "parse_punchout_order_cart",
    "parse_punchout_order_message",
    "parse_punchout_setup_request",
    "parse_punchout_setup_response",
    "parse_response",
    "parse_ship_notice_request",
    "parse_timestamp",
]
