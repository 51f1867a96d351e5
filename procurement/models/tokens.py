"""API tokens: a named, scoped, expiring credential of one user, stored only as a hash (procurement.api_tokens)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class TokenScope(models.TextChoices):
    """What a token may do beyond what its owner's roles allow (docs/api.md "Tokens and scopes").

    `read` opens the safe methods (GET, HEAD, OPTIONS) of every endpoint; each other scope opens the writes of
    its endpoints (procurement.api_tokens.SCOPE_OF_WRITE). A scope never widens the owner's own rights.
    """

    READ = "read", gettext_lazy("Read")
    REQUISITIONS = "requisitions", gettext_lazy("Requisitions")
    APPROVALS = "approvals", gettext_lazy("Approvals")
    PURCHASING = "purchasing", gettext_lazy("Purchasing")
    ADMIN = "admin", gettext_lazy("Administration")


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(gettext_lazy("name"), max_length=100)
    # SHA-256 of the secret, hex: the secret itself is shown once at creation and kept nowhere.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The secret's first characters ("ptk_" and 4 more), to tell tokens apart in a list.
    hint = models.CharField(gettext_lazy("starts with"), max_length=12, editable=False)
    scopes = models.JSONField(gettext_lazy("scopes"), default=list)
    created_at = models.DateTimeField(gettext_lazy("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(gettext_lazy("expires"))
    last_used_at = models.DateTimeField(gettext_lazy("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(gettext_lazy("revoked"), null=True, blank=True, editable=False)
    # Where it was made: "page" (/profile/tokens/), "api" (POST /api/v1/tokens/), "password" (POST
    # /api/v1/auth/token/), "migrated" (an older DRF token, migration 0021).
    origin = models.CharField(gettext_lazy("made by"), max_length=20, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("API token")
        verbose_name_plural = gettext_lazy("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def is_active(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and self.expires_at > moment  # type: ignore[operator]

    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > timezone.now() else "expired"
