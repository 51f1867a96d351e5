"""Pages of analytics."""

from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/delete/", views.report_delete, name="report-delete"),
]
