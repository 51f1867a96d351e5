"""The supplier's link to its quote page: signed, single-purpose, expiring at the request's due date.

The link carries a signed payload (salted for this one purpose: a link made for anything else does not load here)
naming the invitation, its request and a random secret; the invitation keeps only the secret's hash, compared in
constant time. It opens only the quote page of that request, and only until the due date (`expires_at`).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.money import date_display

from .error_codes import SourcingErrorCode
from .errors import LinkInvalid
from .models import Invitation, RequestForQuotation

SALT = "sourcing.quote-page"


def due_text(rfq: RequestForQuotation) -> str:
    """The due date as people read it: the date in their language and the local time."""
    local = timezone.localtime(rfq.due_at)
    return f"{date_display(local.date())} {local:%H:%M}"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class QuoteLink:
    token: str
    token_hash: str

    @property
    def path(self) -> str:
        return reverse("sourcing:quote", args=[self.token])

    @property
    def url(self) -> str:
        return settings.SITE_URL.rstrip("/") + self.path


def quote_link_make(*, invitation: Invitation) -> QuoteLink:
    """A new link for the invitation (the caller stores `token_hash`; a new link replaces the one before)."""
    secret = secrets.token_urlsafe(24)
    token = signing.dumps({"i": invitation.pk, "r": invitation.rfq_id, "s": secret}, salt=SALT, compress=True)
    return QuoteLink(token=token, token_hash=secret_hash(secret))


def invitation_for_link(token: str, *, now: datetime | None = None) -> Invitation:
    """The invitation a link was made for. `LinkInvalid` when forged, altered, replaced by a newer link or made
    for something else (404); `LinkInvalid` with code `link_expired` (410) after the request's due date."""
    refused = LinkInvalid(_("This link is not valid. Use the link of the latest invitation e-mail."))
    if len(token) > 500:
        raise refused
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise refused from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("i"), int)
        or not isinstance(data.get("r"), int)
        or not isinstance(data.get("s"), str)
    ):
        raise refused
    invitation = (
        Invitation.objects.select_related("rfq__legal_entity", "supplier")
        .filter(pk=data["i"], rfq_id=data["r"])
        .first()
    )
    if invitation is None or not invitation.token_hash:
        raise refused
    if not hmac.compare_digest(secret_hash(data["s"]), invitation.token_hash):
        raise refused
    if invitation.expires_at is None or (now or timezone.now()) >= invitation.expires_at:
        rfq = invitation.rfq
        expired = LinkInvalid(
            _("%(number)s is cancelled: quotes are no longer accepted.") % {"number": rfq.number}
            if rfq.status == RequestForQuotation.Status.CANCELLED
            else _("The due date of %(number)s (%(due)s) has passed: quotes are no longer accepted.")
            % {"number": rfq.number, "due": due_text(rfq)},
            code=SourcingErrorCode.LINK_EXPIRED,
        )
        expired.status = 410
        raise expired
    return invitation
