from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("start/", views.sso_start, name="sso-start"),
    path("oidc/<slug:slug>/login/", views.oidc_login, name="oidc-login"),
    path("oidc/<slug:slug>/callback/", views.oidc_callback, name="oidc-callback"),
    path("oidc/<slug:slug>/backchannel-logout/", views.oidc_backchannel_logout, name="oidc-backchannel-logout"),
]
