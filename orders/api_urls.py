from django.urls import path

from . import api

urlpatterns = [
    path("purchase-orders/", api.PurchaseOrderListView.as_view(), name="api-purchase-orders"),
    path("purchase-orders/<int:pk>/", api.PurchaseOrderDetailView.as_view(), name="api-purchase-order"),
    path(
        "purchase-orders/<int:pk>/mark-sent/",
        api.PurchaseOrderMarkSentView.as_view(),
        name="api-purchase-order-mark-sent",
    ),
    path("purchase-orders/<int:pk>/close/", api.PurchaseOrderCloseView.as_view(), name="api-purchase-order-close"),
]
