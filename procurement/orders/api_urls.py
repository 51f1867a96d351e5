from django.urls import path

from . import api

urlpatterns = [
    path("purchase-orders/", api.PurchaseOrderListView.as_view(), name="api-purchase-orders"),
    path("purchase-orders/<int:pk>/", api.PurchaseOrderDetailView.as_view(), name="api-purchase-order"),
]
