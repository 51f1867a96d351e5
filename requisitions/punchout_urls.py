"""Requisitions' punchout pages and API, mounted by `procurement/urls.py` beside punchout's own: the pages in the
`punchout` URL namespace under /punchout/, the API under /api/v1/ (URLs and names as they always were)."""

from django.urls import path

from . import punchin_views, punchout_api, punchout_views

urlpatterns = [
    # Outbound: our users shop at suppliers
    path("start/", punchout_views.start, name="start"),
    path("return/<str:token>/", punchout_views.return_cart, name="return"),
    # Inbound: the browser of an ERP's punch-in shops into a cart of ours
    path("inbound/start/<str:token>/", punchin_views.inbound_start, name="inbound-start"),
    path("inbound/transfer/", punchin_views.inbound_transfer, name="inbound-transfer"),
    path("inbound/leave/", punchin_views.inbound_leave, name="inbound-leave"),
]

api_urlpatterns = [
    path("punchout/sessions/", punchout_api.SessionListView.as_view(), name="api-punchout-sessions"),
]
