from django.urls import path

from . import api

urlpatterns = [
    path("requisitions/<int:pk>/approval-chain/", api.ApprovalChainView.as_view(), name="api-approval-chain"),
]
