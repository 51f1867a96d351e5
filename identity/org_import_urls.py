"""The organisation import's pages (mounted at /organisation/import/) and API (under /api/v1/)."""

from django.urls import path

from . import org_import_api, org_import_views

app_name = "org-import"

urlpatterns = [
    path("", org_import_views.index, name="index"),
    path("template.<str:file_format>", org_import_views.template, name="template"),
    path("<int:pk>/", org_import_views.detail, name="detail"),
    path("<int:pk>/apply/", org_import_views.apply, name="apply"),
]

api_urlpatterns = [
    path("org-imports/", org_import_api.OrgImportListView.as_view(), name="api-org-imports"),
    path("org-imports/<int:pk>/", org_import_api.OrgImportDetailView.as_view(), name="api-org-import"),
    path("org-imports/<int:pk>/apply/", org_import_api.OrgImportApplyView.as_view(), name="api-org-import-apply"),
]
