"""Pages of invoices."""

from django.urls import path

from . import intake_views, views

app_name = "invoices"
urlpatterns = [
    path("", views.index, name="index"),
    path("on-hold/", views.on_hold, name="on_hold"),
    path("upload/", intake_views.invoice_upload, name="upload"),
    path("new/", intake_views.invoice_type, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
