from django.urls import path

from . import api

urlpatterns = [
    path("invoices/", api.InvoiceListView.as_view(), name="api-invoices"),
    path("invoices/upload/", api.InvoiceUploadView.as_view(), name="api-invoice-upload"),
    path("invoices/<int:pk>/", api.InvoiceDetailView.as_view(), name="api-invoice"),
    path("invoices/<int:pk>/paid/", api.InvoicePaidView.as_view(), name="api-invoice-paid"),
]
