from django.urls import path

from . import api

urlpatterns = [
    path("requisitions/", api.RequisitionListView.as_view(), name="api-requisitions"),
    path("requisitions/<int:pk>/", api.RequisitionDetailView.as_view(), name="api-requisition"),
    path("requisitions/<int:pk>/lines/", api.RequisitionLinesView.as_view(), name="api-requisition-lines"),
    path("requisitions/<int:pk>/lines/move/", api.MoveLinesView.as_view(), name="api-requisition-lines-move"),
    path(
        "requisitions/<int:pk>/lines/<int:line_id>/",
        api.RequisitionLineDetailView.as_view(),
        name="api-requisition-line",
    ),
    path("requisitions/<int:pk>/quick-add/", api.QuickAddView.as_view(), name="api-requisition-quick-add"),
    path("requisitions/<int:pk>/upload/", api.UploadView.as_view(), name="api-requisition-upload"),
    path("requisitions/<int:pk>/submit/", api.action_view("submit").as_view(), name="api-requisition-submit"),
    path("requisitions/<int:pk>/withdraw/", api.action_view("withdraw").as_view(), name="api-requisition-withdraw"),
    path("requisitions/<int:pk>/cancel/", api.action_view("cancel").as_view(), name="api-requisition-cancel"),
    path("requisitions/<int:pk>/copy/", api.CopyView.as_view(), name="api-requisition-copy"),
    path("requisitions/<int:pk>/merge/", api.MergeView.as_view(), name="api-requisition-merge"),
    path("requisitions/<int:pk>/events/", api.EventsView.as_view(), name="api-requisition-events"),
    path("imports/<int:job_id>/", api.ImportJobView.as_view(), name="api-import"),
    path("requisition-lists/", api.RequisitionListsView.as_view(), name="api-requisition-lists"),
    path("requisition-lists/<int:list_id>/", api.RequisitionListDetailView.as_view(), name="api-requisition-list"),
    path(
        "requisition-lists/<int:list_id>/cart/", api.RequisitionListCartView.as_view(), name="api-requisition-list-cart"
    ),
]
