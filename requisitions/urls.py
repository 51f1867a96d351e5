"""Pages of requisitions."""

from django.urls import path

from . import views

app_name = "requisitions"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("add-from-catalog/", views.add_from_catalog, name="add-from-catalog"),
    path("choose/", views.choose, name="choose"),
    path("lists/", views.lists, name="lists"),
    path("lists/<int:list_id>/edit/", views.list_edit, name="list-edit"),
    path("lists/<int:list_id>/<str:name>/", views.list_action, name="list-action"),
    path("imports/<int:job_id>/", views.import_job, name="import-job"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/save/", views.update, name="update"),
    path("<int:pk>/free-text/", views.add_free_text, name="free-text"),
    path("<int:pk>/lines/<int:line_id>/split/", views.split, name="split"),
    path("<int:pk>/import/", views.import_page, name="import"),
    path("<int:pk>/<str:name>/", views.action, name="action"),
]
