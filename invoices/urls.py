from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("upload/", views.invoice_upload, name="upload"),
    path("new/", views.invoice_type, name="new"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
    path("<int:pk>/files/<int:attachment>/", views.invoice_attachment, name="attachment"),
]
