from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from procurement.admin_audit import AuditedModelAdmin

from .models import ExternalIdentity, GroupRoleMapping, IdentityProvider, IdentityProviderDomain, normalise_domain
from .oidc import redirect_uri


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
            "name", "slug", "legal_entity", "other_legal_entities", "is_active", "show_on_login_page",
            "discovery_url", "client_id", "client_secret", "scopes", "local_passwords_disabled",
            "hosted_domain_required", "email_claim", "given_name_claim", "family_name_claim", "org_unit_claim",
            "manager_claim", "cost_centre_claim", "groups_claim", "legal_entity_claim", "default_roles",
        ]  # fmt: skip

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
    readonly_fields = ["redirect_uri_shown"]
    filter_horizontal = ["other_legal_entities", "default_roles"]
    inlines = [DomainInline, GroupRoleInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "legal_entity", "other_legal_entities", "is_active", "show_on_login_page"]}),
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


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin[ExternalIdentity]):
    list_display = ["user", "provider", "subject", "last_sign_in_at"]
    list_filter = ["provider"]
    search_fields = ["user__username", "user__email", "subject"]
    readonly_fields = ["provider", "subject", "user", "created_at", "last_sign_in_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
