"""Pages of analytics."""

from django.urls import path

from . import spend_views, views

app_name = "analytics"
urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/delete/", views.report_delete, name="report-delete"),
    path("spend/", spend_views.spend, name="spend"),
    path("spend/lines/", spend_views.spend_lines_page, name="spend-lines"),
]
