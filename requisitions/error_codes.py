"""The `code` values the API answers for requisitions, their lines, carts, quick order and saved lists.

They are a contract with integrators: add members, never rename or drop one. A test checks that every
error raised here carries one of them."""

from enum import StrEnum


class RequisitionErrorCode(StrEnum):
    REQUISITION_ERROR = "requisition_error"
    NOT_EDITABLE = "not_editable"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    NOT_FOUND = "not_found"
    NOT_REQUESTER = "not_requester"
    SUBMISSION_INVALID = "submission_invalid"
    INVALID = "invalid"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_PRICE = "invalid_price"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_COST_CENTRE = "invalid_cost_centre"
    INVALID_ON_BEHALF_OF = "invalid_on_behalf_of"
    NOT_A_MEMBER = "not_a_member"
    INVALID_SHIP_TO = "invalid_ship_to"
    INVALID_SUPPLIER_NOTE = "invalid_supplier_note"
    NOT_IN_CATALOG = "not_in_catalog"
    INVALID_UNIT = "invalid_unit"
    INVALID_LEAD_TIME = "invalid_lead_time"
    INVALID_SPLIT = "invalid_split"
    SAME_CART = "same_cart"
    OTHER_LEGAL_ENTITY = "other_legal_entity"
    NOTHING_TO_MERGE = "nothing_to_merge"
    NOTHING_TO_READ = "nothing_to_read"
    UNKNOWN_ITEM = "unknown_item"
    FILE_TOO_LARGE = "file_too_large"
    UNKNOWN_SUPPLIER = "unknown_supplier"
    UNKNOWN_SKU = "unknown_sku"
    AMBIGUOUS_SKU = "ambiguous_sku"
    INVALID_QUICK_ORDER = "invalid_quick_order"
    NOT_A_CART = "not_a_cart"
    # Punchout from a cart (requisitions/punchout_carts.py, punchout_api.py): the supplier has no connection,
    # or the shop's returned cart cannot be read or stored.
    NO_CONNECTION = "no_connection"
    BAD_CART = "bad_cart"
    # The shop-side cart of an ERP's punch-in goes back to the ERP; it is never submitted here.
    PUNCHIN_CART = "punchin_cart"
