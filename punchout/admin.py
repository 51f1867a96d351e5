from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.admin_audit import AuditedModelAdmin
from procurement.models import CustomCatalog, PriceList

from .models import ErpClient, InboundSession, PunchoutConnection, PunchoutSession
from .services.connection_tests import punchout_connection_test
from .web_addresses import WebAddressRefused, allow_list_entry_clean, web_address_parse


def connection_url_clean(value: str) -> str:
    """A connection's URL as browsers and we read it (WHATWG): http(s), no user-info, no backslash or spaces."""
    try:
        return web_address_parse(value.strip()).href
    except WebAddressRefused as refused:
        raise forms.ValidationError(refused.message) from None


class PunchoutConnectionForm(forms.ModelForm[PunchoutConnection]):
    # Write-only: never rendered back into the page.
    shared_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("cXML SharedSecret. Leave empty to keep the current one."),
    )

    class Meta:
        model = PunchoutConnection
        fields = [
            "supplier",
            "name",
            "protocol",
            "url",
            "is_active",
            "session_minutes",
            "timeout_seconds",
            "from_domain",
            "from_identity",
            "to_domain",
            "to_identity",
            "sender_domain",
            "sender_identity",
            "shared_secret",
            "deployment_mode",
            "extrinsics",
            "supports_edit",
            "supports_inspect",
            "method",
            "oci_fields",
            "unit_map",
            "charset_fallback",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = dict(self.instance.oci_fields or {})
        # OCI passwords are not shown back either; leaving "***" keeps the stored one.
        self.initial["oci_fields"] = {k: ("***" if "PASSWORD" in k.upper() else v) for k, v in fields.items()}

    def clean_shared_secret(self) -> str:
        value: str = self.cleaned_data.get("shared_secret", "")
        return value or self.instance.shared_secret

    def clean_url(self) -> str:
        return connection_url_clean(self.cleaned_data.get("url", ""))

    def clean_oci_fields(self) -> dict[str, str]:
        value = self.cleaned_data.get("oci_fields") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Give the fields as a JSON object, e.g. {"USERNAME": "acme"}.'))
        stored = self.instance.oci_fields or {}
        return {k: (stored.get(k, "") if v == "***" else str(v)) for k, v in value.items()}


@admin.register(PunchoutConnection)
class PunchoutConnectionAdmin(AuditedModelAdmin[PunchoutConnection]):
    audit_event_prefix = "punchout.connection"
    form = PunchoutConnectionForm
    list_display = ["supplier", "name", "protocol", "url", "is_active", "supports_edit", "supports_inspect"]
    list_filter = ["protocol", "is_active"]
    search_fields = ["supplier__code", "supplier__name", "url", "name"]
    change_form_template = "admin/punchout/connection_change_form.html"
    fieldsets = [
        (None, {"fields": ["supplier", "name", "protocol", "url", "is_active", "session_minutes", "timeout_seconds"]}),
        (
            "cXML",
            {
                "fields": [
                    ("from_domain", "from_identity"),
                    ("to_domain", "to_identity"),
                    ("sender_domain", "sender_identity"),
                    "shared_secret",
                    "deployment_mode",
                    "extrinsics",
                    "supports_edit",
                    "supports_inspect",
                ]
            },
        ),
        ("SAP OCI", {"fields": ["method", "oci_fields", "unit_map", "charset_fallback"]}),
    ]

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/test/",
                self.admin_site.admin_view(self.test_connection),
                name="punchout_punchoutconnection_test",
            ),
            *super().get_urls(),
        ]

    def test_connection(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Send a ProfileRequest (cXML) or the call-up (OCI) and show the raw answer."""
        connection = get_object_or_404(PunchoutConnection, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:punchout_punchoutconnection_change", args=[pk]))
        result = punchout_connection_test(connection=connection, site_url=request.build_absolute_uri("/"))
        if not result.ok:
            messages.error(request, result.summary)
        context = {
            **self.admin_site.each_context(request),
            "connection": connection,
            "result": result,
            "title": _("Test of %(connection)s") % {"connection": connection},
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/punchout/connection_test.html", context)


@admin.register(PunchoutSession)
class PunchoutSessionAdmin(admin.ModelAdmin[PunchoutSession]):
    list_display = ["created_at", "connection", "employee", "requisition", "operation", "status", "returned_at"]
    list_filter = ["status", "operation", "connection"]
    search_fields = ["requisition__number", "employee__user__username"]
    # Neither the tokens' hashes nor the start URL (an OCI call-up link or a shop's StartPage is a credential).
    exclude = ["token_hash", "start_token_hash", "start_url"]
    readonly_fields = [
        "connection",
        "employee",
        "requisition",
        "operation",
        "status",
        "buyer_cookie",
        "expires_at",
        "started_at",
        "returned_at",
        "result",
        "lines",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PunchoutSession | None = None) -> bool:
        return False


class ErpClientForm(forms.ModelForm[ErpClient]):
    shared_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("cXML SharedSecret the ERP sends. Leave empty to keep the current one."),
    )
    oci_password = forms.CharField(
        label=gettext_lazy("OCI password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Stored hashed. Leave empty to keep the current one."),
    )

    class Meta:
        model = ErpClient
        fields = [
            "code",
            "name",
            "legal_entity",
            "is_active",
            "group",
            "allowed_hosts",
            "cxml_enabled",
            "cxml_identities",
            "shared_secret",
            "oci_enabled",
            "oci_username",
            "start_minutes",
            "session_minutes",
        ]

    price_lists = forms.ModelMultipleChoiceField(
        queryset=PriceList.objects.filter(is_active=True),
        required=False,
        help_text=gettext_lazy("Prices its users get on top of the legal entity's (through the client's group)."),
    )
    custom_catalogs = forms.ModelMultipleChoiceField(
        queryset=CustomCatalog.objects.filter(is_active=True),
        required=False,
        help_text=gettext_lazy("Restrict what its users see (through the client's group)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.group_id:
            self.initial["price_lists"] = list(PriceList.objects.filter(groups=self.instance.group_id))
            self.initial["custom_catalogs"] = list(CustomCatalog.objects.filter(groups=self.instance.group_id))

    def clean_shared_secret(self) -> str:
        value: str = self.cleaned_data.get("shared_secret", "")
        return value or self.instance.shared_secret

    def clean_allowed_hosts(self) -> list[str]:
        """Hosts as browsers read them, so what is listed is what the return URLs are compared with."""
        value = self.cleaned_data.get("allowed_hosts") or []
        if not isinstance(value, list):
            raise forms.ValidationError(_('Give the hosts as a JSON list, e.g. ["erp.example.com", ".example.com"].'))
        try:
            return [allow_list_entry_clean(str(entry)) for entry in value]
        except WebAddressRefused as refused:
            raise forms.ValidationError(refused.message) from None

    def save(self, commit: bool = True) -> ErpClient:
        client = super().save(commit=False)
        if self.cleaned_data.get("oci_password"):
            client.oci_password_hash = make_password(self.cleaned_data["oci_password"])
        if client.group_id is None:
            client.group, _ = Group.objects.get_or_create(name=f"ERP clients: {client.code}"[:150])
        client.save()
        group = client.group
        assert group is not None
        for model, chosen in (
            (PriceList, self.cleaned_data["price_lists"]),
            (CustomCatalog, self.cleaned_data["custom_catalogs"]),
        ):
            for thing in model.objects.filter(groups=group).exclude(pk__in=[c.pk for c in chosen]):
                thing.groups.remove(group)
            for thing in chosen:
                thing.groups.add(group)
        return client


@admin.register(ErpClient)
class ErpClientAdmin(AuditedModelAdmin[ErpClient]):
    audit_event_prefix = "punchout.erp_client"
    form = ErpClientForm
    list_display = ["code", "name", "legal_entity", "cxml_enabled", "oci_enabled", "is_active"]
    list_filter = ["legal_entity", "is_active"]
    search_fields = ["code", "name", "oci_username"]


@admin.register(InboundSession)
class InboundSessionAdmin(admin.ModelAdmin[InboundSession]):
    list_display = ["created_at", "client", "protocol", "operation", "status", "employee", "transferred_at"]
    list_filter = ["status", "protocol", "client"]
    exclude = ["start_token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundSession | None = None) -> bool:
        return False
