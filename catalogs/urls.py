"""Pages of catalogs."""

from django.urls import path

from . import views

app_name = "catalogs"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("template.csv", views.template_csv, name="template"),
    path("supplier-links/", views.supplier_link, name="supplier-link"),
    path("supplier/<str:token>/", views.supplier_upload, name="supplier-upload"),
    path("uploads/<int:pk>/", views.detail, name="detail"),
    path("uploads/<int:pk>/publish/", views.publish, name="publish"),
    path("uploads/<int:pk>/reject/", views.reject, name="reject"),
    path("uploads/<int:pk>/check-again/", views.check_again, name="check-again"),
]
