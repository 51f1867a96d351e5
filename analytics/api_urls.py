from django.urls import path

from . import api

urlpatterns = [
    path("scheduled-reports/", api.ScheduledReportListView.as_view(), name="api-scheduled-reports"),
    path("scheduled-reports/<int:pk>/", api.ScheduledReportDetailView.as_view(), name="api-scheduled-report"),
]
