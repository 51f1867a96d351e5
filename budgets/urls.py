"""Pages of budgets."""

from django.urls import path

from . import views

app_name = "budgets"
urlpatterns = [path("", views.overview, name="overview")]
