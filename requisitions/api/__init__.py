"""REST API of requisitions, by subdomain: carts and their lines, lifecycle actions, quick order, saved lists.

api_urls.py and other modules import the views from here.
"""

from .carts import (
    MoveLinesView,
    RequisitionDetailView,
    RequisitionLineDetailView,
    RequisitionLinesView,
    RequisitionListView,
    catalog_item_by_sku,
    cost_centre_by_code,
    employee_by_username,
    requisition_response,
)
from .lifecycle import CopyView, EventsView, MergeView, action_view
from .quick_order import ImportJobView, QuickAddView, UploadView
from .saved_lists import (
    LIST_PREFETCH,
    RequisitionListCartView,
    RequisitionListDetailView,
    RequisitionListsView,
    list_response,
    visible_list,
)

__all__ = [
    "LIST_PREFETCH",
    "CopyView",
    "EventsView",
    "ImportJobView",
    "MergeView",
    "MoveLinesView",
    "QuickAddView",
    "RequisitionDetailView",
    "RequisitionLineDetailView",
    "RequisitionLinesView",
    "RequisitionListCartView",
    "RequisitionListDetailView",
    "RequisitionListView",
    "RequisitionListsView",
    "UploadView",
    "action_view",
    "catalog_item_by_sku",
    "cost_centre_by_code",
    "employee_by_username",
    "list_response",
    "requisition_response",
    "visible_list",
]
