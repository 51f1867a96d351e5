"""Pages and API of p2p, mounted by the composition root (procurement/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("track/<int:pk>/", views.requisition_track, name="requisition-track"),
]

api_urlpatterns = [
    path("home/", views.HomeView.as_view(), name="api-home"),
    path("requisitions/<int:pk>/tracker/", views.RequisitionTrackerView.as_view(), name="api-requisition-tracker"),
]
