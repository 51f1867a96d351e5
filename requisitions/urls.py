"""Pages of requisitions."""

from django.urls import path

from .views import carts, lifecycle, quick_order, saved_lists

app_name = "requisitions"
urlpatterns = [
    path("", carts.index, name="index"),
    path("new/", carts.create, name="create"),
    path("add-from-catalog/", carts.add_from_catalog, name="add-from-catalog"),
    path("choose/", carts.choose, name="choose"),
    path("lists/", saved_lists.lists, name="lists"),
    path("lists/<int:list_id>/edit/", saved_lists.list_edit, name="list-edit"),
    path("lists/<int:list_id>/<str:name>/", saved_lists.list_action, name="list-action"),
    path("imports/<int:job_id>/", quick_order.import_job, name="import-job"),
    path("<int:pk>/", carts.detail, name="detail"),
    path("<int:pk>/save/", carts.update, name="update"),
    path("<int:pk>/free-text/", carts.add_free_text, name="free-text"),
    path("<int:pk>/lines/<int:line_id>/split/", carts.split, name="split"),
    path("<int:pk>/import/", quick_order.import_page, name="import"),
    path("<int:pk>/<str:name>/", lifecycle.action, name="action"),
]
