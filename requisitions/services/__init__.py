"""Writes of requisitions, by subdomain. Each service owns its transaction, locks the requisition it changes and
records what it did as a RequisitionEvent in the same transaction.

- lifecycle: the status moves and requisitions' own part of submit, withdraw and cancel (the whole path,
  with the steps of budgets, approvals and orders, is p2p/submit_to_order.py), the change-log recorder
- carts: open a cart, change its header, copy, move lines between carts, merge
- lines: catalog, typed, external (punchout, ERP) lines; line changes, splits, removal
- line_rules: the rules every line keeps (quantities, typed prices, cost centres, which lines combine)
- quick_add: SKUs typed or pasted; imports: uploaded quick orders run by a worker
- lists: requisition lists; shared: row lock, who may change, the event row, the totals
"""

from .carts import (
    EDITABLE_FIELDS,
    requisition_copy,
    requisition_create,
    requisition_lines_move,
    requisition_merge,
    requisition_update,
)
from .imports import IMPORT_CHUNK, import_job_create, import_job_errors_grouped, import_job_process
from .lifecycle import (
    requisition_budget_exception_set,
    requisition_event_record,
    requisition_mark_cancelled,
    requisition_mark_submitted,
    requisition_mark_withdrawn,
    requisition_status_move,
    requisition_submit_check,
)
from .line_rules import COMBINABLE_SOURCES, MAX_LEAD_TIME_DAYS, catalog_quantity_check, combine_key
from .lines import (
    CatalogPick,
    SplitSpec,
    requisition_line_add_free_text,
    requisition_line_add_quoted,
    requisition_line_splits_set,
    requisition_line_update,
    requisition_lines_add_external,
    requisition_lines_add_from_catalog,
    requisition_lines_remove,
    requisition_lines_replace_external,
)
from .lists import (
    ListItemSpec,
    list_item_quantity_check,
    requisition_create_from_list,
    requisition_list_create,
    requisition_list_create_from_items,
    requisition_list_delete,
    requisition_list_update,
)
from .quick_add import NOTHING_TO_READ, QuickAddResult, quick_order_resolve, requisition_quick_add
from .shared import LINE_BATCH

__all__ = [
    "COMBINABLE_SOURCES",
    "EDITABLE_FIELDS",
    "IMPORT_CHUNK",
    "LINE_BATCH",
    "MAX_LEAD_TIME_DAYS",
    "NOTHING_TO_READ",
    "CatalogPick",
    "ListItemSpec",
    "QuickAddResult",
    "SplitSpec",
    "catalog_quantity_check",
    "combine_key",
    "import_job_create",
    "import_job_errors_grouped",
    "import_job_process",
    "list_item_quantity_check",
    "quick_order_resolve",
    "requisition_budget_exception_set",
    "requisition_copy",
    "requisition_create",
    "requisition_create_from_list",
    "requisition_event_record",
    "requisition_line_add_free_text",
    "requisition_line_add_quoted",
    "requisition_line_splits_set",
    "requisition_line_update",
    "requisition_lines_add_external",
    "requisition_lines_add_from_catalog",
    "requisition_lines_move",
    "requisition_lines_remove",
    "requisition_lines_replace_external",
    "requisition_list_create",
    "requisition_list_create_from_items",
    "requisition_list_delete",
    "requisition_list_update",
    "requisition_mark_cancelled",
    "requisition_mark_submitted",
    "requisition_mark_withdrawn",
    "requisition_merge",
    "requisition_quick_add",
    "requisition_status_move",
    "requisition_submit_check",
    "requisition_update",
]
