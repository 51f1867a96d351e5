"""API of sourcing."""

from django.urls import path

from . import api

urlpatterns = [
    path("rfqs/", api.RFQListView.as_view(), name="api-rfqs"),
    path("rfqs/<int:pk>/", api.RFQDetailView.as_view(), name="api-rfq"),
    path("rfqs/<int:pk>/send/", api.RFQSendView.as_view(), name="api-rfq-send"),
    path("rfqs/<int:pk>/scores/", api.RFQScoresView.as_view(), name="api-rfq-scores"),
    path("rfqs/<int:pk>/award/", api.RFQAwardView.as_view(), name="api-rfq-award"),
]
