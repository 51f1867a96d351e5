"""The catalog pages and API as a buyer uses them: upload, see the diff filtered, approve; and who may not."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from catalogs.models import CatalogUpload
from procurement.models import CatalogItem

from .conftest import csv_of

PRICE_RISE = csv_of(
    "PEN;Ballpoint pen;44121704;EA;11,50;EUR;;;;;",
    "PAD;Writing pad;44121704;EA;20.00;EUR;;;;;",
    "CLIP;Paper clips;44122104;BX;2,40;EUR;100;2;4;;",
)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_a_buyer_uploads_sees_the_flagged_increase_and_publishes(
    client, shop, live_catalog, django_capture_on_commit_callbacks
):
    client.force_login(shop.frank.user)
    form = client.get(reverse("catalogs:upload"))
    assert form.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalogs:upload"),
            {
                "supplier": shop.supplier.pk,
                "file_format": "csv",
                "file": SimpleUploadedFile("winter.csv", PRICE_RISE),
            },
        )
    upload = CatalogUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogs:detail", args=[upload.pk])

    flagged = client.get(reverse("catalogs:detail", args=[upload.pk]), {"kind": "flagged"})
    page = text_of(flagged)
    assert "Awaiting approval" in page
    assert re.findall(r'data-sku="([^"]+)"', flagged.content.decode()) == ["PEN"]
    assert "10.00 EUR 11.50 EUR +15%" in page
    assert "New 1" in page and "Changed 1" in page and "Removed 1" in page and "Price increases flagged 1" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("catalogs:publish", args=[upload.pk]), {"comment": "Agreed"})
    published = client.get(reverse("catalogs:detail", args=[upload.pk]))
    assert "Approved: the catalog is being published." in text_of(published)
    assert "Published" in text_of(published) and "Decided by Frank" in text_of(published)
    assert CatalogItem.objects.get(sku="PEN").base_price_minor == 1150

    index = client.get(reverse("catalogs:index"))
    assert re.findall(r'data-upload="(\d+)"', index.content.decode()) == [str(upload.pk)]


def test_the_form_keeps_what_was_typed_and_says_what_is_missing(client, shop):
    client.force_login(shop.frank.user)

    response = client.post(
        reverse("catalogs:upload"),
        {"file_format": "bmecat", "default_unspsc": "123", "price_increase_flag_percent": "7"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose a supplier." in page and "Choose a file to upload." in page
    assert '<option value="bmecat" selected>' in page
    assert 'value="123"' in page and 'value="7"' in page
    assert CatalogUpload.objects.count() == 0


def test_a_requester_sees_no_catalog_page(client, shop):
    client.force_login(shop.alice.user)

    response = client.get(reverse("catalogs:index"))

    assert response.status_code == 403
    assert "Only buyers and administrators see catalog uploads." in text_of(response)


def test_the_template_downloads(client, shop):
    client.force_login(shop.frank.user)

    response = client.get(reverse("catalogs:template"))

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines()[0] == (
        "sku;name;unspsc;unit;price;currency;description;lead_time_days;manufacturer;manufacturer_part_id;"
        "pack_size;order_multiple;minimum_quantity;image_url;datasheet_url"
    )


def test_the_api_uploads_follows_lists_flagged_lines_and_publishes(
    shop, live_catalog, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(shop.frank.user)

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/catalogs/uploads/",
            {"supplier": "BUROTEC", "file_format": "csv", "file": SimpleUploadedFile("c.csv", PRICE_RISE)},
            format="multipart",
        )
    assert created.status_code == 202
    pk = created.json()["id"]

    state = api.get(f"/api/v1/catalogs/uploads/{pk}/").json()
    flagged = api.get(f"/api/v1/catalogs/uploads/{pk}/lines/", {"kind": "flagged"}).json()
    bad_kind = api.get(f"/api/v1/catalogs/uploads/{pk}/lines/", {"kind": "cheap"})
    with django_capture_on_commit_callbacks(execute=True):
        publish = api.post(f"/api/v1/catalogs/uploads/{pk}/publish/", {"comment": "ok"}, format="json")
    again = api.post(f"/api/v1/catalogs/uploads/{pk}/reject/", {}, format="json")

    assert (state["status"], state["progress"]) == ("validated", 100)
    assert state["counts"] == {
        "lines": 3, "processed": 3, "new": 1, "changed": 1, "unchanged": 1, "removed": 1, "flagged": 1,
        "errors": 0, "published": 0,
    }  # fmt: skip
    assert [(line["sku"], line["old_price"], line["price"]) for line in flagged["results"]] == [
        ("PEN", {"amount": "10.00", "currency": "EUR"}, {"amount": "11.50", "currency": "EUR"})
    ]
    assert (bad_kind.status_code, bad_kind.json()["code"]) == (400, "invalid")
    assert publish.status_code == 202
    assert api.get(f"/api/v1/catalogs/uploads/{pk}/").json()["status"] == "published"
    assert (again.status_code, again.json()) == (
        409,
        {"code": "transition_not_allowed", "message": "The catalog upload is published: it cannot become rejected."},
    )


def test_the_api_refuses_a_requester_and_hides_uploads_of_other_entities(shop, django_capture_on_commit_callbacks):
    from tests.factories import EmployeeFactory, LegalEntityFactory

    api = APIClient()
    api.force_authenticate(shop.alice.user)
    refused = api.post(
        "/api/v1/catalogs/uploads/",
        {"supplier": "BUROTEC", "file_format": "csv", "file": SimpleUploadedFile("c.csv", PRICE_RISE)},
        format="multipart",
    )
    api.force_authenticate(shop.frank.user)
    with django_capture_on_commit_callbacks(execute=True):
        pk = api.post(
            "/api/v1/catalogs/uploads/",
            {"supplier": "BUROTEC", "file_format": "csv", "file": SimpleUploadedFile("c.csv", PRICE_RISE)},
            format="multipart",
        ).json()["id"]
    other_buyer = EmployeeFactory(legal_entities=[LegalEntityFactory(code="OTHER")], roles=["buyer"])
    api.force_authenticate(other_buyer.user)
    hidden = api.get(f"/api/v1/catalogs/uploads/{pk}/")

    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")
