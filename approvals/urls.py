"""Pages of approvals."""

from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk-approve/", views.bulk_approve, name="bulk-approve"),
    path("away/", views.away, name="away"),
    path("history/", views.history, name="history"),
    path("tasks/<int:task_id>/<str:decision>/", views.decide, name="decide"),
    path("email/<str:token>/", views.email_decision, name="email-decision"),
]
