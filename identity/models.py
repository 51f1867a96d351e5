"""Identity providers (OpenID Connect or SAML 2.0) per legal entity and e-mail domain, and who signed in through which.

A provider belongs to one legal entity: it signs in the people whose e-mail domain is one of its domains, creates
or updates their employee from the ID token's claims (`identity.provisioning`), and may switch local passwords off
for the people of its entity (`identity.policy`). Its client secret is encrypted at rest and never shown back.

A SAML provider (`protocol` "saml") names its IdP (entity ID, single sign-on and logout addresses, signing
certificates, or its metadata XML); we are its service provider with a key pair of our own per provider (the private
key encrypted at rest), and its attribute names go in the same `*_claim` fields (`identity.saml`).
"""

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procurement.encryption import EncryptedTextField
from procurement.models import LegalEntity, Role

DOMAIN_VALIDATOR = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    _("Enter a domain name in lower case, e.g. acme.example."),
)
CLAIM_NAME_VALIDATOR = RegexValidator(r"^[A-Za-z0-9_:./-]{0,100}$", _("A claim name: letters, digits and _ : . / -"))


def normalise_domain(value: str) -> str:
    return value.strip().lower().rstrip(".")


class Protocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class NameIdFormat(models.TextChoices):
    PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", _("persistent")
    EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", _("e-mail address")
    UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", _("unspecified")
    TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", _("transient (the e-mail identifies)")


class IdentityProvider(models.Model):
    """An OpenID Connect provider or SAML 2.0 identity provider (Entra ID, Okta, Keycloak, Google …) and how its
    claims or attributes map to our employees."""

    name = models.CharField(_("name"), max_length=100, help_text=_('Shown on the login page: "Sign in with …".'))
    slug = models.SlugField(
        _("slug"), max_length=50, unique=True, help_text=_("Part of the redirect URI: /sso/oidc/<slug>/callback/.")
    )
    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        related_name="identity_providers",
        verbose_name=_("legal entity"),
        help_text=_("The company whose people this provider signs in."),
    )
    other_legal_entities = models.ManyToManyField(
        LegalEntity,
        blank=True,
        related_name="+",
        verbose_name=_("other legal entities"),
        help_text=_("Other companies the legal entity claim may name for a person of this provider."),
    )
    protocol = models.CharField(_("protocol"), max_length=4, choices=Protocol.choices, default=Protocol.OIDC)
    is_active = models.BooleanField(_("active"), default=True)
    show_on_login_page = models.BooleanField(
        _("show on the login page"), default=True, help_text=_('A "Sign in with …" button on the login page.')
    )
    discovery_url = models.URLField(
        _("issuer or discovery URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "The issuer (https://login.example.com/…) or its /.well-known/openid-configuration address; the "
            "ID token's issuer must be the one this document names."
        ),
    )
    client_id = models.CharField(_("client id"), max_length=255, blank=True)
    client_secret = EncryptedTextField(_("client secret"), max_length=500, blank=True)
    scopes = models.CharField(
        _("scopes"),
        max_length=300,
        default="openid email profile",
        validators=[
            RegexValidator(
                r"^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$", _("Scopes separated by single spaces.")
            )
        ],
    )
    local_passwords_disabled = models.BooleanField(
        _("local passwords switched off"),
        default=False,
        help_text=_(
            "The people of this legal entity (and of this provider's e-mail domains) sign in only through this "
            "provider; superusers keep their password (break-glass)."
        ),
    )
    hosted_domain_required = models.BooleanField(
        _("hosted domain required (Google)"),
        default=False,
        help_text=_(
            "The ID token's hd claim must be one of the e-mail domains: a Google account that is not your "
            "Workspace's is refused, even with an address of your domain."
        ),
    )
    # SAML 2.0: the identity provider (from its metadata XML, or its entity ID, addresses and certificates).
    saml_metadata_xml = models.TextField(
        _("IdP metadata XML"),
        blank=True,
        validators=[MaxLengthValidator(500_000)],
        help_text=_("The IdP's metadata document; when given, the four fields below are read from it."),
    )
    saml_idp_entity_id = models.CharField(_("IdP entity ID"), max_length=500, blank=True)
    saml_sso_url = models.URLField(
        _("IdP single sign-on URL"), max_length=500, blank=True, help_text=_("Its HTTP-Redirect binding.")
    )
    saml_slo_url = models.URLField(
        _("IdP single logout URL"),
        max_length=500,
        blank=True,
        help_text=_("Its HTTP-Redirect binding; empty: logging out here does not end the IdP's session."),
    )
    saml_idp_certificates = models.TextField(
        _("IdP signing certificates"),
        blank=True,
        validators=[MaxLengthValidator(50_000)],
        help_text=_("One or more PEM certificates (two during a rollover): responses must be signed by one."),
    )
    saml_name_id_format = models.CharField(
        _("NameID format"), max_length=100, choices=NameIdFormat.choices, default=NameIdFormat.PERSISTENT
    )
    saml_allow_idp_initiated = models.BooleanField(
        _("allow IdP-initiated sign-in"),
        default=False,
        help_text=_(
            "Accept a response that answers no request of ours (started from the IdP's portal). Off by default: "
            "such a response is not bound to the browser that receives it (see docs/identity.md)."
        ),
    )
    # Our own key pair as this provider's service provider: it signs our requests; never shown back (the
    # certificate is public: it is in our metadata).
    saml_sp_private_key = EncryptedTextField(_("SP private key"), max_length=10_000, blank=True)
    saml_sp_certificate = models.TextField(_("SP certificate"), blank=True)
    # Claim mapping: the name of the claim that carries each attribute; empty leaves the attribute alone.
    email_claim = models.CharField(
        _("e-mail claim"), max_length=100, default="email", validators=[CLAIM_NAME_VALIDATOR]
    )
    given_name_claim = models.CharField(
        _("given name claim"), max_length=100, default="given_name", blank=True, validators=[CLAIM_NAME_VALIDATOR]
    )
    family_name_claim = models.CharField(
        _("family name claim"), max_length=100, default="family_name", blank=True, validators=[CLAIM_NAME_VALIDATOR]
    )
    org_unit_claim = models.CharField(
        _("org unit claim"),
        max_length=100,
        blank=True,
        validators=[CLAIM_NAME_VALIDATOR],
        help_text=_("Its value is an org unit code of the person's legal entity."),
    )
    manager_claim = models.CharField(
        _("manager claim"),
        max_length=100,
        blank=True,
        validators=[CLAIM_NAME_VALIDATOR],
        help_text=_("Its value is the manager's e-mail address."),
    )
    cost_centre_claim = models.CharField(
        _("cost centre claim"),
        max_length=100,
        blank=True,
        validators=[CLAIM_NAME_VALIDATOR],
        help_text=_("Its value is a cost centre code of the person's legal entity: their default cost centre."),
    )
    groups_claim = models.CharField(
        _("groups claim"),
        max_length=100,
        blank=True,
        default="groups",
        validators=[CLAIM_NAME_VALIDATOR],
        help_text=_("A list of group names (or ids); roles follow the group mappings below."),
    )
    graph_url = models.URLField(
        _("Microsoft Graph address"),
        max_length=200,
        default="https://graph.microsoft.com",
        help_text=_(
            "Entra ID only: where a person's groups are read when the ID token has too many to carry them (group "
            "overage)."
        ),
    )
    legal_entity_claim = models.CharField(
        _("legal entity claim"),
        max_length=100,
        blank=True,
        validators=[CLAIM_NAME_VALIDATOR],
        help_text=_("Its value is a legal entity code: this provider's entity or one of the other legal entities."),
    )
    default_roles = models.ManyToManyField(
        Role,
        blank=True,
        related_name="+",
        verbose_name=_("default roles"),
        help_text=_("Roles a person gets when their employee is created at their first sign-in."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self) -> str:
        return self.name

    @property
    def is_saml(self) -> bool:
        return self.protocol == Protocol.SAML

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.protocol == Protocol.OIDC:
            for name in ("discovery_url", "client_id"):
                if not getattr(self, name):
                    errors[name] = _("An OpenID Connect provider needs this.")
        elif not self.saml_metadata_xml.strip():
            for name in ("saml_idp_entity_id", "saml_sso_url", "saml_idp_certificates"):
                if not getattr(self, name).strip():
                    errors[name] = _("A SAML provider needs this, or its metadata XML.")
        if errors:
            raise ValidationError(errors)

    @property
    def scope_list(self) -> list[str]:
        scopes = self.scopes.split()
        return scopes if "openid" in scopes else ["openid", *scopes]


class IdentityProviderDomain(models.Model):
    """An e-mail domain whose people sign in through a provider (one provider per domain)."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("e-mail domain"), max_length=253, unique=True, validators=[DOMAIN_VALIDATOR])

    class Meta:
        ordering = ["domain"]
        verbose_name = _("e-mail domain")
        verbose_name_plural = _("e-mail domains")

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        self.domain = normalise_domain(self.domain)


class GroupRoleMapping(models.Model):
    """People in this group (as the provider's groups claim names it) have this role."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="group_roles")
    group = models.CharField(_("group"), max_length=256, validators=[MaxLengthValidator(256)])
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="+", verbose_name=_("role"))

    class Meta:
        ordering = ["group", "role"]
        verbose_name = _("group to role mapping")
        verbose_name_plural = _("group to role mappings")
        constraints = [
            models.UniqueConstraint(fields=["provider", "group", "role"], name="identity_group_role_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.role_id}"


class ExternalIdentity(models.Model):
    """A person as a provider knows them (its `sub`): the link that finds them again at their next sign-in."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "subject"]
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="identity_subject_once_per_provider"),
            models.UniqueConstraint(fields=["provider", "user"], name="identity_user_once_per_provider"),
            models.CheckConstraint(condition=~Q(subject=""), name="identity_subject_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.subject}"


class ScimClient(models.Model):
    """An identity provider's provisioning connection (SCIM 2.0, /scim/v2/): it creates, updates and deactivates the
    people of one legal entity and their groups. It signs its requests with a bearer token shown once when the client
    is made; only the token's SHA-256 is kept (identity.scim.auth)."""

    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. Entra ID provisioning."))
    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        related_name="scim_clients",
        verbose_name=_("legal entity"),
        help_text=_("The company whose people this client provisions: it sees and changes no one else."),
    )
    identity_provider = models.ForeignKey(
        IdentityProvider,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scim_clients",
        verbose_name=_("identity provider"),
        help_text=_(
            "Its group to role mappings give roles to the members of the groups this client pushes (by the group's "
            "name or external id)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("token starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SCIM provisioning client")
        verbose_name_plural = _("SCIM provisioning clients")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        provider = self.identity_provider
        if (
            provider is not None
            and self.legal_entity_id
            and provider.legal_entity_id != self.legal_entity_id
            and not provider.other_legal_entities.filter(pk=self.legal_entity_id).exists()
        ):
            raise ValidationError({"identity_provider": _("The identity provider belongs to another legal entity.")})


class ScimUser(models.Model):
    """What SCIM knows of a person beyond the user and employee: the provider's external id, the employee number,
    when SCIM last changed them, and whether the provider deleted them (then they are gone from SCIM's view)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_user")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=255, blank=True)
    employee_number = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id"]
        verbose_name = _("SCIM user")
        verbose_name_plural = _("SCIM users")

    def __str__(self) -> str:
        return str(self.user)


class ScimGroup(models.Model):
    """A group a provider pushed (Entra ID group provisioning, Okta group push) and its members. A member of a group
    that the client's identity provider maps to a role has that role."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ScimClient, on_delete=models.CASCADE, related_name="groups")
    display_name = models.CharField(_("name"), max_length=256)
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="scim_groups")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("SCIM group")
        verbose_name_plural = _("SCIM groups")
        constraints = [
            models.UniqueConstraint(fields=["client", "display_name"], name="identity_scim_group_name_once"),
        ]

    def __str__(self) -> str:
        return self.display_name


class OrgImportRun(models.Model):
    """One upload of an organisation file (identity.org_import): what it held, what was wrong with it, what it
    would change (the diff shown before "Apply"), and what applying it changed. Belongs to one legal entity."""

    class Mode(models.TextChoices):
        PARTIAL = "partial", _("Partial: only the people in the file")
        FULL = "full", _("Full: people of the entity missing from the file leave")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="org_import_runs", verbose_name=_("legal entity")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    file_size = models.PositiveIntegerField(_("file size"), default=0)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.PARTIAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The rows as read ({"line": n, "cells": {column: text}}), kept to check them again at apply time.
    rows = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    # [{"line", "column", "value", "message"}]: a line 0 error is about the file as a whole.
    errors = models.JSONField(default=list, blank=True)
    # What applying would change (identity.org_import.diff): org units, cost centres, employees, counts.
    diff = models.JSONField(default=dict, blank=True)
    # What applying changed: counts, including the approval tasks moved.
    result = models.JSONField(default=dict, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("organisation import")
        verbose_name_plural = _("organisation imports")
        indexes = [models.Index(fields=["legal_entity", "-created_at"], name="identity_org_import_recent")]

    def __str__(self) -> str:
        return f"{self.legal_entity_id} {self.file_name} ({self.status})"


class SingleSignOnSession(models.Model):
    """A session of ours opened by a provider's sign-in, with the provider's session id (`sid`) and subject (`sub`):
    what a back-channel logout from the provider names to end it (identity.backchannel_logout)."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    sid = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("single sign-on session")
        verbose_name_plural = _("single sign-on sessions")
        indexes = [
            models.Index(fields=["provider", "sid"], name="identity_sso_session_sid"),
            models.Index(fields=["provider", "subject"], name="identity_sso_session_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.subject}"


class LogoutTokenUse(models.Model):
    """A back-channel logout token's `jti`, kept until the token would be too old anyway: each is used once."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "jti"], name="identity_logout_token_once")]

    def __str__(self) -> str:
        return self.jti


class SamlRequest(models.Model):
    """An AuthnRequest we sent, until its answer is used: the response must answer one (InResponseTo), once.

    The IdP's answer is a cross-site POST, which a SameSite=Lax session cookie does not come with: the request is
    kept here rather than in the session, the checked answer is written on it, and the browser that started the
    sign-in (its session names the request) finishes it with a same-site GET.
    """

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="saml_requests")
    request_id = models.CharField(max_length=100, unique=True)
    next_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["created_at"], name="identity_saml_request_age")]

    def __str__(self) -> str:
        return self.request_id


class SamlSession(models.Model):
    """A session signed in through a SAML provider, found again by the IdP's LogoutRequest (its NameID and
    session index) to end it, even when that request comes without the browser's cookie."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="saml_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name_id = models.CharField(max_length=500)
    name_id_format = models.CharField(max_length=100, blank=True)
    session_index = models.CharField(max_length=500, blank=True)
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["provider", "name_id"], name="identity_saml_session_name")]

    def __str__(self) -> str:
        return f"{self.provider} {self.name_id}"
