"""Pages of goods receipts."""

from django.urls import path

from . import views

app_name = "receiving"
urlpatterns = [
    path("", views.index, name="index"),
    path("orders/<int:pk>/", views.receive, name="receive"),
    path("receipts/<int:pk>/", views.detail, name="detail"),
    path("receipts/<int:pk>/reverse/", views.reverse, name="reverse"),
]
