"""Pages of purchase orders."""

from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/<str:name>/", views.action, name="action"),
    path("<int:pk>/<str:name>/confirm/", views.confirm, name="confirm"),
]
