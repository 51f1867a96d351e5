"""The supplier's link to answer a claim: signed, single-use, expiring.

The link carries a signed payload (salted for this one purpose) naming the claim and a random secret; the claim
keeps only the secret's hash, compared in constant time, and the link's end (`link_expires_at`,
settings.CLAIM_LINK_MAX_AGE_DAYS after it was made). The supplier's answer spends it (the hash is cleared).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .error_codes import ClaimErrorCode
from .errors import ClaimLinkInvalid
from .models import Claim

SALT = "claims.supplier-answer"
TOKEN_MAX = 500


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def claim_link_max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "CLAIM_LINK_MAX_AGE_DAYS", 30)))


@dataclass(frozen=True)
class ClaimLink:
    token: str
    token_hash: str
    expires_at: datetime

    @property
    def url(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("claims:answer", args=[self.token])


def claim_link_make(*, claim: Claim, now: datetime | None = None) -> ClaimLink:
    """A new link for the claim (the caller stores `token_hash` and `expires_at`; it replaces the one before)."""
    secret = secrets.token_urlsafe(24)
    token = signing.dumps({"c": claim.pk, "s": secret}, salt=SALT, compress=True)
    return ClaimLink(
        token=token, token_hash=secret_hash(secret), expires_at=(now or timezone.now()) + claim_link_max_age()
    )


def claim_for_link(token: str, *, now: datetime | None = None) -> Claim:
    """The claim a link was made for. `ClaimLinkInvalid` when forged, altered, spent or replaced (404), with code
    `link_expired` (410) after its end."""
    refused = ClaimLinkInvalid(_("This link is not valid or has already been used."))
    if len(token) > TOKEN_MAX:
        raise refused
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise refused from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("s"), str):
        raise refused
    claim = (
        Claim.objects.select_related("legal_entity", "supplier", "purchase_order", "receipt", "receipt_line__po_line")
        .filter(pk=data["c"])
        .first()
    )
    if claim is None or not claim.link_token_hash:
        raise refused
    if not hmac.compare_digest(secret_hash(data["s"]), claim.link_token_hash):
        raise refused
    if claim.link_expires_at is None or (now or timezone.now()) >= claim.link_expires_at:
        expired = ClaimLinkInvalid(
            _("This link has expired: ask %(entity)s for a new one.") % {"entity": claim.legal_entity.name},
            code=ClaimErrorCode.LINK_EXPIRED,
        )
        expired.status = 410
        raise expired
    return claim
