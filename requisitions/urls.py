"""Pages of the requisitions app; its issue fills them in."""

from django.urls import URLPattern, URLResolver

app_name = "requisitions"
urlpatterns: list[URLPattern | URLResolver] = []
