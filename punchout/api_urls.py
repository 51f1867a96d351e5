from django.urls import path

from . import api

urlpatterns = [
    path("punchout/sessions/", api.SessionListView.as_view(), name="api-punchout-sessions"),
    path("punchout/connections/", api.ConnectionListView.as_view(), name="api-punchout-connections"),
]
