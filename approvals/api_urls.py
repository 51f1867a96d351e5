from django.urls import path

from . import api

urlpatterns = [
    path("requisitions/<int:pk>/approval-chain/", api.ApprovalChainView.as_view(), name="api-approval-chain"),
    path("approvals/inbox/", api.InboxView.as_view(), name="api-approval-inbox"),
    path("approvals/tasks/<int:task_id>/approve/", api.decision_view("approve").as_view(), name="api-approve"),
    path("approvals/tasks/<int:task_id>/reject/", api.decision_view("reject").as_view(), name="api-reject"),
    path("approvals/tasks/<int:task_id>/return/", api.decision_view("return").as_view(), name="api-return"),
]
