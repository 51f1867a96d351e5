"""Pages of the punchout app; its issue fills them in."""

from django.urls import URLPattern, URLResolver

app_name = "punchout"
urlpatterns: list[URLPattern | URLResolver] = []
