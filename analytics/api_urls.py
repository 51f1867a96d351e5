from django.urls import path

from . import api, cycle_api, spend_api

urlpatterns = [
    path("scheduled-reports/", api.ScheduledReportListView.as_view(), name="api-scheduled-reports"),
    path("scheduled-reports/<int:pk>/", api.ScheduledReportDetailView.as_view(), name="api-scheduled-report"),
    path("analytics/spend/", spend_api.SpendView.as_view(), name="api-spend"),
    path("analytics/spend/lines/", spend_api.SpendLinesView.as_view(), name="api-spend-lines"),
    path("analytics/cycle-times/", cycle_api.CycleTimesView.as_view(), name="api-analytics-cycle-times"),
    path(
        "analytics/approver-turnaround/",
        cycle_api.ApproverTurnaroundView.as_view(),
        name="api-analytics-approver-turnaround",
    ),
    path("analytics/burn-down/", cycle_api.BurnDownView.as_view(), name="api-analytics-burn-down"),
]
