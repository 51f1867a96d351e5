"""One-click decision links for e-mails: signed, expiring, for one task of one approver."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "approvals.decision-link"
MAX_AGE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class DecisionLink:
    task_id: int
    user_id: int


def decision_link_url(*, task_id: int, user_id: int) -> str:
    token = signing.dumps({"t": task_id, "u": user_id}, salt=SALT, compress=True)
    return settings.SITE_URL.rstrip("/") + reverse("approvals:email-decision", args=[token])


def decision_link_load(token: str) -> DecisionLink | None:
    """The task and approver a link was made for, or None when it is forged, altered or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int) or not isinstance(data.get("u"), int):
        return None
    return DecisionLink(task_id=data["t"], user_id=data["u"])
