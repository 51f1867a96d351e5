"""Pages of the budgets app; its issue fills them in."""

from django.urls import URLPattern, URLResolver

app_name = "budgets"
urlpatterns: list[URLPattern | URLResolver] = []
