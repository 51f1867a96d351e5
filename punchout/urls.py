"""Pages of the punchout app."""

from django.urls import path

from . import views

app_name = "punchout"
urlpatterns = [
    path("start/", views.start, name="start"),
    path("callup/<str:start_token>/", views.callup, name="callup"),
    path("return/<str:token>/", views.return_cart, name="return"),
]
