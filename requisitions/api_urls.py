from django.urls import path

from .api import carts, lifecycle, quick_order, saved_lists

urlpatterns = [
    path("requisitions/", carts.RequisitionListView.as_view(), name="api-requisitions"),
    path("requisitions/<int:pk>/", carts.RequisitionDetailView.as_view(), name="api-requisition"),
    path("requisitions/<int:pk>/lines/", carts.RequisitionLinesView.as_view(), name="api-requisition-lines"),
    path("requisitions/<int:pk>/lines/move/", carts.MoveLinesView.as_view(), name="api-requisition-lines-move"),
    path(
        "requisitions/<int:pk>/lines/<int:line_id>/",
        carts.RequisitionLineDetailView.as_view(),
        name="api-requisition-line",
    ),
    path("requisitions/<int:pk>/quick-add/", quick_order.QuickAddView.as_view(), name="api-requisition-quick-add"),
    path("requisitions/<int:pk>/upload/", quick_order.UploadView.as_view(), name="api-requisition-upload"),
    path("requisitions/<int:pk>/submit/", lifecycle.action_view("submit").as_view(), name="api-requisition-submit"),
    path(
        "requisitions/<int:pk>/withdraw/", lifecycle.action_view("withdraw").as_view(), name="api-requisition-withdraw"
    ),
    path("requisitions/<int:pk>/cancel/", lifecycle.action_view("cancel").as_view(), name="api-requisition-cancel"),
    path("requisitions/<int:pk>/copy/", lifecycle.CopyView.as_view(), name="api-requisition-copy"),
    path("requisitions/<int:pk>/merge/", lifecycle.MergeView.as_view(), name="api-requisition-merge"),
    path("requisitions/<int:pk>/events/", lifecycle.EventsView.as_view(), name="api-requisition-events"),
    path("imports/<int:job_id>/", quick_order.ImportJobView.as_view(), name="api-import"),
    path("requisition-lists/", saved_lists.RequisitionListsView.as_view(), name="api-requisition-lists"),
    path(
        "requisition-lists/<int:list_id>/", saved_lists.RequisitionListDetailView.as_view(), name="api-requisition-list"
    ),
    path(
        "requisition-lists/<int:list_id>/cart/",
        saved_lists.RequisitionListCartView.as_view(),
        name="api-requisition-list-cart",
    ),
]
