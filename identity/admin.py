from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from procurement.admin_audit import AuditedModelAdmin
from procurement.events import audit_event_record

from .models import (
    ExternalIdentity,
    GroupRoleMapping,
    IdentityProvider,
    IdentityProviderDomain,
    ScimClient,
    ScimGroup,
    normalise_domain,
)
from .oidc import redirect_uri
from .saml import acs_url, check_idp_certificates, check_idp_metadata, generate_sp_keys, sls_url, sp_entity_id
from .scim.auth import token_issue


class IdentityProviderForm(forms.ModelForm[IdentityProvider]):
    # The client secret is write-only: never rendered back into the page.
    client_secret = forms.CharField(
        label=gettext_lazy("Client secret"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave empty to keep the current secret."),
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "name", "slug", "protocol", "legal_entity", "other_legal_entities", "is_active", "show_on_login_page",
            "discovery_url", "client_id", "client_secret", "scopes", "local_passwords_disabled",
            "hosted_domain_required", "email_claim", "given_name_claim", "family_name_claim", "org_unit_claim",
            "manager_claim", "cost_centre_claim", "groups_claim", "graph_url", "legal_entity_claim", "default_roles",
            "saml_metadata_xml", "saml_idp_entity_id", "saml_sso_url", "saml_slo_url", "saml_idp_certificates",
            "saml_name_id_format", "saml_allow_idp_initiated",
        ]  # fmt: skip

    def clean_saml_metadata_xml(self) -> str:
        value: str = self.cleaned_data.get("saml_metadata_xml", "")
        return check_idp_metadata(value) if value.strip() else ""

    def clean_saml_idp_certificates(self) -> str:
        value: str = self.cleaned_data.get("saml_idp_certificates", "")
        return check_idp_certificates(value) if value.strip() else ""

    def clean_client_secret(self) -> str:
        value: str = self.cleaned_data.get("client_secret", "")
        return value or self.instance.client_secret


class DomainForm(forms.ModelForm[IdentityProviderDomain]):
    class Meta:
        model = IdentityProviderDomain
        fields = ["domain"]

    def clean_domain(self) -> str:
        return normalise_domain(self.cleaned_data["domain"])


class DomainInline(admin.TabularInline[IdentityProviderDomain, IdentityProvider]):
    model = IdentityProviderDomain
    form = DomainForm
    extra = 1


class GroupRoleInline(admin.TabularInline[GroupRoleMapping, IdentityProvider]):
    model = GroupRoleMapping
    extra = 1


@admin.register(IdentityProvider)
class IdentityProviderAdmin(AuditedModelAdmin[IdentityProvider]):
    audit_event_prefix = "identity.provider"
    form = IdentityProviderForm
    list_display = ["name", "slug", "legal_entity", "is_active", "local_passwords_disabled"]
    list_filter = ["is_active", "local_passwords_disabled", "legal_entity"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["redirect_uri_shown", "saml_sp_shown"]
    filter_horizontal = ["other_legal_entities", "default_roles"]
    inlines = [DomainInline, GroupRoleInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "protocol",
                    "legal_entity",
                    "other_legal_entities",
                    "is_active",
                    "show_on_login_page",
                ]
            },
        ),
        (
            gettext_lazy("OpenID Connect"),
            {
                "fields": [
                    "discovery_url",
                    "client_id",
                    "client_secret",
                    "scopes",
                    "hosted_domain_required",
                    "redirect_uri_shown",
                ]
            },
        ),
        (
            gettext_lazy("SAML 2.0"),
            {
                "fields": [
                    "saml_sp_shown",
                    "saml_metadata_xml",
                    "saml_idp_entity_id",
                    "saml_sso_url",
                    "saml_slo_url",
                    "saml_idp_certificates",
                    "saml_name_id_format",
                    "saml_allow_idp_initiated",
                ],
                "description": gettext_lazy(
                    "For a SAML provider: the claim names below are the names of the attributes the IdP sends."
                ),
            },
        ),
        (gettext_lazy("Passwords"), {"fields": ["local_passwords_disabled"]}),
        (
            gettext_lazy("Claim mapping"),
            {
                "fields": [
                    "email_claim",
                    "given_name_claim",
                    "family_name_claim",
                    "org_unit_claim",
                    "manager_claim",
                    "cost_centre_claim",
                    "groups_claim",
                    "graph_url",
                    "legal_entity_claim",
                    "default_roles",
                ]
            },
        ),
    ]

    @admin.display(description=gettext_lazy("Redirect URI (register it at the provider)"))
    def redirect_uri_shown(self, obj: IdentityProvider | None) -> str:
        if obj is None or not obj.pk:
            return "—"
        return format_html("<code>{}</code>", redirect_uri(obj))

    @admin.display(description=gettext_lazy("Our service provider (give these to the IdP)"))
    def saml_sp_shown(self, obj: IdentityProvider | None) -> str:
        if obj is None or not obj.pk or not obj.is_saml:
            return "—"
        return format_html(
            "{}: <code>{}</code><br>{}: <code>{}</code><br>{}: <code>{}</code><br>{}: <code>{}</code>",
            gettext_lazy("Metadata URL"),
            sp_entity_id(obj),
            gettext_lazy("Entity ID (audience)"),
            sp_entity_id(obj),
            gettext_lazy("ACS URL (reply URL)"),
            acs_url(obj),
            gettext_lazy("Single logout URL"),
            sls_url(obj),
        )

    def save_model(self, request: HttpRequest, obj: IdentityProvider, form: Any, change: bool) -> None:
        if obj.is_saml and not (obj.saml_sp_private_key and obj.saml_sp_certificate):
            generate_sp_keys(obj)  # our key pair for this IdP: the private key is encrypted at rest, never shown
        super().save_model(request, obj, form, change)


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin[ExternalIdentity]):
    list_display = ["user", "provider", "subject", "last_sign_in_at"]
    list_filter = ["provider"]
    search_fields = ["user__username", "user__email", "subject"]
    readonly_fields = ["provider", "subject", "user", "created_at", "last_sign_in_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def _tenant_url() -> str:
    return str(settings.SITE_URL).rstrip("/") + "/scim/v2/"


@admin.register(ScimClient)
class ScimClientAdmin(admin.ModelAdmin[ScimClient]):
    """A provisioning client: its token is made when the client is saved first (or by the action below) and shown
    on that answer only (never stored in a message, a cookie or the session); only its SHA-256 is kept."""

    list_display = ["name", "legal_entity", "identity_provider", "is_active", "token_hint", "last_used_at"]
    list_filter = ["is_active", "legal_entity"]
    fields = ["name", "legal_entity", "identity_provider", "is_active", "tenant_url", "token_hint", "last_used_at"]
    readonly_fields = ["tenant_url", "token_hint", "last_used_at"]
    actions = ["token_reissue"]

    @admin.display(description=gettext_lazy("Tenant URL (SCIM base URL)"))
    def tenant_url(self, obj: ScimClient | None) -> str:
        return format_html("<code>{}</code>", _tenant_url())

    def _token_page(self, request: HttpRequest, client: ScimClient, token: str) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("The secret token of %(client)s") % {"client": client.name},
            "client": client,
            "token": token,
            "tenant_url": _tenant_url(),
        }
        response = TemplateResponse(request, "admin/identity/scim_token_shown.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def save_model(self, request: HttpRequest, obj: ScimClient, form: Any, change: bool) -> None:
        if not change:
            request._scim_token = token_issue(obj)  # type: ignore[attr-defined]  # for response_add, this request only
        super().save_model(request, obj, form, change)
        audit_event_record(
            event_type="scim.client_changed" if change else "scim.client_created",
            actor=request.user,
            legal_entity=obj.legal_entity,
            obj=obj,
            data={"client": obj.name, "fields": list(form.changed_data)},
        )

    def response_add(self, request: HttpRequest, obj: ScimClient, post_url_continue: str | None = None) -> HttpResponse:
        token = getattr(request, "_scim_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return self._token_page(request, obj, token)

    @admin.action(description=gettext_lazy("Issue a new secret token (the old one stops working)"))
    def token_reissue(self, request: HttpRequest, queryset: QuerySet[ScimClient]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, gettext("Choose one client: its new token is shown once."), messages.ERROR)
            return None
        client = queryset.get()
        token = token_issue(client)
        client.save(update_fields=["token_hash", "token_hint"])
        audit_event_record(
            event_type="scim.client_token_issued",
            actor=request.user,
            legal_entity=client.legal_entity,
            obj=client,
            data={"client": client.name},
        )
        return self._token_page(request, client, token)


@admin.register(ScimGroup)
class ScimGroupAdmin(admin.ModelAdmin[ScimGroup]):
    list_display = ["display_name", "client", "external_id", "updated_at"]
    list_filter = ["client"]
    search_fields = ["display_name", "external_id"]
    readonly_fields = ["client", "display_name", "external_id", "members", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
