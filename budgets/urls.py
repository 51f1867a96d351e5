"""Pages of budgets."""

from django.urls import path

from . import views

app_name = "budgets"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("import/", views.import_plan, name="import"),
    path("journal/", views.journal, name="journal"),
    path("<int:pk>/", views.detail, name="detail"),
]
