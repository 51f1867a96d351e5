"""One-click decision links for e-mails: signed, expiring, for one task of one approver.

A link is a bearer token until its task is decided (then it is spent): it expires after
settings.APPROVAL_LINK_MAX_AGE_HOURS, and above the legal entity's e-mail approval limit it only shows
the requisition (or the invoice) and asks the approver to log in before deciding.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from procurement.models import LegalEntity
from requisitions.models import Requisition

from .chain import Rates
from .models import ApprovalChain

SALT = "approvals.decision-link"


@dataclass(frozen=True)
class DecisionLink:
    task_id: int
    user_id: int


def decision_link_max_age_hours() -> int:
    return int(settings.APPROVAL_LINK_MAX_AGE_HOURS)


def decision_link_url(*, task_id: int, user_id: int) -> str:
    token = signing.dumps({"t": task_id, "u": user_id}, salt=SALT, compress=True)
    return settings.SITE_URL.rstrip("/") + reverse("approvals:email-decision", args=[token])


def decision_link_load(token: str) -> DecisionLink | None:
    """The task and approver a link was made for, or None when it is forged, altered or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=decision_link_max_age_hours() * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int) or not isinstance(data.get("u"), int):
        return None
    return DecisionLink(task_id=data["t"], user_id=data["u"])


def decision_link_needs_login(*, requisition: Requisition) -> bool:
    """Whether the requisition's total is above its entity's e-mail approval limit (or cannot be compared).

    The limit is in the entity's currency; a total that is unknown or cannot be converted needs a login.
    """
    return _above_email_limit(requisition.legal_entity, requisition.total_minor, requisition.currency)


def decision_link_needs_login_for(*, chain: ApprovalChain) -> bool:
    """As `decision_link_needs_login`, for any chain: a requisition's total, or an invoice's total (load
    `invoice__legal_entity`)."""
    if chain.requisition is not None:
        return decision_link_needs_login(requisition=chain.requisition)
    return _above_email_limit(chain.legal_entity, chain.total_minor, chain.currency)


def _above_email_limit(legal_entity: LegalEntity, total_minor: int | None, currency: str) -> bool:
    limit = legal_entity.email_approval_limit_minor
    if limit is None:
        return False
    if total_minor is None:
        return True
    limit_in_total_currency = Rates(currency).convert_minor(limit, legal_entity.currency)
    return limit_in_total_currency is None or total_minor > limit_in_total_currency
