from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from identity import org_import_urls
from identity import views as identity_views
from invoices.intake_views import cxml_inbound
from p2p import metrics
from p2p import urls as p2p_urls
from punchout import urls as punchout_urls
from requisitions import punchout_urls as requisition_punchout_urls

from . import api, audit_api, audit_views, health, profile, token_views, two_factor, views

api_v1 = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("tokens/", token_views.ApiTokenListView.as_view(), name="api-tokens"),
    path("tokens/<int:pk>/", token_views.ApiTokenDetailView.as_view(), name="api-token-detail"),
    path("legal-entities/", api.LegalEntityListView.as_view(), name="api-legal-entities"),
    path("catalog/items/", api.CatalogItemListView.as_view(), name="api-catalog-items"),
    path("suppliers/", api.SupplierListView.as_view(), name="api-suppliers"),
    path("suppliers/<str:code>/", api.SupplierDetailView.as_view(), name="api-supplier"),
    path("audit/events/", audit_api.AuditEventListView.as_view(), name="api-audit-events"),
    path("audit/events.csv", audit_api.AuditEventExportView.as_view(), name="api-audit-events-csv"),
]

urlpatterns = [
    # The home page per role reads across every app: p2p, at the top, has it.
    path("", include(p2p_urls.urlpatterns)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("catalog/", views.catalog, name="catalog"),
    path("legal-entity/", views.legal_entity_switch, name="legal-entity-switch"),
    path("profile/", profile.profile, name="profile"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("profile/tokens/", token_views.tokens_page, name="profile-tokens"),
    path("profile/tokens/<int:pk>/revoke/", token_views.token_revoke, name="profile-token-revoke"),
    # The language switch of pages before logging in (POST language=fr, next=…): Django's set_language.
    path("i18n/", include("django.conf.urls.i18n")),
    # The login page offers single sign-on beside the password; logout ends the provider's session too (identity).
    path("login/", identity_views.LoginView.as_view(), name="login"),
    path("logout/", identity_views.LogoutView.as_view(), name="logout"),
    path("sso/", include("identity.urls")),
    # SCIM 2.0 provisioning (Entra ID, Okta): a machine endpoint with its own bearer tokens (identity.scim).
    path("scim/v2/", include("identity.scim.urls")),
    path("organisation/import/", include((org_import_urls.urlpatterns, "org-import"))),
    path("two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path("requisitions/", include("requisitions.urls")),
    path("approvals/", include("approvals.urls")),
    path("budgets/", include("budgets.urls")),
    # One namespace, two apps: punchout's protocol pages and requisitions' pages that fill a cart from a punchout.
    path("punchout/", include((punchout_urls.urlpatterns + requisition_punchout_urls.urlpatterns, "punchout"))),
    path("purchase-orders/", include("orders.urls")),
    path("receiving/", include("receiving.urls")),
    path("invoices/", include("invoices.urls")),
    path("notifications/", include("notifications.urls")),
    path("sourcing/", include("sourcing.urls")),
    path("contracts/", include("contracts.urls")),
    path("analytics/", include("analytics.urls")),
    path("claims/", include("claims.urls")),
    path("catalogs/", include("catalogs.urls")),
    # Every supplier document: invoices are taken by invoices, confirmations and ship notices handed to orders.
    path("cxml/inbound/", cxml_inbound, name="cxml-inbound"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/v1/", include("requisitions.api_urls")),
    path("api/v1/", include("approvals.api_urls")),
    path("api/v1/", include("budgets.api_urls")),
    path("api/v1/", include(requisition_punchout_urls.api_urlpatterns)),
    path("api/v1/", include("punchout.api_urls")),
    path("api/v1/", include("orders.api_urls")),
    path("api/v1/", include("receiving.api_urls")),
    path("api/v1/", include("invoices.api_urls")),
    path("api/v1/", include("notifications.api_urls")),
    path("api/v1/", include("sourcing.api_urls")),
    path("api/v1/", include("contracts.api_urls")),
    path("api/v1/", include("analytics.api_urls")),
    path("api/v1/", include("claims.api_urls")),
    path("api/v1/", include("catalogs.api_urls")),
    path("api/v1/", include(p2p_urls.api_urlpatterns)),
    path("api/v1/", include(org_import_urls.api_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script from /api/docs/?script instead of inline, our template its
    # stylesheet from a file; swagger-ui's stylesheet draws its icons as data: images, which only this page allows.
    path(
        "api/docs/",
        csp_override(settings.SECURE_CSP | {"img-src": ["'self'", "data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")
        ),
        name="api-docs",
    ),
]

handler404 = "procurement.views.page_not_found"
handler500 = "procurement.views.server_error"

if settings.DEMO_SUPPLIER_ENDPOINT:
    from orders.demo_supplier import demo_supplier_orders

    urlpatterns.append(path("cxml/demo-supplier/", demo_supplier_orders, name="demo-supplier"))
