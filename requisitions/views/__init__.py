"""Pages of requisitions, by subdomain: carts and their lines, lifecycle actions, quick order, saved lists.

urls.py and other modules import the page functions from here.
"""

from ..current_cart import CART_SESSION_KEY, choose_cart, current_cart
from .carts import (
    CART_TYPED_KEY,
    FREE_TEXT_ERROR_FIELDS,
    add_free_text,
    add_from_catalog,
    choose,
    create,
    decimal_or_none,
    detail,
    index,
    split,
    update,
)
from .lifecycle import action
from .quick_order import QUICK_ORDER_TOKENS_KEPT, QUICK_ORDER_TOKENS_KEY, SYNC_PASTE_LINES, import_job, import_page
from .saved_lists import list_action, list_edit, lists

__all__ = [
    "CART_SESSION_KEY",
    "CART_TYPED_KEY",
    "FREE_TEXT_ERROR_FIELDS",
    "QUICK_ORDER_TOKENS_KEPT",
    "QUICK_ORDER_TOKENS_KEY",
    "SYNC_PASTE_LINES",
    "action",
    "add_free_text",
    "add_from_catalog",
    "choose",
    "choose_cart",
    "create",
    "current_cart",
    "decimal_or_none",
    "detail",
    "import_job",
    "import_page",
    "index",
    "list_action",
    "list_edit",
    "lists",
    "split",
    "update",
]
