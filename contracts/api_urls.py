"""API of contracts."""

from django.urls import path

from . import api

urlpatterns = [
    path("contracts/", api.ContractListView.as_view(), name="api-contracts"),
    path("contracts/<int:pk>/", api.ContractDetailView.as_view(), name="api-contract"),
]
