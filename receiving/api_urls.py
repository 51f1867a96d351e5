from django.urls import path

from . import api

urlpatterns = [
    path("purchase-orders/<int:pk>/receipts/", api.OrderReceiptsView.as_view(), name="api-purchase-order-receipts"),
    path("receipts/", api.ReceiptListView.as_view(), name="api-receipts"),
    path("receipts/<int:pk>/", api.ReceiptDetailView.as_view(), name="api-receipt"),
    path("receipts/<int:pk>/reverse/", api.ReceiptReverseView.as_view(), name="api-receipt-reverse"),
]
