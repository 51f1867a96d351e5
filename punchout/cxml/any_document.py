"""Any cXML document this system reads, by its type: `parse_document` and the table of readers behind it.
No Django here.

The one place that knows every document module (punchout, profile, order request, supplier documents,
invoice detail),
so none of them imports another to be found.
"""

from __future__ import annotations

from collections.abc import Callable

from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .envelope import Response, document_parts, parse_root, read_response
from .errors import NotAPunchoutDocument, NotImplementedRequest
from .invoice_detail import InvoiceDetailRequest, read_invoice_detail_request
from .order_request import OrderRequest, read_order_request
from .profile import ProfileRequest, ProfileResponse, read_profile_request, read_profile_response
from .punchout import (
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    PunchOutSetupResponse,
    read_punchout_order_cart,
    read_punchout_order_message,
    read_punchout_setup_request,
    read_punchout_setup_response,
)
from .supplier_documents import (
    ConfirmationRequest,
    ShipNoticeRequest,
    read_confirmation_request,
    read_ship_notice_request,
)
from .values import article

__all__ = ["KNOWN_DOCUMENT_TYPES", "PUNCHOUT_DOCUMENT_TYPES", "Document", "OrderDocument", "parse_document"]

Document = (
    PunchOutSetupRequest | PunchOutSetupResponse | PunchOutOrderMessage | ProfileRequest | ProfileResponse | Response
)
OrderDocument = OrderRequest | ConfirmationRequest | ShipNoticeRequest | InvoiceDetailRequest

# The document types of cXML (requests, messages, responses, and catalog documents with their own
# root). Those without a registered parser are answered 406 "not a punchout document".
KNOWN_DOCUMENT_TYPES = frozenset(
    {
        "AuthRequest",
        "CatalogUploadRequest",
        "ConfirmationRequest",
        "Contract",
        "CopyRequest",
        "DataRequest",
        "GetPendingRequest",
        "Index",
        "InvoiceDetailRequest",
        "MasterAgreementRequest",
        "OrderRequest",
        "OrderStatusRequest",
        "OrganizationDataRequest",
        "PaymentRemittanceRequest",
        "PaymentRemittanceStatusUpdateRequest",
        "ProductActivityMessage",
        "ProfileRequest",
        "ProfileResponse",
        "ProviderDoneMessage",
        "ProviderSetupRequest",
        "PunchOutOrderMessage",
        "PunchOutSetupRequest",
        "PunchOutSetupResponse",
        "PurchaseRequisitionRequest",
        "QuoteMessage",
        "QuoteRequest",
        "ReceiptRequest",
        "Response",
        "ServiceEntryRequest",
        "ShipNoticeRequest",
        "StatusUpdateRequest",
        "SubscriptionChangeMessage",
        "SubscriptionContentRequest",
        "SubscriptionListRequest",
        "Supplier",
        "SupplierChangeMessage",
        "SupplierDataRequest",
        "SupplierListRequest",
    }
)

PUNCHOUT_DOCUMENT_TYPES = frozenset(
    {
        "PunchOutSetupRequest",
        "PunchOutSetupResponse",
        "PunchOutOrderMessage",
        "ProfileRequest",
        "ProfileResponse",
        "Response",
    }
)

# The reader of each document type: it gets the root element, the document's element (None for a bare
# Response) and the Request/Message/Response around it.
_READERS: dict[str, Callable[..., Document | OrderDocument]] = {
    "PunchOutSetupRequest": read_punchout_setup_request,
    "PunchOutOrderMessage": read_punchout_order_message,
    "PunchOutSetupResponse": read_punchout_setup_response,
    "Response": read_response,
    "ProfileRequest": read_profile_request,
    "ProfileResponse": read_profile_response,
    "OrderRequest": read_order_request,
    "ConfirmationRequest": read_confirmation_request,
    "ShipNoticeRequest": read_ship_notice_request,
    "InvoiceDetailRequest": read_invoice_detail_request,
}


def parse_document(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document | OrderDocument:
    """Parse any punchout, profile, order or supplier document into its dataclass.

    Raises a `CXMLError`: 400 unreadable or missing a required part, 413 too large, 406 a cXML document
    this system does not read (StatusUpdateRequest, QuoteMessage …), 450 an unknown request.
    """
    root = parse_root(data, max_bytes)
    kind, body, wrapper = document_parts(root)
    reader = _READERS.get(kind)
    if reader is None:
        if kind in KNOWN_DOCUMENT_TYPES:
            raise NotAPunchoutDocument(f"{article(kind)} {kind} is not a punchout document", document_type=kind)
        raise NotImplementedRequest(f"{kind} is not a cXML document this system implements")
    if kind == "PunchOutOrderMessage" and body is not None and wrapper is not None:
        # With the document's bytes, so that a cart's plain lines are read from their text.
        return read_punchout_order_cart(root, body, wrapper, bytes(data)).message()
    return reader(root, body, wrapper)
