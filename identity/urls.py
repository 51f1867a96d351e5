from django.urls import path

from . import saml_views, views

app_name = "identity"

urlpatterns = [
    path("start/", views.sso_start, name="sso-start"),
    path("oidc/<slug:slug>/login/", views.oidc_login, name="oidc-login"),
    path("oidc/<slug:slug>/callback/", views.oidc_callback, name="oidc-callback"),
    path("oidc/<slug:slug>/backchannel-logout/", views.oidc_backchannel_logout, name="oidc-backchannel-logout"),
    path("saml/<slug:slug>/login/", saml_views.saml_login, name="saml-login"),
    path("saml/<slug:slug>/acs/", saml_views.saml_acs, name="saml-acs"),
    path("saml/<slug:slug>/finish/", saml_views.saml_finish, name="saml-finish"),
    path("saml/<slug:slug>/metadata/", saml_views.saml_metadata, name="saml-metadata"),
    path("saml/<slug:slug>/sls/", saml_views.saml_sls, name="saml-sls"),
]
