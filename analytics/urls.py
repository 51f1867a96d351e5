"""Pages of analytics."""

from django.urls import path

from . import cycle_views, spend_views, views

app_name = "analytics"
urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/delete/", views.report_delete, name="report-delete"),
    path("spend/", spend_views.spend, name="spend"),
    path("spend/lines/", spend_views.spend_lines_page, name="spend-lines"),
    path("cycle-times/", cycle_views.cycle_times_page, name="cycle-times"),
    path("approvers/", cycle_views.approvers_page, name="approvers"),
    path("burn-down/", cycle_views.burn_down_page, name="burn-down"),
]
