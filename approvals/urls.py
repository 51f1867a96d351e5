"""Pages of the approvals app; its issue fills them in."""

from django.urls import URLPattern, URLResolver

app_name = "approvals"
urlpatterns: list[URLPattern | URLResolver] = []
