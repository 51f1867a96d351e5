"""API of catalogs."""

from django.urls import path

from . import api

urlpatterns = [
    path("catalogs/uploads/", api.UploadsView.as_view(), name="api-catalog-uploads"),
    path("catalogs/uploads/<int:pk>/", api.UploadDetailView.as_view(), name="api-catalog-upload"),
    path("catalogs/uploads/<int:pk>/lines/", api.UploadLinesView.as_view(), name="api-catalog-upload-lines"),
    path("catalogs/uploads/<int:pk>/publish/", api.UploadPublishView.as_view(), name="api-catalog-upload-publish"),
    path("catalogs/uploads/<int:pk>/reject/", api.UploadRejectView.as_view(), name="api-catalog-upload-reject"),
]
