from django.urls import path

from . import api

# POST on `invoices/` (a typed invoice) and `invoices/upload/` are the intake's views (invoices.ingestion).
urlpatterns = [
    path("invoices/", api.InvoiceListView.as_view(), name="api-invoices"),
    path("invoices/<int:pk>/", api.InvoiceDetailView.as_view(), name="api-invoice"),
    path("invoices/<int:pk>/paid/", api.InvoicePaidView.as_view(), name="api-invoice-paid"),
]
