from django.urls import path

from . import api

urlpatterns = [
    path("claims/", api.ClaimListView.as_view(), name="api-claims"),
    path("claims/<int:pk>/", api.ClaimDetailView.as_view(), name="api-claim"),
    path("claims/<int:pk>/close/", api.ClaimCloseView.as_view(), name="api-claim-close"),
    path("suppliers/<str:code>/scorecard/", api.SupplierScorecardView.as_view(), name="api-supplier-scorecard"),
]
