"""Pages of contracts."""

from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
]
