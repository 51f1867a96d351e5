"""Pages and protocol endpoints of the punchout app.

`procurement/urls.py` mounts them in the `punchout` namespace together with requisitions' punchout pages
(`requisitions/punchout_urls.py`: start, return and the punch-in's start, transfer and leave)."""

from django.urls import path

from . import views

app_name = "punchout"
urlpatterns = [
    # Outbound: our users shop at suppliers
    path("callup/<str:start_token>/", views.callup, name="callup"),
    # Inbound: ERPs set up a punch-in (their users then shop here)
    path("cxml/setup/", views.cxml_setup, name="cxml-setup"),
    path("oci/", views.oci_callup, name="oci"),
]
