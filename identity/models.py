"""Identity providers (OpenID Connect) per legal entity and e-mail domain, and who signed in through which.

A provider belongs to one legal entity: it signs in the people whose e-mail domain is one of its domains, creates
or updates their employee from the ID token's claims (`identity.provisioning`), and may switch local passwords off
for the people of its entity (`identity.policy`). Its client secret is encrypted at rest and never shown back.
"""

from django.conf import settings
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


class IdentityProvider(models.Model):
    """An OpenID Connect provider (Entra ID, Okta, Keycloak, Google …) and how its claims map to our employees."""

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
    is_active = models.BooleanField(_("active"), default=True)
    show_on_login_page = models.BooleanField(
        _("show on the login page"), default=True, help_text=_('A "Sign in with …" button on the login page.')
    )
    discovery_url = models.URLField(
        _("issuer or discovery URL"),
        max_length=500,
        help_text=_(
            "The issuer (https://login.example.com/…) or its /.well-known/openid-configuration address; the "
            "ID token's issuer must be the one this document names."
        ),
    )
    client_id = models.CharField(_("client id"), max_length=255)
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
