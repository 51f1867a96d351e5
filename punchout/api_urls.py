from django.urls import path

from . import api

urlpatterns = [
    # punchout/sessions/ (api-punchout-sessions) is requisitions' (requisitions/punchout_urls.py)
    path("punchout/connections/", api.ConnectionListView.as_view(), name="api-punchout-connections"),
]
