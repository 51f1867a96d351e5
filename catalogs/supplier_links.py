"""A supplier uploads its own catalog through a link, without an account: the link is signed (Django's signing,
its own salt, so no other token of the product passes for it), expires after CATALOG_UPLOAD_LINK_MAX_AGE_DAYS
(14 unless set), and is spent by the one upload it brings. The upload then waits for a buyer like any other."""

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Employee, LegalEntity, Supplier

from .errors import NotAllowedToDecide, SupplierLinkInvalid
from .models import CatalogUpload, SupplierUploadLink
from .selectors import employee_may_decide
from .services import catalog_upload_create

SALT = "catalogs.supplier-upload-link"


def link_max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "CATALOG_UPLOAD_LINK_MAX_AGE_DAYS", 14)))


@transaction.atomic
def supplier_upload_link_create(*, supplier: Supplier, legal_entity: LegalEntity, by: Employee) -> str:
    """A buyer makes a link for `supplier` to upload one catalog; returns its address (to send by e-mail)."""
    if not employee_may_decide(by):
        raise NotAllowedToDecide(_("Only a buyer sends a supplier an upload link."))
    link = SupplierUploadLink.objects.create(
        supplier=supplier,
        legal_entity=legal_entity,
        created_by=by,
        nonce=secrets.token_hex(16),
        expires_at=timezone.now() + link_max_age(),
    )
    token = signing.dumps({"l": link.pk, "n": link.nonce}, salt=SALT, compress=True)
    return settings.SITE_URL.rstrip("/") + reverse("catalogs:supplier-upload", args=[token])


def supplier_upload_link_load(token: str) -> SupplierUploadLink:
    """The link a token was made for, if it is authentic, not expired and not spent; else SupplierLinkInvalid."""
    refused = SupplierLinkInvalid(_("This upload link is not valid: it has expired, was used already or was altered."))
    try:
        data = signing.loads(token[:500], salt=SALT, max_age=link_max_age())
    except signing.BadSignature:
        raise refused from None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int) or not isinstance(data.get("n"), str):
        raise refused
    link = SupplierUploadLink.objects.select_related("supplier", "legal_entity").filter(pk=data["l"]).first()
    if link is None or not hmac.compare_digest(link.nonce, data["n"]):
        raise refused
    if link.used_at is not None or link.expires_at <= timezone.now():
        raise refused
    return link


@transaction.atomic
def supplier_upload_link_use(*, token: str, file_format: str, filename: str, content: bytes) -> CatalogUpload:
    """The supplier's upload through its link: staged as the buyer's entity's, by nobody; the link is spent."""
    link = supplier_upload_link_load(token)
    link = SupplierUploadLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:
        raise SupplierLinkInvalid(_("This upload link is not valid: it has expired, was used already or was altered."))
    upload = catalog_upload_create(
        supplier=link.supplier,
        by=None,
        legal_entity=link.legal_entity,
        file_format=file_format,
        filename=filename,
        content=content,
    )
    link.used_at, link.upload = timezone.now(), upload
    link.save(update_fields=["used_at", "upload"])
    return upload
