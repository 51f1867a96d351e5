from django.urls import path

from . import api, spend_api

urlpatterns = [
    path("scheduled-reports/", api.ScheduledReportListView.as_view(), name="api-scheduled-reports"),
    path("scheduled-reports/<int:pk>/", api.ScheduledReportDetailView.as_view(), name="api-scheduled-report"),
    path("analytics/spend/", spend_api.SpendView.as_view(), name="api-spend"),
    path("analytics/spend/lines/", spend_api.SpendLinesView.as_view(), name="api-spend-lines"),
]
