"""A supplier uploads its own catalog through a link a buyer sent: no account, one upload, until it expires."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from catalogs.models import CatalogUpload, SupplierUploadLink
from catalogs.selectors import catalog_uploads_visible

from .conftest import csv_of

CONTENT = csv_of("PEN;Ballpoint pen;44121704;EA;11.50;EUR;;;;;")


def link_of(client, shop) -> str:
    """frank makes a link for Burotec; the path the supplier opens."""
    client.force_login(shop.frank.user)
    page = client.post(reverse("catalogs:supplier-link"), {"supplier": shop.supplier.pk})
    assert page.status_code == 200
    url = page.context["url"]
    client.logout()
    return url[url.index("/catalogs/") :]


def test_the_supplier_uploads_once_without_an_account_and_the_buyer_sees_it(
    client, shop, live_catalog, django_capture_on_commit_callbacks
):
    path = link_of(client, shop)

    form = client.get(path)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(path, {"file_format": "csv", "file": SimpleUploadedFile("mine.csv", CONTENT)})
    again = client.get(path)

    assert form.status_code == 200 and "Upload the catalog of Burotec Fournitures SARL" in form.content.decode()
    assert "is being checked. A buyer reviews the changes before they are published." in sent.content.decode()
    upload = CatalogUpload.objects.get()
    assert (upload.uploaded_by, upload.legal_entity, upload.status, upload.flagged_count) == (
        None,
        shop.france,
        "validated",
        1,
    )
    assert list(catalog_uploads_visible(employee=shop.frank)) == [upload]
    assert again.status_code == 404
    assert "This upload link is not valid: it has expired, was used already or was altered." in again.content.decode()


def test_an_expired_or_altered_link_uploads_nothing(client, shop):
    path = link_of(client, shop)
    SupplierUploadLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    expired = client.post(path, {"file_format": "csv", "file": SimpleUploadedFile("mine.csv", CONTENT)})
    SupplierUploadLink.objects.update(expires_at=timezone.now() + timedelta(days=1))
    altered = client.get(path[:-3] + ("x" if path[-3] != "x" else "y") + path[-2:])
    valid = client.get(path)

    assert (expired.status_code, altered.status_code, valid.status_code) == (404, 404, 200)
    assert CatalogUpload.objects.count() == 0


def test_only_a_buyer_makes_a_link(client, shop):
    client.force_login(shop.carol.user)

    response = client.post(reverse("catalogs:supplier-link"), {"supplier": shop.supplier.pk}, follow=True)

    assert "Only a buyer sends a supplier an upload link." in response.content.decode()
    assert SupplierUploadLink.objects.count() == 0
