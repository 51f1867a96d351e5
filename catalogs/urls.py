"""Pages of catalogs."""

from django.urls import path

from . import views

app_name = "catalogs"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("template.csv", views.template_csv, name="template"),
    path("uploads/<int:pk>/", views.detail, name="detail"),
    path("uploads/<int:pk>/publish/", views.publish, name="publish"),
    path("uploads/<int:pk>/reject/", views.reject, name="reject"),
    path("uploads/<int:pk>/check-again/", views.check_again, name="check-again"),
]
